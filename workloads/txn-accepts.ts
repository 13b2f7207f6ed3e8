import { mopF } from '../checkers/elle/txns.ts';
import type { Call } from '../checkers/linearizable/index.ts';
import type { Op } from '../src/core/op.ts';
import { showValue } from '../src/history/values.ts';

/**
 * The op shapes of the transactional workloads (Elle's list-append and rw-register, elle/list_append.clj
 * and elle/rw_register.clj), so `analyze` refuses what their checker could not interpret with one line
 * naming the micro-op, instead of a verdict. Pure predicates on one call (accepts.ts pairs the ops).
 *
 * A txn op is `f` `txn` with a list of micro-ops `[f k v]` (a read may omit `v`); `f` is a string or a
 * keyword (`"append"`, `":append"` or `{"$kw":"append"}`, as checkers/elle/txns.ts reads them), keys
 * and values any exact value (src/history/values.ts). What needs the whole history (pairing of
 * completions with invokes, unique writes per key) is checkers/elle/txns.ts `findMalformedTxn`.
 */

/** The txn workloads, by --workload name: the micro-op names each takes. */
export const TXN_MOPS: Readonly<Record<'list-append' | 'rw-register', readonly string[]>> = {
  'list-append': ['append', 'r'],
  'rw-register': ['w', 'r'],
};

/** What each txn workload's ops look like, for the refusal. */
export const TXN_TAKES: Readonly<Record<'list-append' | 'rw-register', string>> = {
  'list-append': 'txn [[:append k v] [:r k nil|[v…]] …]',
  'rw-register': 'txn [[:w k v] [:r k v|nil] …]',
};

/**
 * True for an op of a transactional history, whatever its micro-ops: `f` txn, or no `f` at all (the
 * reader's ''), since Elle reads every client op as a txn and histories written for it often omit
 * `:f` (its paper's example does).
 */
export const isTxnF = (f: string): boolean => f === 'txn' || f === '';
export const isTxnCall = (c: Call): boolean => isTxnF(c.f);

/**
 * The history with every client op that has no `f` named `txn` (see {@link isTxnF}), as the
 * transactional checker reads only `txn` ops; the same array when there is none. Pure.
 */
export function withTxnF(history: readonly Op[]): readonly Op[] {
  if (!history.some((op) => op.f === '' && op.process !== 'nemesis')) return history;
  return history.map((op) => (op.f === '' && op.process !== 'nemesis' ? { ...op, f: 'txn' } : op));
}

/**
 * Why workload `w` cannot interpret this call (one short phrase naming the micro-op by its 1-based
 * position and value), or undefined when it can. A non-txn call: "its f is …, not txn".
 */
export function txnCallProblem(w: 'list-append' | 'rw-register', c: Call): string | undefined {
  if (!isTxnF(c.f)) return `its f is ${c.f}, not txn`;
  if (!Array.isArray(c.value))
    return `its value ${showValue(c.value).slice(0, 40)} is not a list of micro-ops`;
  const names = TXN_MOPS[w];
  for (let i = 0; i < c.value.length; i++) {
    const m: unknown = c.value[i];
    // Built only for the refusal: showValue of every read's list would cost more than the check.
    const at = () => `micro-op ${i + 1} ${showValue(m).slice(0, 40)}`;
    if (!Array.isArray(m) || m.length < 2 || m.length > 3) return `${at()} is not [f k v]`;
    const f = mopF(m[0]);
    if (f === undefined || !names.includes(f))
      return `${at()}: ${showValue(m[0])} is not ${names.map((n) => `:${n}`).join(' or ')}`;
    if (f !== 'r' && m.length < 3) return `${at()} writes no value`;
    const v: unknown = m[2];
    // nil is every key's initial state: a write of nil could not be told from it.
    if (f !== 'r' && (v === null || v === undefined)) return `${at()} writes nil`;
    // list-append reads return the list (a vector or list), or nil when not known.
    if (w === 'list-append' && f === 'r' && v !== null && v !== undefined && !Array.isArray(v))
      return `${at()}: a list-append read returns a list, not ${showValue(v).slice(0, 20)}`;
  }
  return undefined;
}
