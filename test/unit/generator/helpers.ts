/** Small readers over simulated histories, shared by the generator tests. */
import type { Op } from '../../../src/core/op.ts';

export const MS = 1_000_000;

export const invokes = (h: readonly Op[]): Op[] => h.filter((o) => o.type === 'invoke');
export const completions = (h: readonly Op[]): Op[] => h.filter((o) => o.type !== 'invoke');
export const fs = (h: readonly Op[]): string[] => invokes(h).map((o) => o.f);

/** The thread that ran a process: processes are thread + k × concurrency; the nemesis is its own. */
export const threadOf = (p: Op['process'], concurrency: number): number | 'nemesis' =>
  p === 'nemesis' ? 'nemesis' : p % concurrency;

/** Invocations per thread. */
export function countByThread(h: readonly Op[], concurrency: number): Map<number | 'nemesis', number> {
  const m = new Map<number | 'nemesis', number>();
  for (const o of invokes(h)) {
    const t = threadOf(o.process, concurrency);
    m.set(t, (m.get(t) ?? 0) + 1);
  }
  return m;
}

/** Pairs each invocation with its completion (by process), in invocation order. */
export function pairs(h: readonly Op[]): { invoke: Op; completion: Op | undefined }[] {
  const open = new Map<Op['process'], { invoke: Op; completion: Op | undefined }>();
  const out: { invoke: Op; completion: Op | undefined }[] = [];
  for (const o of h) {
    if (o.type === 'invoke') {
      if (open.has(o.process)) throw new Error(`process ${String(o.process)} invoked twice at ${o.index}`);
      const p = { invoke: o, completion: undefined };
      open.set(o.process, p);
      out.push(p);
    } else {
      const p = open.get(o.process);
      if (!p) throw new Error(`completion without invoke at ${o.index}`);
      p.completion = o;
      open.delete(o.process);
    }
  }
  return out;
}

/** Nanoseconds → seconds, for the time combinators (timeLimit, stagger, delay, sleep take seconds). */
export const sec = (ns: number): number => ns / 1e9;
