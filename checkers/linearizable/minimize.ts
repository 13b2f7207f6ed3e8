import type { Model } from './model.ts';
import type { PreparedOp } from './prepare.ts';
import { PartitionSearch } from './search.ts';
import { Sources } from './sources.ts';

/** Search steps allowed per candidate sub-history; an undecided candidate counts as "not failing". */
const STEPS_PER_TEST = 1 << 20;
/** Steps for the "values come from somewhere" check; undecided counts as passing it. */
const STEPS_PER_RELAXED = 1 << 15;

export interface Minimized {
  /**
   * A failing sub-history of the partition, in invoke order: it contains the failing op, and for every
   * value an op in it observed (per the model's data flow), an op that wrote that value.
   */
  ops: PreparedOp[];
  /**
   * True when minimization finished: removing any one op other than the failing op (with the writes
   * only it needed, re-chosen among those kept) leaves a linearizable sub-history.
   */
  oneMinimal: boolean;
  checks: number;
}

/**
 * Delta debugging (Zeller's ddmin) over the ops of a failing partition, then a 1-minimal pass, constrained
 * so the result explains the verdict: every candidate contains `blocked` (the op the checker could not
 * linearize) and is closed under the model's data flow (each observed value keeps a write of it; see
 * sources.ts). A bare "read 3" with the write of 3 removed fails too, and explains nothing.
 *
 * Models without data flow get a weaker guard instead: a candidate must also pass with real time ignored
 * (every op concurrent with every other), so the violation lies in the ordering, as in a stale read; it is
 * dropped when the starting set itself cannot meet it (e.g. a garbage read).
 *
 * `ops` is the partition's ops in invoke order (containing `blocked`); `prefixFirst` starts from the ops
 * invoked before `blocked` returned when those alone fail. `deadlineMs` is a performance.now() value (ms); when it
 * passes, the smallest failing set found so far is returned with `oneMinimal: false`.
 */
export function minimizeOps(
  model: Model<unknown>,
  ops: PreparedOp[],
  blocked: PreparedOp,
  deadlineMs: number,
): Minimized {
  let checks = 0;
  let timedOut = false;
  const sources = new Sources(model, ops);
  const search = (subset: PreparedOp[], maxSteps: number): string => {
    const s = new PartitionSearch({ key: '', model, ops: subset, pruned: [] });
    for (let used = 0; used < maxSteps && s.status === 'running'; used += 4096) {
      s.run(4096);
      if (performance.now() > deadlineMs) break;
    }
    return s.status;
  };
  const relaxed = (subset: PreparedOp[]): boolean =>
    search(
      subset.map((o) => (o.crashed ? { ...o, callPos: 0 } : { ...o, callPos: 0, retPos: 1 })),
      STEPS_PER_RELAXED,
    ) !== 'illegal';
  let needRelaxed = false;
  const fails = (subset: PreparedOp[]): boolean => {
    if (performance.now() > deadlineMs) {
      timedOut = true;
      return false;
    }
    checks++;
    if (needRelaxed && !relaxed(subset)) return false;
    return search(subset, STEPS_PER_TEST) === 'illegal';
  };

  // The closed set of `subset` plus the failing op, writes chosen from `pool` first; progress only when
  // it is smaller than the current set and still fails.
  let cur = ops;
  const tryReduce = (subset: PreparedOp[]): boolean => {
    const closed = sources.close([blocked, ...subset], cur);
    if (closed.length >= cur.length || !fails(closed)) return false;
    cur = closed;
    return true;
  };

  // Start from the ops invoked before the failing op returned, when those (closed) already fail.
  const prefix = ops.filter((o) => o.callPos < blocked.retPos);
  if (prefix.length < ops.length) tryReduce(prefix);
  if (!sources.flows) needRelaxed = relaxed(cur);
  let n = 2;
  while (cur.length >= 2 && !timedOut) {
    const rest = cur.filter((o) => o !== blocked);
    const chunks = split(rest, n);
    let reduced = false;
    for (const c of chunks) {
      if (tryReduce(c)) {
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && n > 2) {
      for (const c of chunks) {
        if (tryReduce(without(rest, c))) {
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= rest.length) break;
      n = Math.min(rest.length, n * 2);
    }
  }
  // 1-minimal pass: drop single ops until none can go (ddmin ends 1-minimal; this also covers timeouts).
  let changed = true;
  while (changed && !timedOut) {
    changed = false;
    for (const o of cur) {
      if (o !== blocked && tryReduce(cur.filter((x) => x !== o))) {
        changed = true;
        break;
      }
    }
  }
  return { ops: cur, oneMinimal: !timedOut, checks };
}

function split<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  const size = xs.length / n;
  for (let i = 0; i < n; i++) {
    const part = xs.slice(Math.round(i * size), Math.round((i + 1) * size));
    if (part.length) out.push(part);
  }
  return out;
}

function without<T>(xs: T[], drop: T[]): T[] {
  const set = new Set(drop);
  return xs.filter((x) => !set.has(x));
}
