/**
 * Jepsen's bank checker. Transfers move money between accounts; no transfer creates or destroys any, so
 * every successful read of all balances must sum to the initial total, and (unless the test allows it)
 * no balance may be negative. A read's value is the balances by account: an array (index = account) or
 * an object {account: balance}. Lists the bad reads with their history indices. A history of the bank
 * written as txns of reads and writes is checked through its read-only txns (./bank-txn.ts).
 */

import {
  type AnomalyCase,
  anomalyFields,
  type Checker,
  type CheckResult,
  noAnomalies,
} from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import { stringifyExact } from '../src/history/values.ts';
import { bankOpsOfTxns, hasTxnOps } from './bank-txn.ts';

export interface BankCheckerOptions {
  /** The sum every read must show. When absent it is inferred: the sum most reads show (ties: earliest). */
  total?: number;
  /** How many accounts a read must show. When absent and `total` is inferred too, it is inferred the
   * same way (the most common count); when absent and `total` is given, it is unchecked. */
  accounts?: number;
  /** Negative balances are allowed (e.g. overdrafts by design). */
  allowNegative?: boolean;
}

export interface BadRead {
  /** Index of the read's completion. */
  index: number;
  process: Op['process'];
  node?: string;
  value: unknown;
  /** The sum it showed (undefined when the value was malformed). */
  sum?: number;
  problems: string[];
}

export interface BankResult extends CheckResult {
  readCount: number;
  /** The sum every read must show; absent only when no read has a sum (each has a nil balance). */
  total?: number;
  /** The number of accounts each read must show, when checked. */
  accounts?: number;
  /** How `total`, `accounts` and the account keys were found when they were not given (plain words). */
  inferred?: { total?: string; accounts?: string; keys?: string };
  /** Bad reads, at most 100 listed (`badCount` counts all). */
  badReads: BadRead[];
  badCount: number;
  /** The lowest and highest sums seen. */
  minSum?: number;
  maxSum?: number;
}

/** The balances of a read's value, or undefined when it is not a list/map of finite numbers. */
export function balancesOf(value: unknown): number[] | undefined {
  const xs = Array.isArray(value)
    ? value
    : value && typeof value === 'object'
      ? Object.values(value as Record<string, unknown>)
      : undefined;
  if (!xs?.every((x) => typeof x === 'number' && Number.isFinite(x))) return undefined;
  return xs as number[];
}

/**
 * The anomaly types of a bad read, as Jepsen's bank checker names its errors (jepsen.tests.bank/check-op:
 * `:unexpected-key`, `:nil-balance`, `:wrong-total`, `:negative-value`), plus `wrong-account-count` and
 * `malformed-read` (not a list or map of numbers and nils).
 */
export type BankAnomaly =
  | 'unexpected-key'
  | 'nil-balance'
  | 'wrong-total'
  | 'wrong-account-count'
  | 'negative-value'
  | 'malformed-read';

/**
 * A read's accounts and balances: a list read is indexed by account (keys "0", "1"…), a map read names
 * its accounts (Jepsen's {0 10, 1 15 …}; map keys arrive as strings). Undefined when it is neither, or a
 * balance is neither a finite number nor nil (null/undefined).
 */
function entriesOf(
  value: unknown,
): { keys: string[]; balances: (number | null)[]; isMap: boolean } | undefined {
  const isMap = !Array.isArray(value);
  const es: [string, unknown][] | undefined = Array.isArray(value)
    ? value.map((b, i) => [String(i), b])
    : value && typeof value === 'object'
      ? Object.entries(value as Record<string, unknown>)
      : undefined;
  if (!es) return undefined;
  const balances: (number | null)[] = [];
  for (const [, b] of es) {
    if (b === null || b === undefined) balances.push(null);
    else if (typeof b === 'number' && Number.isFinite(b)) balances.push(b);
    else return undefined;
  }
  return { keys: es.map(([k]) => k), balances, isMap };
}

/**
 * The position in `history` of the first ok read whose |balances| sum past Number.MAX_SAFE_INTEGER, or
 * undefined when none does: below it a read's sum in doubles is exact; past it sums round, and a read
 * of {2^52, 2^52+1} would pass for a total of 2^53. Pure.
 */
export function bankSumTooLarge(txnsOrOps: readonly Op[]): number | undefined {
  // Txn-shaped bank histories (./bank-txn.ts) are summed as their reads; positions stay the same.
  const history = hasTxnOps(txnsOrOps) ? bankOpsOfTxns(txnsOrOps) : txnsOrOps;
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (op.process === 'nemesis' || op.f !== 'read' || op.type !== 'ok') continue;
    const e = entriesOf(op.value);
    if (!e) continue;
    let abs = 0;
    for (const b of e.balances) if (b !== null) abs += Math.abs(b);
    // Doubles round monotonically, so a true sum past the bound never rounds back below it.
    if (!(abs <= Number.MAX_SAFE_INTEGER)) return i;
  }
  return undefined;
}

/**
 * What is wrong with one read (empty when nothing): `problems` in words, `types` the anomaly type of
 * each. `keys` is the account set: a map read naming another account is `unexpected-key` (a list read
 * is checked by its length only). A read with a nil balance has no sum (`nil-balance`, as Jepsen's).
 */
export function readProblems(
  value: unknown,
  o: BankCheckerOptions & { keys?: readonly string[] },
): { sum?: number; problems: string[]; types: BankAnomaly[] } {
  const e = entriesOf(value);
  if (!e) return { problems: ['malformed read: not a list or map of numbers'], types: ['malformed-read'] };
  const problems: string[] = [];
  const types: BankAnomaly[] = [];
  if (e.isMap && o.keys) {
    const known = new Set(o.keys);
    const unexpected = e.keys.filter((k) => !known.has(k));
    if (unexpected.length) {
      const has = new Set(e.keys);
      const missing = o.keys.filter((k) => !has.has(k));
      problems.push(
        `unexpected account ${unexpected.join(', ')} (accounts are ${o.keys.join(', ')})${missing.length ? `; missing ${missing.join(', ')}` : ''}`,
      );
      types.push('unexpected-key');
    }
  }
  const nils = e.keys.filter((_, i) => e.balances[i] === null);
  if (nils.length) {
    problems.push(`nil balance: account ${nils.join(', ')}`);
    types.push('nil-balance');
  }
  const sum = nils.length ? undefined : (e.balances as number[]).reduce((a, b) => a + b, 0);
  if (sum !== undefined && o.total !== undefined && sum !== o.total) {
    problems.push(`sum ${sum} ≠ ${o.total}`);
    types.push('wrong-total');
  }
  if (o.accounts !== undefined && e.balances.length !== o.accounts) {
    problems.push(`${e.balances.length} accounts, expected ${o.accounts}`);
    types.push('wrong-account-count');
  }
  if (!o.allowNegative) {
    const neg = e.balances.flatMap((b, i) => (b !== null && b < 0 ? [`account ${e.keys[i]} is ${b}`] : []));
    if (neg.length) {
      problems.push(`negative: ${neg.join(', ')}`);
      types.push('negative-value');
    }
  }
  return { ...(sum !== undefined ? { sum } : {}), problems, types };
}

/** The account keys of a read (sorted, joined), for finding the key set most reads show. */
function keySignature(value: unknown): string | undefined {
  const e = entriesOf(value);
  return e?.isMap ? JSON.stringify([...e.keys].sort(byAccount)) : undefined;
}

/** Account keys in numeric order when numeric ("2" before "10"), else by text. */
const byAccount = (a: string, b: string): number => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);

/** The value most of `xs` have (ties: the one seen first), with its count. */
function mode<T>(xs: readonly T[]): { value: T; count: number } | undefined {
  const counts = new Map<T, number>();
  let best: { value: T; count: number } | undefined;
  for (const x of xs) {
    const n = (counts.get(x) ?? 0) + 1;
    counts.set(x, n);
    if (!best || n > best.count) best = { value: x, count: n };
  }
  return best;
}

/** One anomaly case of a bad read: the read's completion, what it showed and what was wrong. */
function badReadCase(
  read: Op,
  problem: string,
  expected: { total?: number; accounts?: number },
): AnomalyCase {
  const v = stringifyExact(read.value) ?? String(read.value);
  return {
    ops: [read.index],
    explanation: `the read #${read.index} (process ${String(read.process)}) returned ${v}: ${problem}`,
    data: { value: read.value, ...expected },
  };
}

/** Cases in history order (okReads are in invocation order; the listed bad reads are sorted too). */
function sortCases(cases: Partial<Record<BankAnomaly, AnomalyCase[]>>): Record<string, AnomalyCase[]> {
  return Object.fromEntries(
    Object.entries(cases).map(([t, cs]) => [t, cs.sort((a, b) => a.ops[0]! - b.ops[0]!)]),
  );
}

/**
 * The bank checker. Without a `total` (a history from another tool, e.g. Jepsen's bank test with 8
 * accounts and a total of 100), total and accounts are inferred from the ok reads, and the result says
 * so in `inferred`: a read that disagrees with most reads is then the anomaly.
 */
export function bankChecker(o: BankCheckerOptions): Checker {
  return {
    name: 'bank',
    check(_ctx, txnsOrOps: readonly Op[]): BankResult | CheckResult {
      // Jepsen's bank written as txns of reads and writes: the same invariant, on the txns' snapshots.
      const history = hasTxnOps(txnsOrOps) ? bankOpsOfTxns(txnsOrOps) : txnsOrOps;
      const { pairs } = pairOps(history.filter((op) => op.process !== 'nemesis'));
      const okReads = pairs.flatMap(({ invoke, completion }) =>
        invoke.f === 'read' && completion?.type === 'ok' ? [{ invoke, completion }] : [],
      );
      if (okReads.length === 0)
        return {
          valid: 'unknown',
          reason: 'no read succeeded, so there is nothing to check',
          ...noAnomalies(),
        };
      if (bankSumTooLarge(history) !== undefined)
        return {
          valid: 'unknown',
          reason: "values too large to check exactly (a read's |balances| sum past 2^53−1)",
          ...noAnomalies(),
        };
      const inferred: NonNullable<BankResult['inferred']> = {};
      let total = o.total;
      let accounts = o.accounts;
      if (total === undefined) {
        const sums = okReads.flatMap(({ completion }) => {
          const bs = balancesOf(completion.value);
          return bs ? [bs.reduce((a, b) => a + b, 0)] : [];
        });
        const m = mode(sums);
        // Reads with a nil balance have no sum, but are anomalies all the same (below).
        const nilRead = okReads.some(({ completion }) => entriesOf(completion.value));
        if (!m && !nilRead)
          return {
            valid: 'unknown',
            reason: 'no read returned balances (a list or map of numbers)',
            ...noAnomalies(),
          };
        if (m) {
          total = m.value;
          inferred.total = `the sum ${m.count} of ${okReads.length} reads show (pass --opt total=N to set it)`;
        } else inferred.total = 'none: no read has a sum (pass --opt total=N to set it)';
        if (accounts === undefined) {
          const sizes = okReads.flatMap(({ completion }) => {
            const bs = balancesOf(completion.value);
            return bs ? [bs.length] : [];
          });
          const a = mode(sizes);
          if (a) {
            accounts = a.value;
            inferred.accounts = `the count ${a.count} of ${okReads.length} reads show (pass --opt accounts=N to set it)`;
          }
        }
      }
      // The account set (Jepsen's `accounts`): the keys most map reads name; when `accounts` (N) is given
      // and reads name accounts by number (Jepsen's, faultline's list index), 0..N-1.
      let keys: string[] | undefined;
      const sigs = okReads.flatMap(({ completion }) => {
        const sig = keySignature(completion.value);
        return sig === undefined ? [] : [sig];
      });
      const k = mode(sigs);
      if (k) {
        keys = JSON.parse(k.value) as string[];
        if (o.accounts !== undefined && keys.every((x) => /^-?\d+$/.test(x)))
          keys = Array.from({ length: o.accounts }, (_, i) => String(i));
        else inferred.keys = `the accounts ${k.count} of ${sigs.length} map reads name`;
      }
      const bad: BadRead[] = [];
      let badCount = 0;
      const found: Partial<Record<BankAnomaly, number>> = {};
      const cases: Partial<Record<BankAnomaly, AnomalyCase[]>> = {};
      let minSum: number | undefined;
      let maxSum: number | undefined;
      const opts = {
        ...(total !== undefined ? { total } : {}),
        ...(accounts !== undefined ? { accounts } : {}),
        ...(keys ? { keys } : {}),
        allowNegative: o.allowNegative,
      };
      for (const { invoke, completion } of okReads) {
        const { sum, problems, types } = readProblems(completion.value, opts);
        if (sum !== undefined) {
          minSum = minSum === undefined ? sum : Math.min(minSum, sum);
          maxSum = maxSum === undefined ? sum : Math.max(maxSum, sum);
        }
        if (problems.length === 0) continue;
        badCount++;
        for (const t of types) found[t] = (found[t] ?? 0) + 1;
        if (bad.length < 100) {
          types.forEach((t, k) => {
            const c = badReadCase(completion, problems[k]!, { total, accounts });
            cases[t] = [...(cases[t] ?? []), c];
          });
          bad.push({
            index: completion.index,
            process: completion.process,
            ...(invoke.node ? { node: invoke.node } : {}),
            value: completion.value,
            ...(sum !== undefined ? { sum } : {}),
            problems,
          });
        }
      }
      bad.sort((a, b) => a.index - b.index);
      const range = minSum === undefined ? 'none' : minSum === maxSum ? `${minSum}` : `${minSum}..${maxSum}`;
      const how = Object.keys(inferred).length ? ', inferred from the reads' : '';
      return {
        valid: badCount === 0,
        summary: `${okReads.length} reads, sums ${range} (total ${total ?? 'unknown'}${accounts !== undefined ? `, ${accounts} accounts` : ''}${how})${badCount ? `, ${badCount} BAD READS` : ''}`,
        readCount: okReads.length,
        ...(total !== undefined ? { total } : {}),
        ...(accounts !== undefined ? { accounts } : {}),
        ...(Object.keys(inferred).length ? { inferred } : {}),
        badReads: bad,
        badCount,
        ...(minSum !== undefined ? { minSum, maxSum } : {}),
        ...anomalyFields(sortCases(cases), found),
      };
    },
  };
}
