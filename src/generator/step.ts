/**
 * One normalized answer of a generator (`Step`), and the choice combinators make between several
 * children's answers. Combinators work on Steps so that the three shapes of "pending" need no special
 * cases, and so that a pending child's new state (a sleep that started, a cutoff that was fixed) is kept.
 */
import type { Rng } from './rng.ts';
import type { Context, Generator, Invocation, OpResult, Pending } from './types.ts';

export type Step =
  | { kind: 'op'; op: Invocation; gen: Generator }
  | { kind: 'pending'; gen: Generator; untilNs: number | undefined }
  | { kind: 'done' };

const DONE: Step = { kind: 'done' };

/** Asks `gen` for an op and normalizes the answer ('pending' keeps `gen` itself). */
export function ask(gen: Generator, ctx: Context): Step {
  return toStep(gen.op(ctx), gen);
}

export function toStep(r: OpResult, gen: Generator): Step {
  if (r === null) return DONE;
  if (r === 'pending') return { kind: 'pending', gen, untilNs: undefined };
  if ('pending' in r) return { kind: 'pending', gen: r.gen, untilNs: r.untilNs };
  return { kind: 'op', op: r.op, gen: r.gen };
}

/** A pending answer carrying the generator's new state; `untilNs` only when known. */
export function pending(gen: Generator, untilNs?: number): Pending {
  return untilNs === undefined ? { pending: true, gen } : { pending: true, gen, untilNs };
}

/** The earlier of two optional wake-up times. */
export function minUntil(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

export type Choice =
  | { kind: 'op'; index: number }
  | { kind: 'pending'; untilNs: number | undefined }
  | { kind: 'none' };

/**
 * Picks among children's steps (undefined = child not asked): the op scheduled soonest, ties broken at
 * random in proportion to `weights` (so groups with more threads are not starved). A pending child that
 * will wake before that op (and after `nowNs`) wins instead, so a sleep is not overtaken by an op scheduled
 * far ahead. 'none' when no child has an op or is pending.
 */
export function chooseSoonest(
  steps: readonly (Step | undefined)[],
  weights: readonly number[],
  rng: Rng,
  nowNs: number,
): Choice {
  let best: number[] = [];
  let bestNs = Number.POSITIVE_INFINITY;
  let anyPending = false;
  let untilNs: number | undefined;
  steps.forEach((s, i) => {
    if (s === undefined || s.kind === 'done') return;
    if (s.kind === 'pending') {
      anyPending = true;
      untilNs = minUntil(untilNs, s.untilNs);
      return;
    }
    if (s.op.time < bestNs) {
      bestNs = s.op.time;
      best = [i];
    } else if (s.op.time === bestNs) best.push(i);
  });
  if (best.length > 0 && !(untilNs !== undefined && untilNs > nowNs && untilNs < bestNs)) {
    if (best.length === 1) return { kind: 'op', index: best[0]! };
    const total = best.reduce((sum, i) => sum + (weights[i] ?? 1), 0);
    let x = rng.float() * total;
    for (const i of best) {
      x -= weights[i] ?? 1;
      if (x < 0) return { kind: 'op', index: i };
    }
    return { kind: 'op', index: best[best.length - 1]! };
  }
  if (anyPending || best.length > 0) return { kind: 'pending', untilNs };
  return { kind: 'none' };
}

/**
 * Children's states after a choice: unasked children unchanged, exhausted ones null, pending ones their
 * new state, the chosen one its continuation; children whose op was not taken keep their old state.
 */
export function nextStates(
  olds: readonly (Generator | null)[],
  steps: readonly (Step | undefined)[],
  chosen: number,
): (Generator | null)[] {
  return olds.map((old, i) => {
    const s = steps[i];
    if (s === undefined) return old;
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return s.gen;
    return i === chosen ? s.gen : old;
  });
}
