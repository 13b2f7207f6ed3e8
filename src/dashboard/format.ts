/** Short text for the dashboard and the plain printer: durations, rates, latencies, bars, sparklines. */

const TICKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** One character per value, scaled to the largest; zero is a blank so stalls stand out. */
export function sparkline(values: readonly number[]): string {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  let out = '';
  for (const v of values) {
    out +=
      v <= 0 || max === 0
        ? ' '
        : TICKS[Math.min(TICKS.length - 1, Math.floor((v / max) * (TICKS.length - 1e-9)))];
  }
  return out;
}

export function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/** 4.2s, 1m05s, 1h02m. */
export function duration(ns: number): string {
  const s = Math.max(0, ns) / 1e9;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** 850µs, 12.3ms, 1.20s. */
export function latencyText(ns: number): string {
  if (ns < 1e6) return `${Math.round(ns / 1e3)}µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)}ms`;
  return `${(ns / 1e9).toFixed(2)}s`;
}

/** 950, 12.3k, 1.2M. */
export function count(n: number): string {
  if (n < 10_000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e5 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}

/** Keeps terminal control characters (escape codes above all) out of text that came from elsewhere. */
export function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f\x9b]/g, '');
}
