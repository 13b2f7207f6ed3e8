/**
 * Jepsen's bank checker. Transfers move money between accounts; no transfer creates or destroys any, so
 * every successful read of all balances must sum to the initial total, and (unless the test allows it)
 * no balance may be negative. A read's value is the balances by account: an array (index = account) or
 * an object {account: balance}. Lists the bad reads with their history indices.
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
  total: number;
  /** The number of accounts each read must show, when checked. */
  accounts?: number;
  /** How `total` and `accounts` were found when they were not given (plain words). */
  inferred?: { total?: string; accounts?: string };
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
 * The anomaly types of a bad read, as Jepsen's bank checker names its errors (`:wrong-total`,
 * `:negative-value`), plus `wrong-account-count` and `malformed-read` (not a list or map of numbers).
 */
export type BankAnomaly = 'wrong-total' | 'wrong-account-count' | 'negative-value' | 'malformed-read';

/** What is wrong with one read (empty when nothing): `problems` in words, `types` the anomaly type of each. */
export function readProblems(
  value: unknown,
  o: BankCheckerOptions & { total: number },
): { sum?: number; problems: string[]; types: BankAnomaly[] } {
  const bs = balancesOf(value);
  if (!bs) return { problems: ['malformed read: not a list or map of numbers'], types: ['malformed-read'] };
  const problems: string[] = [];
  const types: BankAnomaly[] = [];
  const sum = bs.reduce((a, b) => a + b, 0);
  if (sum !== o.total) {
    problems.push(`sum ${sum} ≠ ${o.total}`);
    types.push('wrong-total');
  }
  if (o.accounts !== undefined && bs.length !== o.accounts) {
    problems.push(`${bs.length} accounts, expected ${o.accounts}`);
    types.push('wrong-account-count');
  }
  if (!o.allowNegative) {
    // A map read names its accounts (Jepsen's {0 10, 1 15 …}); a list read is indexed by account.
    const names = Array.isArray(value) ? bs.map((_, i) => String(i)) : Object.keys(value as object);
    const neg = bs.flatMap((b, i) => (b < 0 ? [`account ${names[i]} is ${b}`] : []));
    if (neg.length) {
      problems.push(`negative: ${neg.join(', ')}`);
      types.push('negative-value');
    }
  }
  return { sum, problems, types };
}

/** The value most of `xs` have (ties: the one seen first), with its count. */
function mode(xs: readonly number[]): { value: number; count: number } | undefined {
  const counts = new Map<number, number>();
  let best: { value: number; count: number } | undefined;
  for (const x of xs) {
    const n = (counts.get(x) ?? 0) + 1;
    counts.set(x, n);
    if (!best || n > best.count) best = { value: x, count: n };
  }
  return best;
}

/** One anomaly case of a bad read: the read's completion, what it showed and what was wrong. */
function badReadCase(read: Op, problem: string, expected: { total: number; accounts?: number }): AnomalyCase {
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
    check(_ctx, history: readonly Op[]): BankResult | CheckResult {
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
      const inferred: NonNullable<BankResult['inferred']> = {};
      let total = o.total;
      let accounts = o.accounts;
      if (total === undefined) {
        const sums = okReads.flatMap(({ completion }) => {
          const bs = balancesOf(completion.value);
          return bs ? [bs.reduce((a, b) => a + b, 0)] : [];
        });
        const m = mode(sums);
        if (!m)
          return {
            valid: 'unknown',
            reason: 'no read returned balances (a list or map of numbers)',
            ...noAnomalies(),
          };
        total = m.value;
        inferred.total = `the sum ${m.count} of ${okReads.length} reads show (pass --opt total=N to set it)`;
        if (accounts === undefined) {
          const sizes = okReads.flatMap(({ completion }) => {
            const bs = balancesOf(completion.value);
            return bs ? [bs.length] : [];
          });
          const a = mode(sizes)!;
          accounts = a.value;
          inferred.accounts = `the count ${a.count} of ${okReads.length} reads show (pass --opt accounts=N to set it)`;
        }
      }
      const bad: BadRead[] = [];
      let badCount = 0;
      const found: Partial<Record<BankAnomaly, number>> = {};
      const cases: Partial<Record<BankAnomaly, AnomalyCase[]>> = {};
      let minSum: number | undefined;
      let maxSum: number | undefined;
      const opts = { total, ...(accounts !== undefined ? { accounts } : {}), allowNegative: o.allowNegative };
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
      const range = minSum === maxSum ? `${minSum}` : `${minSum}..${maxSum}`;
      const how = Object.keys(inferred).length ? ', inferred from the reads' : '';
      return {
        valid: badCount === 0,
        summary: `${okReads.length} reads, sums ${range} (total ${total}${accounts !== undefined ? `, ${accounts} accounts` : ''}${how})${badCount ? `, ${badCount} BAD READS` : ''}`,
        readCount: okReads.length,
        total,
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
