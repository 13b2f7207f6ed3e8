/**
 * Jepsen's bank test written as transactions over registers, one register per account: a transfer is
 * `[[:r 0 10] [:r 1 10] [:w 0 8] [:w 1 12]]`, a read of every balance `[[:r 0 nil] [:r 1 nil] …]`. The
 * bank's invariant (every snapshot of all balances sums to the total, none negative) is checked by the
 * bank checker (./bank.ts), so such a history is turned into the bank's ops, one for one (positions and
 * indices kept, so anomalies name the txn's own ops):
 *
 * - a txn that writes is a `transfer` (value: the balances it wrote, by account; the bank checker does
 *   not check transfers, as Jepsen's does not);
 * - a read-only txn that reads every account the history names is a `read` whose value is the balance
 *   each account showed first (before any write of the txn's own): a snapshot the checker sums;
 * - a read-only txn of fewer accounts is a `partial-read`: which accounts it reads is the client's
 *   choice, not the database's, so it is no snapshot and is not summed.
 *
 * Why not the rw-register checker: it needs each value written once per key (Elle's rw_register.clj
 * throws otherwise), and balances repeat. A bank history whose writes happen to be unique can be checked
 * with `--workload rw-register` as well. Pure; no I/O.
 */
import type { Op } from '../src/core/op.ts';
import { nameOf, valueKey } from '../src/history/values.ts';

/** The micro-ops `[f k v]` of a txn value whose `f` is `r` or `w` (keyword or string), else undefined. */
function rwMops(value: unknown): { f: 'r' | 'w'; key: unknown; value: unknown }[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: { f: 'r' | 'w'; key: unknown; value: unknown }[] = [];
  for (const m of value as unknown[]) {
    if (!Array.isArray(m) || m.length !== 3) return undefined;
    const f = nameOf(m[0]);
    if (f !== 'r' && f !== 'w') return undefined;
    out.push({ f, key: m[1], value: m[2] });
  }
  return out;
}

/** An account's name as a bank read's map key: the integer's digits, a keyword's or string's name. */
function accountName(k: unknown): string {
  if (typeof k === 'number' || typeof k === 'bigint') return String(k);
  return nameOf(k) ?? valueKey(k);
}

/**
 * True for a txn value the bank reading takes: micro-ops `[:r k v]` / `[:w k v]` whose balances are nil
 * or integers within ±2^53 (the bank checker adds in doubles).
 */
export function isBankTxnValue(value: unknown): boolean {
  const ms = rwMops(value);
  return (
    ms?.every(
      ({ value: v }) => v === null || v === undefined || (typeof v === 'number' && Number.isSafeInteger(v)),
    ) ?? false
  );
}

/** True when some client op of the history is a txn (then {@link bankOpsOfTxns} applies). */
export const hasTxnOps = (history: readonly Op[]): boolean =>
  history.some((op) => op.process !== 'nemesis' && op.f === 'txn');

/**
 * The history with each client `txn` op replaced by the bank op it stands for (see the module comment);
 * every other op unchanged. The account set is every key any txn names. Txns whose value is not r/w
 * micro-ops are left as they are (accepts.ts refuses them before a check).
 */
export function bankOpsOfTxns(history: readonly Op[]): Op[] {
  const accounts = new Set<string>();
  for (const op of history) {
    if (op.process === 'nemesis' || op.f !== 'txn') continue;
    for (const m of rwMops(op.value) ?? []) accounts.add(accountName(m.key));
  }
  return history.map((op) => {
    if (op.process === 'nemesis' || op.f !== 'txn') return op;
    const ms = rwMops(op.value);
    if (!ms) return op;
    if (ms.some((m) => m.f === 'w')) {
      // fromEntries defines keys, so an account named __proto__ stays an account.
      const wrote = Object.fromEntries(
        ms.flatMap((m) => (m.f === 'w' ? [[accountName(m.key), m.value]] : [])),
      );
      return { ...op, f: 'transfer', value: wrote };
    }
    const first = new Map<string, unknown>();
    for (const m of ms) if (!first.has(accountName(m.key))) first.set(accountName(m.key), m.value);
    if (first.size < accounts.size) return { ...op, f: 'partial-read' };
    // An invoke (and a txn that did not complete ok) knows no balances, as the bank's read invoke.
    const balances = op.type === 'ok' ? Object.fromEntries(first) : null;
    return { ...op, f: 'read', value: balances };
  });
}
