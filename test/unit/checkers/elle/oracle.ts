/**
 * A brute-force serializability oracle for small transactional histories (≤ 7 txns), independent of the
 * Elle-class checker: it reads the ops itself and searches total orders. Pure, no I/O.
 *
 * Semantics (Adya's, as Elle checks them; Kingsbury & Alvaro, VLDB 2020):
 * - a history is serializable iff some total order of its committed txns explains every read of every
 *   `ok` txn. `ok` txns must be in the order, `fail` txns are out, `info` txns may be in or out (their
 *   reads are unknown, so only their writes matter);
 * - list-append: a read of k returns exactly the appends to k of the earlier txns in the order, in that
 *   order, followed by the reading txn's own earlier appends to k (elle/list_append.clj);
 * - rw-register: a read returns the latest write to k in the order, nil if none; the txn's own earlier
 *   writes win (elle/rw_register.clj);
 * - strict-serializable additionally respects real time: if T1 completed `ok` before T2 was invoked (by
 *   history position), T1 precedes T2. An `info` txn never completes, so it precedes nothing by real time;
 * - strong-session-serializable respects the same order between txns of one process only.
 */
import type { Op } from '../../../../src/core/op.ts';
import { sameValue, valueKey } from '../../../../src/history/values.ts';

/** The workloads the oracle knows. */
export type OracleWorkload = 'list-append' | 'rw-register';

/** One micro-op as the oracle reads it: `[f, key, value]`. */
export type OracleMop = [f: string, key: unknown, value: unknown];

/** One txn: an invoke and its completion, positions are history array positions. */
export interface OracleTxn {
  type: 'ok' | 'fail' | 'info';
  process: number;
  /** The completion's micro-ops for `ok` (reads carry values), the invoke's otherwise. */
  mops: OracleMop[];
  invokePos: number;
  /** Position of the completion; Infinity for `info` (it may take effect at any time after invoke). */
  completePos: number;
}

/** The largest history the oracle accepts (7! orders, times the info txns' in/out choices). */
export const ORACLE_MAX_TXNS = 7;

/** The txns of a history of `txn` ops, in invoke order. Throws on a history it cannot pair. */
export function oracleTxns(history: readonly Op[]): OracleTxn[] {
  const open = new Map<unknown, { invoke: Op; pos: number }>();
  const out: OracleTxn[] = [];
  const byInvoke = new Map<number, OracleTxn>();
  history.forEach((op, pos) => {
    if (op.process === 'nemesis' || op.f !== 'txn') return;
    if (op.type === 'invoke') {
      if (open.has(op.process)) throw new Error(`oracle: process ${op.process} invoked twice (#${op.index})`);
      open.set(op.process, { invoke: op, pos });
      const t: OracleTxn = {
        type: 'info',
        process: op.process as number,
        mops: op.value as OracleMop[],
        invokePos: pos,
        completePos: Number.POSITIVE_INFINITY,
      };
      out.push(t);
      byInvoke.set(pos, t);
      return;
    }
    const inv = open.get(op.process);
    if (!inv) throw new Error(`oracle: completion without invoke (#${op.index})`);
    open.delete(op.process);
    const t = byInvoke.get(inv.pos) as OracleTxn;
    t.type = op.type as OracleTxn['type'];
    if (op.type === 'ok') {
      t.mops = op.value as OracleMop[];
      t.completePos = pos;
    }
  });
  return out;
}

/** Result of the search: a witness order (indices into the txns) or undefined when none exists. */
export interface OracleAnswer {
  serializable: boolean;
  /** Indices into {@link oracleTxns}' result, in serial order (info txns left out are absent). */
  order?: number[];
}

/**
 * Whether some total order of the committed txns explains every read (see the module comment).
 * `realtime` makes it strict-serializability; `process` makes it strong-session-serializability (a
 * process's ok txn precedes its later txns; Elle's process order). Throws on more than
 * {@link ORACLE_MAX_TXNS} txns.
 */
export function oracleCheck(
  history: readonly Op[],
  workload: OracleWorkload,
  opts: { realtime: boolean; process?: boolean },
): OracleAnswer {
  const txns = oracleTxns(history);
  const n = txns.length;
  if (n > ORACLE_MAX_TXNS) throw new Error(`oracle: ${n} txns, at most ${ORACLE_MAX_TXNS}`);
  // pred[i]: mask of ok txns that must precede i by real time (or by process order).
  const pred = txns.map((t) => {
    let m = 0;
    txns.forEach((u, j) => {
      const before = u.type === 'ok' && u.completePos < t.invokePos;
      if (before && (opts.realtime || (opts.process && u.process === t.process))) m |= 1 << j;
    });
    return m;
  });
  let okMask = 0;
  txns.forEach((t, i) => {
    if (t.type === 'ok') okMask |= 1 << i;
  });
  const append = workload === 'list-append';
  const seen = new Set<string>();
  const order: number[] = [];

  /** Applies txn i to `state` (a copy), or undefined when one of its reads disagrees. */
  const apply = (i: number, state: Map<string, unknown>): Map<string, unknown> | undefined => {
    const t = txns[i]!;
    const next = new Map(state);
    for (const [f, k, v] of t.mops) {
      const key = valueKey(k);
      if (f === 'r') {
        if (t.type !== 'ok') continue;
        const cur = next.get(key);
        if (append) {
          const list = (cur as unknown[] | undefined) ?? [];
          if (!Array.isArray(v) || v.length !== list.length) return undefined;
          for (let x = 0; x < list.length; x++) if (!sameValue(list[x], v[x])) return undefined;
        } else if (!sameValue(cur ?? null, v ?? null)) return undefined;
      } else if (f === 'append') {
        next.set(key, [...((next.get(key) as unknown[] | undefined) ?? []), v]);
      } else if (f === 'w') {
        next.set(key, v);
      } else throw new Error(`oracle: unknown micro-op ${String(f)}`);
    }
    return next;
  };

  const signature = (placed: number, state: Map<string, unknown>): string =>
    `${placed}|${[...state.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${valueKey(v)}`)
      .join(';')}`;

  // `done`: txns placed or decided out (info txns skipped are never placed later: order is what counts,
  // so skipping is the same as not placing; we only need every ok txn placed).
  const search = (placed: number, state: Map<string, unknown>): boolean => {
    if ((placed & okMask) === okMask) return true;
    const sig = signature(placed, state);
    if (seen.has(sig)) return false;
    seen.add(sig);
    for (let i = 0; i < n; i++) {
      const bit = 1 << i;
      if (placed & bit || txns[i]!.type === 'fail') continue;
      if ((pred[i]! & placed) !== pred[i]) continue;
      const next = apply(i, state);
      if (!next) continue;
      order.push(i);
      if (search(placed | bit, next)) return true;
      order.pop();
    }
    return false;
  };
  return search(0, new Map()) ? { serializable: true, order: [...order] } : { serializable: false };
}
