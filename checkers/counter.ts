import type { Op } from '../src/history/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import type { Checker, CheckResult } from './checker.ts';

export interface CounterBoundsError {
  /** Index of the read's completion in the history. */
  index: number;
  process: Op['process'];
  node?: string;
  value: unknown;
  lower: number;
  upper: number;
  /** Set when the value lies within the bounds but no subset of the uncertain adds sums to it. */
  unreachable?: true;
}

export interface CounterResult extends CheckResult {
  readCount: number;
  /** Sum of acknowledged deltas. */
  acknowledged: number;
  /** Sum of the deltas that may have happened (ok, info, and invoked without completion). */
  attempted: number;
  /** The last ok read's value and its bounds. */
  lastRead?: { value: unknown; lower: number; upper: number };
  /** Reads outside their bounds or not reachable (at most 100 listed; `errorCount` counts all). */
  errors: CounterBoundsError[];
  errorCount: number;
  /** Reads whose exact reachability was past the budget, so only their bounds were checked. */
  boundsOnlyReads: number;
}

/** Cell updates allowed per read for the exact subset-sum check (past it, bounds only). */
const EXACT_BUDGET = 4_000_000;

/**
 * Jepsen's counter checker (jepsen.checker/counter), generalised to deltas of any sign. `add` ops carry
 * a delta; reads return the counter, which starts at 0. For each ok read, over its interval:
 * - certain: adds acknowledged (ok) before the read was invoked — they are in the value;
 * - uncertain: adds invoked before the read completed that are not certain and did not `fail` —
 *   acknowledged adds concurrent with the read, and adds that ended `info` or never completed, which
 *   may have applied at any time after their invoke, or never;
 * - adds that failed, or were invoked after the read completed, are not in the value.
 * The read is valid when value = certain + the sum of some subset of the uncertain deltas. So
 * lower = certain + the uncertain negative deltas, upper = certain + the uncertain positive deltas,
 * and within the bounds the value must also be reachable (checked exactly by subset sum when the
 * uncertain deltas are not all ±1 and the work is within a budget; otherwise bounds only, as Jepsen).
 * Each read is judged on its own (as Jepsen's), not as one linearization of all reads.
 */
export const counterChecker: Checker = {
  name: 'counter',
  check(_ctx, history: readonly Op[]): CounterResult | CheckResult {
    const ops = history.filter((o) => o.process !== 'nemesis');
    const { pairs } = pairOps(ops);
    // Adds that definitely failed never count; every other add counts from its invoke on.
    const failed = new Set<Op>();
    const readInvokeOf = new Map<Op, Op>(); // ok read completion → its invoke
    for (const { invoke, completion } of pairs) {
      if (invoke.f === 'add' && completion?.type === 'fail') failed.add(invoke);
      if (invoke.f === 'read' && completion?.type === 'ok') readInvokeOf.set(completion, invoke);
    }
    const readInvokes = new Set(readInvokeOf.values());
    // Deltas by value: those invoked so far (not failed), and those acknowledged so far.
    const attemptedDeltas = new Map<number, number>();
    const ackedDeltas = new Map<number, number>();
    const ackedAtInvoke = new Map<Op, Map<number, number>>();
    let acked = 0;
    let attempted = 0;
    let reads = 0;
    let boundsOnly = 0;
    const errors: CounterBoundsError[] = [];
    let errorCount = 0;
    let lastRead: CounterResult['lastRead'];
    for (const op of ops) {
      if (op.f === 'add') {
        const d = Number(op.value);
        if (op.type === 'invoke' && !failed.has(op)) {
          attempted += d;
          bump(attemptedDeltas, d);
        }
        if (op.type === 'ok') {
          acked += d;
          bump(ackedDeltas, d);
        }
      } else if (op.f === 'read') {
        if (op.type === 'invoke' && readInvokes.has(op)) ackedAtInvoke.set(op, new Map(ackedDeltas));
        const inv = op.type === 'ok' ? readInvokeOf.get(op) : undefined;
        if (!inv) continue;
        reads++;
        const certainDeltas = ackedAtInvoke.get(inv) ?? new Map<number, number>();
        const j = judgeRead(op.value, certainDeltas, attemptedDeltas);
        if (j.boundsOnly) boundsOnly++;
        lastRead = { value: op.value, lower: j.lower, upper: j.upper };
        if (j.ok) continue;
        errorCount++;
        if (errors.length < 100) {
          errors.push({
            index: op.index,
            process: op.process,
            ...(op.node ? { node: op.node } : {}),
            value: op.value,
            lower: j.lower,
            upper: j.upper,
            ...(j.unreachable ? { unreachable: true as const } : {}),
          });
        }
      }
    }
    if (reads === 0) return { valid: 'unknown', reason: 'no read succeeded, so there is nothing to check' };
    const summary = `${reads} reads, ${acked} acknowledged / ${attempted} attempted (sum of deltas)${
      errorCount ? `, ${errorCount} reads OUT OF BOUNDS or unreachable` : ''
    }`;
    return {
      valid: errorCount === 0,
      summary,
      readCount: reads,
      acknowledged: acked,
      attempted,
      ...(lastRead ? { lastRead } : {}),
      errors,
      errorCount,
      boundsOnlyReads: boundsOnly,
    };
  },
};

function bump(m: Map<number, number>, d: number): void {
  m.set(d, (m.get(d) ?? 0) + 1);
}

interface ReadJudgement {
  ok: boolean;
  lower: number;
  upper: number;
  unreachable: boolean;
  boundsOnly: boolean;
}

/**
 * Whether `value` = sum(certain) + some subset sum of (attempted − certain). Both are multisets of
 * deltas (delta → count); certain ⊆ attempted because an add is attempted from its invoke on.
 */
export function judgeRead(
  value: unknown,
  certain: ReadonlyMap<number, number>,
  attempted: ReadonlyMap<number, number>,
): ReadJudgement {
  let base = 0;
  for (const [d, n] of certain) base += d * n;
  const uncertain: [number, number][] = [];
  let neg = 0;
  let pos = 0;
  for (const [d, n] of attempted) {
    const k = n - (certain.get(d) ?? 0);
    if (k <= 0 || d === 0) continue;
    uncertain.push([d, k]);
    if (d < 0) neg += d * k;
    else pos += d * k;
  }
  const lower = base + neg;
  const upper = base + pos;
  const v = typeof value === 'bigint' ? Number(value) : value;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lower || v > upper) {
    return { ok: false, lower, upper, unreachable: false, boundsOnly: false };
  }
  // Sums of ±1 deltas cover every integer between the bounds: the common case needs no search.
  if (uncertain.every(([d]) => Math.abs(d) === 1) && Number.isInteger(v - lower)) {
    return { ok: true, lower, upper, unreachable: false, boundsOnly: false };
  }
  const span = upper - lower;
  const work = uncertain.reduce((s, [, k]) => s + k, 0) * (span + 1);
  if (!Number.isSafeInteger(span) || !uncertain.every(([d]) => Number.isInteger(d)) || work > EXACT_BUDGET) {
    return { ok: true, lower, upper, unreachable: false, boundsOnly: true };
  }
  const ok = subsetSumReaches(uncertain, v - lower, -neg, span);
  return { ok, lower, upper, unreachable: !ok, boundsOnly: false };
}

/**
 * Bounded knapsack over offsets from the lower bound: starts at `start` (no uncertain add applied) and
 * asks whether `target` is reachable by applying each delta at most its count times.
 */
function subsetSumReaches(deltas: [number, number][], target: number, start: number, span: number): boolean {
  if (!Number.isInteger(target)) return false;
  let reach = new Uint8Array(span + 1);
  reach[start] = 1;
  for (const [d, k] of deltas) {
    for (let i = 0; i < k; i++) {
      const next = reach.slice();
      for (let s = 0; s <= span; s++) {
        if (reach[s] && s + d >= 0 && s + d <= span) next[s + d] = 1;
      }
      reach = next;
    }
  }
  return reach[target] === 1;
}
