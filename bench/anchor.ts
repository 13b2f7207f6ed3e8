/**
 * A fixed CPU-bound JavaScript workload that anchors a bench's figures to the machine it ran on: the
 * same work on every build (it uses nothing of faultline), so "ops per CPU-second × anchor seconds"
 * compares across machines better than ops/s alone. It does what the runner's hot path does most:
 * small objects, Map and Set operations, integer arithmetic, string building; single-threaded.
 */

/** One pass of the anchor workload; returns a checksum (so the JIT cannot drop the work). */
function anchorPass(): number {
  let x = 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const m = new Map<number, { k: number; v: number }>();
  const s = new Set<number>();
  let sum = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const k = next() % 10_000;
    const o = m.get(k);
    if (o === undefined) m.set(k, { k, v: i });
    else {
      o.v += i;
      m.delete(k);
    }
    if (i % 3 === 0) s.add(k);
    else s.delete(k);
    sum = (sum + (o?.v ?? 0)) | 0;
  }
  const parts: string[] = [];
  for (let i = 0; i < 200_000; i++) parts.push(`{"i":${i},"r":${next() % 1000}}`);
  const text = parts.join('\n');
  const a = Array.from({ length: 200_000 }, () => next());
  a.sort((p, q) => p - q);
  return (sum + text.length + a[1000]! + m.size + s.size) | 0;
}

/**
 * CPU milliseconds of one anchor pass: the minimum over `passes` (after one warm-up pass), the figure
 * least disturbed by other work on the machine. About 0.2–0.5 s per pass on a 2020s laptop core.
 */
export function anchorCpuMs(passes = 3): number {
  anchorPass();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < passes; i++) {
    const c0 = process.cpuUsage();
    anchorPass();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  return best;
}
