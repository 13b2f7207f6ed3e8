/**
 * Hand-made transactional histories for the Elle-class checker's tests: a tiny builder that turns a
 * list of events (invoke, ok, fail, info per process) into a well-formed `Op[]` history of `txn` ops,
 * as history.jsonl holds them (`value` = micro-ops `[f, k, v]`; an invoke's reads carry null). Pure.
 */
import type { Op } from '../../../../src/core/op.ts';

/** A micro-op `[f, k, v]`, as the history holds it. */
export type M = [f: 'append' | 'r' | 'w', key: unknown, value: unknown];

/** One event of a hand-made history. */
export type Ev =
  | { p: number; type: 'invoke'; mops: M[] }
  | { p: number; type: 'ok'; mops: M[] }
  | { p: number; type: 'fail' | 'info' };

/** Nanoseconds between consecutive ops of a built history. */
export const STEP_NS = 1_000_000;

/** The invoke form of micro-ops: reads carry null (the value is unknown until completion). */
export const invokeMops = (mops: readonly M[]): M[] => mops.map(([f, k, v]) => [f, k, f === 'r' ? null : v]);

/** Events for a whole txn on process p: invoke then its completion (`ok` with `mops`, or fail/info). */
export function txn(p: number, mops: M[], type: 'ok' | 'fail' | 'info' = 'ok'): Ev[] {
  return [{ p, type: 'invoke', mops: invokeMops(mops) }, type === 'ok' ? { p, type, mops } : { p, type }];
}

/** Invoke of a txn whose completion comes later (see {@link done}). */
export const inv = (p: number, mops: M[]): Ev => ({ p, type: 'invoke', mops: invokeMops(mops) });
/** `ok` completion of p's open txn, with its completed micro-ops. */
export const done = (p: number, mops: M[]): Ev => ({ p, type: 'ok', mops });

/**
 * The history of these events: indices dense from 0, times STEP_NS apart, `fail`/`info` completions
 * repeat the invoke's micro-ops (Jepsen's convention). Throws on a completion without an open invoke.
 */
export function build(events: readonly (Ev | readonly Ev[])[]): Op[] {
  const open = new Map<number, M[]>();
  const out: Op[] = [];
  for (const e of events.flat() as Ev[]) {
    const index = out.length;
    const base = { index, time: index * STEP_NS, process: e.p, f: 'txn' };
    if (e.type === 'invoke') {
      open.set(e.p, e.mops);
      out.push({ ...base, type: 'invoke', value: e.mops });
      continue;
    }
    const mops = open.get(e.p);
    if (!mops) throw new Error(`build: ${e.type} of process ${e.p} without an invoke`);
    open.delete(e.p);
    out.push({ ...base, type: e.type, value: e.type === 'ok' ? e.mops : mops });
  }
  return out;
}

/** Sequential history: each txn `[p, mops, type?]` invoked and completed before the next. */
export function serial(txns: readonly [number, M[], ('ok' | 'fail' | 'info')?][]): Op[] {
  return build(txns.map(([p, mops, type]) => txn(p, mops, type ?? 'ok')));
}
