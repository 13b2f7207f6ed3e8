import { anomalyFields, type Checker, type CheckResult, noAnomalies } from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import { stringifyExact } from '../src/history/values.ts';

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
  /** The last ok read's value and its bounds (widest over the linearization points examined). */
  lastRead?: { value: unknown; lower: number; upper: number };
  /** Reads outside their bounds or not reachable (at most 100 listed; `errorCount` counts all). */
  errors: CounterBoundsError[];
  errorCount: number;
  /** Reads whose exact reachability was past the budget, so only their bounds were checked. */
  boundsOnlyReads: number;
}

/**
 * Cell updates allowed for the exact subset-sum checks of one history (past it, reads are checked by
 * their bounds only and counted in `boundsOnlyReads`): keeps a long run with many indeterminate
 * multi-unit adds to a fraction of a second.
 */
const EXACT_BUDGET = 50_000_000;

/**
 * The position in `history` of the first client op at which the sum of |delta| over the adds the checker
 * sums passes Number.MAX_SAFE_INTEGER, or undefined when it never does. An add counts once (its
 * invoke), its ok completion again only when it carries another delta (or has no invoke). Below that
 * bound every sum and bound the counter checker computes in doubles is an exact integer, and a read is
 * only subtracted from a bound once it lies within the bounds (so the difference is at most the sum);
 * past it sums may round (2^52+1 + 2^52 − 2^52 − 2^52 ≠ 1), and a wrong read could pass. Pure.
 */
export function counterSumTooLarge(history: readonly Op[]): number | undefined {
  const invokeOf = new Map<Op, Op>();
  for (const { invoke, completion } of pairOps(history.filter((o) => o.process !== 'nemesis')).pairs)
    if (completion) invokeOf.set(completion, invoke);
  let deltas = 0;
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (op.process === 'nemesis') continue;
    // As the checker reads an add's delta: by Number().
    if (op.f === 'add' && (op.type === 'invoke' || op.type === 'ok')) {
      const d = Number(op.value);
      const inv = op.type === 'ok' ? invokeOf.get(op) : undefined;
      const counted = inv !== undefined && Number(inv.value) === d;
      if (Number.isFinite(d) && !counted) deltas += Math.abs(d);
    }
    // Doubles round monotonically, so a true sum past the bound never rounds back below it.
    if (!(deltas <= Number.MAX_SAFE_INTEGER)) return i;
  }
  return undefined;
}

/**
 * Jepsen's counter checker (jepsen.checker/counter), generalised to deltas of any sign. `add` ops carry
 * a delta; reads return the counter, which starts at 0. A read is valid when some linearization point
 * p inside it, and some choice of which adds applied before p, gives its value:
 * - an add that failed never applied; one invoked after p did not apply before p;
 * - an acknowledged add whose completion precedes p applied before p (in particular every add
 *   acknowledged before the read was invoked is certain);
 * - every other add (acknowledged after p, ended `info`, or never completed) may or may not have.
 * For each p (every gap between the events inside the read) the value must lie within
 * lower = forced + the free negative deltas and upper = forced + the free positive deltas, and be
 * reachable: exactly checked by subset sum when the free deltas are not all ±1 and the work is within
 * a budget (otherwise bounds only, as Jepsen's). The bounds reported are the widest over p. Each read is
 * judged on its own (as Jepsen's), not as one linearization of all reads.
 */
export const counterChecker: Checker = {
  name: 'counter',
  check(_ctx, history: readonly Op[]): CounterResult | CheckResult {
    if (counterSumTooLarge(history) !== undefined)
      return {
        valid: 'unknown',
        reason: 'values too large to check exactly (the sum of |deltas| passes 2^53−1)',
        ...noAnomalies(),
      };
    const ops = history.filter((o) => o.process !== 'nemesis');
    const { pairs } = pairOps(ops);
    const failed = new Set<Op>();
    const readOf = new Map<Op, Op>(); // an ok read's invoke → its completion
    for (const { invoke, completion } of pairs) {
      if (invoke.f === 'add' && completion?.type === 'fail') failed.add(invoke);
      if (invoke.f === 'read' && completion?.type === 'ok') readOf.set(invoke, completion);
    }
    // Deltas (delta → count) invoked so far and not failed, and acknowledged so far.
    const attemptedDeltas = new Map<number, number>();
    const ackedDeltas = new Map<number, number>();
    const active = new Map<Op, ActiveRead>(); // by the read's completion
    let acked = 0;
    let attempted = 0;
    let reads = 0;
    let boundsOnly = 0;
    const errors: CounterBoundsError[] = [];
    let errorCount = 0;
    const found: Record<CounterAnomaly, number> = { 'out-of-bounds': 0, unreachable: 0 };
    let lastRead: CounterResult['lastRead'];
    const budget = { left: EXACT_BUDGET };
    const evaluate = () => {
      for (const r of active.values()) {
        if (r.satisfied) continue;
        const j = judgeGap(r, budget);
        r.lower = Math.min(r.lower, j.lower);
        r.upper = Math.max(r.upper, j.upper);
        if (j.ok) {
          r.satisfied = true;
          r.boundsOnly = j.boundsOnly;
        } else if (j.unreachable) r.unreachable = true;
      }
    };
    for (const op of ops) {
      if (op.f === 'add') {
        const d = Number(op.value);
        if (op.type === 'invoke' && !failed.has(op)) {
          attempted += d;
          bump(attemptedDeltas, d, 1);
          for (const r of active.values()) addFree(r, d, 1);
          evaluate();
        }
        if (op.type === 'ok') {
          acked += d;
          bump(ackedDeltas, d, 1);
          for (const r of active.values()) {
            addFree(r, d, -1);
            r.base += d;
          }
          evaluate();
        }
      } else if (op.f === 'read') {
        const done = op.type === 'invoke' ? readOf.get(op) : undefined;
        if (done) {
          const r: ActiveRead = {
            value: done.value,
            base: 0,
            neg: 0,
            pos: 0,
            free: new Map(),
            nonUnit: 0,
            lower: Number.POSITIVE_INFINITY,
            upper: Number.NEGATIVE_INFINITY,
            satisfied: false,
            unreachable: false,
            boundsOnly: false,
          };
          for (const [d, n] of ackedDeltas) r.base += d * n;
          for (const [d, n] of attemptedDeltas) addFree(r, d, n - (ackedDeltas.get(d) ?? 0));
          active.set(done, r);
          evaluate();
          continue;
        }
        const r = op.type === 'ok' ? active.get(op) : undefined;
        if (!r) continue;
        active.delete(op);
        reads++;
        if (r.boundsOnly) boundsOnly++;
        lastRead = { value: op.value, lower: r.lower, upper: r.upper };
        if (r.satisfied) continue;
        errorCount++;
        found[r.unreachable && inBounds(r.value, r.lower, r.upper) ? 'unreachable' : 'out-of-bounds']++;
        if (errors.length < 100) {
          errors.push({
            index: op.index,
            process: op.process,
            ...(op.node ? { node: op.node } : {}),
            value: op.value,
            lower: r.lower,
            upper: r.upper,
            ...(r.unreachable && inBounds(r.value, r.lower, r.upper) ? { unreachable: true as const } : {}),
          });
        }
      }
    }
    if (reads === 0)
      return {
        valid: 'unknown',
        reason: 'no read succeeded, so there is nothing to check',
        ...noAnomalies(),
      };
    const summary = `${reads} reads, ${acked} acknowledged / ${attempted} attempted (sum of deltas)${
      errorCount ? `, ${errorCount} reads OUT OF BOUNDS or unreachable` : ''
    }${boundsOnly ? ` (${boundsOnly} reads checked by bounds only: exact-check budget spent)` : ''}`;
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
      ...counterAnomalies(errors, found),
    };
  },
};

/** `out-of-bounds`: a read outside every possible sum; `unreachable`: within the bounds, but no subset of the uncertain adds gives it. */
type CounterAnomaly = 'out-of-bounds' | 'unreachable';

/** The counter's bad reads as anomaly cases (the listed ones; `found` counts every one by type). */
function counterAnomalies(
  errors: readonly CounterBoundsError[],
  found: Record<CounterAnomaly, number>,
): Pick<CounterResult, 'anomalyTypes' | 'anomalies' | 'anomalyCounts'> {
  const cases: Record<CounterAnomaly, { ops: number[]; explanation: string; data: CounterBoundsError }[]> = {
    'out-of-bounds': [],
    unreachable: [],
  };
  for (const e of errors) {
    const v = stringifyExact(e.value) ?? String(e.value);
    const at = `the read #${e.index} (process ${String(e.process)}${e.node ? ` on ${e.node}` : ''})`;
    cases[e.unreachable ? 'unreachable' : 'out-of-bounds'].push({
      ops: [e.index],
      explanation: e.unreachable
        ? `${at} returned ${v}: within ${e.lower}..${e.upper}, but no set of the adds that may have happened sums to it`
        : `${at} returned ${v}, outside ${e.lower}..${e.upper}, the sums the adds could have given`,
      data: e,
    });
  }
  return anomalyFields(cases, found);
}

/** A read in progress: the adds forced in (their sum) and free (may or may not be in), for the current gap. */
interface ActiveRead {
  value: unknown;
  base: number;
  /** Sums of the free negative and positive deltas. */
  neg: number;
  pos: number;
  free: Map<number, number>;
  /** How many free deltas are not ±1. */
  nonUnit: number;
  /** The widest bounds over the gaps seen so far. */
  lower: number;
  upper: number;
  satisfied: boolean;
  unreachable: boolean;
  boundsOnly: boolean;
}

function addFree(r: ActiveRead, d: number, n: number): void {
  if (n === 0) return;
  bump(r.free, d, n);
  if (d < 0) r.neg += d * n;
  else r.pos += d * n;
  if (Math.abs(d) !== 1) r.nonUnit += n;
}

const inBounds = (value: unknown, lower: number, upper: number): boolean => {
  const v = typeof value === 'bigint' ? Number(value) : value;
  return typeof v === 'number' && v >= lower && v <= upper;
};

/** The read's value against the current gap; `budget.left` is the exact-check work still allowed. */
function judgeGap(r: ActiveRead, budget: { left: number }): ReadJudgement {
  const lower = r.base + r.neg;
  const upper = r.base + r.pos;
  const v = typeof r.value === 'bigint' ? Number(r.value) : r.value;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lower || v > upper) {
    return { ok: false, lower, upper, unreachable: false, boundsOnly: false };
  }
  // Sums of ±1 deltas cover every integer between the bounds: the common case needs no search.
  if (r.nonUnit === 0) {
    const ok = Number.isInteger(v - lower);
    return { ok, lower, upper, unreachable: !ok, boundsOnly: false };
  }
  const uncertain = [...r.free].filter(([d, k]) => d !== 0 && k > 0);
  const span = upper - lower;
  const items = uncertain.reduce((s, [, k]) => s + k, 0);
  const integral = uncertain.every(([d]) => Number.isInteger(d));
  // A few large deltas (a span too wide for the table): enumerate their sums instead.
  const enumWork = items <= ENUM_MAX_ITEMS ? items * 2 ** items : Number.POSITIVE_INFINITY;
  const work = items * (span + 1);
  if (integral && Number.isInteger(v) && enumWork < work && enumWork <= budget.left) {
    budget.left -= enumWork;
    const ok = subsetSums(uncertain, r.base).has(v);
    return { ok, lower, upper, unreachable: !ok, boundsOnly: false };
  }
  if (!Number.isSafeInteger(span) || !integral || work > budget.left) {
    return { ok: true, lower, upper, unreachable: false, boundsOnly: true };
  }
  budget.left -= work;
  const ok = subsetSumReaches(uncertain, v - lower, -r.neg, span);
  return { ok, lower, upper, unreachable: !ok, boundsOnly: false };
}

/** Most uncertain adds whose sums are enumerated (2^n sums at most). */
const ENUM_MAX_ITEMS = 16;

/** Every sum `base` plus each delta at most its count times gives (exact: the caller keeps sums safe). */
function subsetSums(deltas: [number, number][], base: number): Set<number> {
  let sums = new Set([base]);
  for (const [d, k] of deltas) {
    for (let i = 0; i < k; i++) {
      const next = new Set(sums);
      for (const x of sums) next.add(x + d);
      sums = next;
    }
  }
  return sums;
}

function bump(m: Map<number, number>, d: number, n: number): void {
  m.set(d, (m.get(d) ?? 0) + n);
}

interface ReadJudgement {
  ok: boolean;
  lower: number;
  upper: number;
  unreachable: boolean;
  boundsOnly: boolean;
}

/**
 * Bounded knapsack over offsets from the lower bound: starts at `start` (no uncertain add applied) and
 * asks whether `target` is reachable by applying each delta at most its count times.
 */
function subsetSumReaches(deltas: [number, number][], target: number, start: number, span: number): boolean {
  if (!Number.isInteger(target)) return false;
  const reach = new Uint8Array(span + 1);
  reach[start] = 1;
  for (const [d, k] of deltas) {
    // In place, walking away from where d moves sums, so each unit of d is used once per pass.
    for (let i = 0; i < k; i++) {
      if (d > 0) for (let s = span - d; s >= 0; s--) reach[s + d] ||= reach[s]!;
      else for (let s = -d; s <= span; s++) reach[s + d] ||= reach[s]!;
    }
  }
  return reach[target] === 1;
}
