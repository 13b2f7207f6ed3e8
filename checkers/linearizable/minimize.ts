import type { Model } from './model.ts';
import type { PreparedOp } from './prepare.ts';
import { PartitionSearch } from './search.ts';

/** Search steps allowed per candidate sub-history; an undecided candidate counts as "not failing". */
const STEPS_PER_TEST = 1 << 20;
/** Steps for the "values come from somewhere" check; undecided counts as passing it. */
const STEPS_PER_RELAXED = 1 << 15;

export interface Minimized {
  ops: PreparedOp[];
  /**
   * When smaller sets only fail because a read lost the write it read from, the smallest set in which
   * every value still has a possible origin (what a human wants to look at).
   */
  grounded?: PreparedOp[];
  /** Removing any single op was checked to make the rest linearizable. */
  oneMinimal: boolean;
  checks: number;
}

/**
 * Delta debugging (Zeller's ddmin) over the ops of a failing partition, then a 1-minimal pass. `deadline`
 * is a performance.now() value; when it passes, the smallest failing set found so far is returned.
 *
 * A bare "read 3" with the write of 3 removed fails too, and explains nothing. So a candidate must also
 * pass with real time ignored (every op concurrent with every other): the violation then lies in the
 * ordering, as in a stale read. Dropped when the starting set itself cannot meet it (e.g. a garbage read).
 * The result is then shrunk once more without that condition, so `ops` is strictly 1-minimal and
 * `grounded` keeps the readable version.
 */
export function minimizeOps(model: Model<unknown>, candidates: PreparedOp[][], deadline: number): Minimized {
  let checks = 0;
  let timedOut = false;
  const search = (subset: PreparedOp[], maxSteps: number): string => {
    const s = new PartitionSearch({ key: '', model, ops: subset, pruned: [] });
    for (let used = 0; used < maxSteps && s.status === 'running'; used += 4096) {
      s.run(4096);
      if (performance.now() > deadline) break;
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
    if (performance.now() > deadline) {
      timedOut = true;
      return false;
    }
    checks++;
    if (needRelaxed && !relaxed(subset)) return false;
    return search(subset, STEPS_PER_TEST) === 'illegal';
  };

  // Start from the first candidate that fails on its own; the last one is known to fail.
  let cur = candidates[candidates.length - 1]!;
  for (const c of candidates.slice(0, -1)) {
    if (fails(c)) {
      cur = c;
      break;
    }
  }
  needRelaxed = relaxed(cur);
  let n = 2;
  while (cur.length >= 2 && !timedOut) {
    const chunks = split(cur, n);
    let reduced = false;
    for (const c of chunks) {
      if (fails(c)) {
        cur = c;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && n > 2) {
      for (let k = 0; k < chunks.length; k++) {
        const rest = without(cur, chunks[k]!);
        if (fails(rest)) {
          cur = rest;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  // 1-minimal pass: drop single ops until none can go (ddmin ends 1-minimal; this also covers timeouts).
  const onePass = (): void => {
    let changed = true;
    while (changed && !timedOut) {
      changed = false;
      for (const o of cur) {
        const rest = cur.filter((x) => x !== o);
        if (rest.length && fails(rest)) {
          cur = rest;
          changed = true;
          break;
        }
      }
    }
  };
  onePass();
  let grounded: PreparedOp[] | undefined;
  if (needRelaxed) {
    // Strict 1-minimality may still drop a write a kept read depends on; keep the grounded set too.
    grounded = cur;
    needRelaxed = false;
    onePass();
    if (cur.length === grounded.length) grounded = undefined;
  }
  return grounded
    ? { ops: cur, grounded, oneMinimal: !timedOut, checks }
    : { ops: cur, oneMinimal: !timedOut, checks };
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
