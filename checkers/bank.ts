/**
 * Jepsen's bank checker. Transfers move money between accounts; no transfer creates or destroys any, so
 * every successful read of all balances must sum to the initial total, and (unless the test allows it)
 * no balance may be negative. A read's value is the balances by account: an array (index = account) or
 * an object {account: balance}. Lists the bad reads with their history indices.
 */

import type { Checker, CheckResult } from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';

export interface BankCheckerOptions {
  /** The sum every read must show. */
  total: number;
  /** How many accounts a read must show (unchecked when absent). */
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

/** What is wrong with one read (empty when nothing). */
export function readProblems(value: unknown, o: BankCheckerOptions): { sum?: number; problems: string[] } {
  const bs = balancesOf(value);
  if (!bs) return { problems: ['malformed read: not a list of numbers'] };
  const problems: string[] = [];
  const sum = bs.reduce((a, b) => a + b, 0);
  if (sum !== o.total) problems.push(`sum ${sum} ≠ ${o.total}`);
  if (o.accounts !== undefined && bs.length !== o.accounts)
    problems.push(`${bs.length} accounts, expected ${o.accounts}`);
  if (!o.allowNegative) {
    const neg = bs.flatMap((b, i) => (b < 0 ? [`account ${i} is ${b}`] : []));
    if (neg.length) problems.push(`negative: ${neg.join(', ')}`);
  }
  return { sum, problems };
}

export function bankChecker(o: BankCheckerOptions): Checker {
  return {
    name: 'bank',
    check(_ctx, history: readonly Op[]): BankResult | CheckResult {
      const { pairs } = pairOps(history.filter((op) => op.process !== 'nemesis'));
      const bad: BadRead[] = [];
      let badCount = 0;
      let reads = 0;
      let minSum: number | undefined;
      let maxSum: number | undefined;
      for (const { invoke, completion } of pairs) {
        if (invoke.f !== 'read' || completion?.type !== 'ok') continue;
        reads++;
        const { sum, problems } = readProblems(completion.value, o);
        if (sum !== undefined) {
          minSum = minSum === undefined ? sum : Math.min(minSum, sum);
          maxSum = maxSum === undefined ? sum : Math.max(maxSum, sum);
        }
        if (problems.length === 0) continue;
        badCount++;
        if (bad.length < 100) {
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
      if (reads === 0) return { valid: 'unknown', reason: 'no read succeeded, so there is nothing to check' };
      bad.sort((a, b) => a.index - b.index);
      const range = minSum === maxSum ? `${minSum}` : `${minSum}..${maxSum}`;
      return {
        valid: badCount === 0,
        summary: `${reads} reads, sums ${range} (total ${o.total})${badCount ? `, ${badCount} BAD READS` : ''}`,
        readCount: reads,
        total: o.total,
        badReads: bad,
        badCount,
        ...(minSum !== undefined ? { minSum, maxSum } : {}),
      };
    },
  };
}
