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

/** What a serial run produced: the history and, per txn (in invoke order), its place in the execution. */
export interface SerialRun {
  history: Op[];
  /** Per txn id: the position at which it took effect, Infinity if it never did. */
  position: number[];
}

/**
 * Runs random txns against a correct in-memory store: each txn takes effect atomically at its
 * completion (so the history is strict serializable, per-key linearizable and sequential), fail txns
 * never take effect, info txns sometimes do. `choices` drive the interleaving (which process moves
 * next) and outcomes; a process that gets info is retired, as in Jepsen. Values written are unique per
 * key. `workload` picks list-append (append + list reads) or rw-register (write + value reads).
 */
export function serialRun(
  workload: 'list-append' | 'rw-register',
  txns: { f: 'r' | 'w'; key: number }[][],
  choices: number[],
  processes = 3,
): SerialRun {
  const lists = new Map<number, number[]>();
  const regs = new Map<number, number>();
  const next = new Map<number, number>();
  const history: Op[] = [];
  const procOf = Array.from({ length: processes }, (_, i) => i);
  const open: ({ id: number; mops: unknown[][] } | undefined)[] = new Array(processes);
  const position: number[] = [];
  let applied = 0;
  let started = 0;
  let c = 0;
  const choice = () => choices[c++ % Math.max(1, choices.length)] ?? 0;
  const push = (o: Omit<Op, 'index' | 'time'>) =>
    history.push({ index: history.length, time: history.length, ...o });
  while (started < txns.length || open.some((o) => o)) {
    const slot = choice() % processes;
    const o = open[slot];
    if (!o) {
      if (started >= txns.length) {
        // Nothing left to invoke: complete the first open txn instead.
        const s = open.findIndex((x) => x);
        const first = open[s]!;
        open[s] = undefined;
        finishTxn(s, first);
        continue;
      }
      const id = started++;
      position.push(Infinity);
      const mops = txns[id]!.map(({ f, key }) => {
        if (f === 'r') return ['r', key, null];
        const v = (next.get(key) ?? 0) + 1;
        next.set(key, v);
        return [workload === 'list-append' ? 'append' : 'w', key, v];
      });
      open[slot] = { id, mops };
      push({ type: 'invoke', process: procOf[slot]!, f: 'txn', value: mops });
      continue;
    }
    open[slot] = undefined;
    finishTxn(slot, o);
  }
  return { history, position };

  function finishTxn(slot: number, o: { id: number; mops: unknown[][] }): void {
    const roll = choice() % 10;
    const type = roll < 7 ? 'ok' : roll < 9 ? 'fail' : 'info';
    const apply = type === 'ok' || (type === 'info' && choice() % 2 === 0);
    let value = o.mops;
    if (apply) {
      position[o.id] = applied++;
      value = o.mops.map(([f, k, v]) => {
        const key = k as number;
        if (f === 'r')
          return [
            'r',
            key,
            workload === 'list-append' ? [...(lists.get(key) ?? [])] : (regs.get(key) ?? null),
          ];
        if (workload === 'list-append') lists.set(key, [...(lists.get(key) ?? []), v as number]);
        else regs.set(key, v as number);
        return [f, key, v];
      });
    }
    push({ type, process: procOf[slot]!, f: 'txn', value: type === 'ok' ? value : o.mops });
    if (type === 'info') procOf[slot]! += processes;
  }
}
