/** Small txn histories for the inference tests: each txn is an invoke and its completion. */

import { edgeTriples } from '../../../../checkers/elle/edges.ts';
import type { EdgeList } from '../../../../checkers/elle/types.ts';
import type { Op } from '../../../../src/core/op.ts';

/** One txn: its completed micro-ops (reads carry values), outcome and process. */
export interface T {
  mops: unknown[][];
  type?: 'ok' | 'fail' | 'info' | 'pending';
  p?: number;
}

/** The invoke's micro-ops: reads unknown (nil). */
const invokeValue = (mops: unknown[][]) => mops.map(([f, k, v]) => [f, k, f === 'r' ? null : v]);

/**
 * A history of txns run one after another (each completes before the next invokes) unless `overlap`
 * is set, which invokes all first and completes them in order (all concurrent). Default process: the
 * txn's position; default type ok.
 */
export function txnHistory(ts: T[], overlap = false): Op[] {
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: h.length * 1000, ...o });
  const invoke = (t: T, i: number) =>
    push({ type: 'invoke', process: t.p ?? i, f: 'txn', value: invokeValue(t.mops) });
  const complete = (t: T, i: number) => {
    const type = t.type ?? 'ok';
    if (type === 'pending') return;
    push({ type, process: t.p ?? i, f: 'txn', value: type === 'ok' ? t.mops : invokeValue(t.mops) });
  };
  if (overlap) {
    ts.forEach(invoke);
    ts.forEach(complete);
  } else
    ts.forEach((t, i) => {
      invoke(t, i);
      complete(t, i);
    });
  return h;
}

/** Edges as sorted "from->to:kinds" strings, kinds merged per pair, for exact comparison. */
export function edgeSet(list: EdgeList): string[] {
  const byPair = new Map<string, number>();
  for (const [a, b, m] of edgeTriples(list)) byPair.set(`${a}->${b}`, (byPair.get(`${a}->${b}`) ?? 0) | m);
  const names = (m: number) =>
    [
      [1, 'ww'],
      [2, 'wr'],
      [4, 'rw'],
    ]
      .filter(([bit]) => m & (bit as number))
      .map(([, n]) => n)
      .join('+');
  return [...byPair].map(([k, m]) => `${k}:${names(m)}`).sort();
}
