/** Clock offsets per node over time, read from the clock nemesis's ops (when it reports them). */
import type { Op } from '../core/op.ts';

export interface ClockSeries {
  nodes: string[];
  /** Seconds since the start, one entry per change. */
  t: number[];
  /** Offset of each node at each time, ms (null = not known yet). */
  offsets: Record<string, (number | null)[]>;
}

/**
 * The clock nemesis's value format is not fixed yet, so several shapes are accepted: {node: ms},
 * {offsets: {node: ms}}, [{node, offset|delta|ms}], or [[node, ms]]. reset-clock without a map means
 * every known node is back at 0.
 */
export function parseOffsets(v: unknown): Record<string, number> | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const out: Record<string, number> = {};
  if (Array.isArray(v)) {
    for (const x of v) {
      if (Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number') out[x[0]] = x[1];
      else if (x && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        const off = o.offset ?? o.delta ?? o.ms ?? o.offsetMs;
        if (typeof o.node === 'string' && typeof off === 'number') out[o.node] = off;
      }
    }
    return Object.keys(out).length ? out : undefined;
  }
  const o = v as Record<string, unknown>;
  for (const k of ['offsets', 'clock-offsets', 'clockOffsets', 'value']) {
    if (k in o) {
      const inner = parseOffsets(o[k]);
      if (inner) return inner;
    }
  }
  for (const [k, x] of Object.entries(o)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  return Object.keys(out).length ? out : undefined;
}

export function clockSeries(history: readonly Op[]): ClockSeries | undefined {
  const current = new Map<string, number>();
  const steps: { t: number; snapshot: Map<string, number> }[] = [];
  let invoke: Op | undefined;
  for (const op of history) {
    if (op.process !== 'nemesis') continue;
    if (op.type === 'invoke') invoke = op;
    if (op.type !== 'ok' || !/clock/.test(op.f)) continue;
    // The completion usually says what was done; the invocation what was asked.
    const offs = parseOffsets(op.value) ?? parseOffsets(invoke?.value);
    if (offs) for (const [n, ms] of Object.entries(offs)) current.set(n, ms);
    else if (/reset/.test(op.f)) for (const n of current.keys()) current.set(n, 0);
    else continue;
    steps.push({ t: op.time / 1e9, snapshot: new Map(current) });
  }
  if (steps.length === 0) return undefined;
  const nodes = [...current.keys()].sort();
  const offsets: Record<string, (number | null)[]> = {};
  for (const n of nodes) offsets[n] = steps.map((s) => s.snapshot.get(n) ?? null);
  return { nodes, t: steps.map((s) => s.t), offsets };
}
