/**
 * Generators about time: `timeLimit`, `stagger`, `delay`, `sleep`. As Jepsen's, they take SECONDS (what a
 * test file writes: `timeLimit(30, gen)` is 30 s); internally every time is ns on the run's clock
 * (ctx.time). The randomness of stagger comes from ctx.rng.
 */
import { UserError } from '../core/errors.ts';
import type { Op } from '../core/op.ts';
import { NS_PER_S } from '../core/time.ts';
import { type GenLike, gen } from './core.ts';
import { ask, minUntil, pending } from './step.ts';
import type { Context, Generator, OpResult } from './types.ts';

/** Seconds as whole ns; a negative, NaN or infinite value is a one-line UserError naming `what`. */
function secondsToNs(what: string, s: number): number {
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) {
    throw new UserError(`${what} takes seconds (a finite number ≥ 0), got ${String(s)}`);
  }
  return Math.round(s * NS_PER_S);
}

class TimeLimit implements Generator {
  readonly limitNs: number;
  readonly cutoffNs: number | undefined;
  readonly gen: Generator;
  constructor(limitNs: number, cutoffNs: number | undefined, g: Generator) {
    this.limitNs = limitNs;
    this.cutoffNs = cutoffNs;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    const cutoffNs = this.cutoffNs ?? ctx.time + this.limitNs;
    if (ctx.time >= cutoffNs) return null;
    // The child's answer read as is (no Step): this runs once per op of every run.
    const r = this.gen.op(ctx);
    if (r === null) return null;
    if (r === 'pending') return pending(new TimeLimit(this.limitNs, cutoffNs, this.gen), cutoffNs);
    if ('pending' in r)
      return pending(new TimeLimit(this.limitNs, cutoffNs, r.gen), minUntil(r.untilNs, cutoffNs));
    if (r.op.time >= cutoffNs) return null;
    return { op: r.op, gen: new TimeLimit(this.limitNs, cutoffNs, r.gen) };
  }
  update(ctx: Context, event: Op): Generator {
    const g = this.gen.update(ctx, event);
    return g === this.gen ? this : new TimeLimit(this.limitNs, this.cutoffNs, g);
  }
}

/**
 * Emits ops of `x` scheduled before start + `seconds`, where start is the time of the first op() call
 * whose answer the interpreter kept (a pending answer counts); ends at the first op at or after the
 * cutoff, or when asked at or after it. As Jepsen's time-limit. Throws UserError for a negative or
 * non-finite `seconds`.
 */
export function timeLimit(seconds: number, x: GenLike): Generator {
  return new TimeLimit(secondsToNs('timeLimit', seconds), undefined, gen(x));
}

class Stagger implements Generator {
  readonly meanNs: number;
  readonly nextNs: number | undefined;
  readonly gen: Generator;
  constructor(meanNs: number, nextNs: number | undefined, g: Generator) {
    this.meanNs = meanNs;
    this.nextNs = nextNs;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return pending(new Stagger(this.meanNs, this.nextNs, s.gen), s.untilNs);
    const time = Math.max(this.nextNs ?? ctx.time, s.op.time);
    const gap = Math.floor(ctx.rng.float() * 2 * this.meanNs);
    return { op: { ...s.op, time }, gen: new Stagger(this.meanNs, time + gap, s.gen) };
  }
  update(ctx: Context, event: Op): Generator {
    const g = this.gen.update(ctx, event);
    return g === this.gen ? this : new Stagger(this.meanNs, this.nextNs, g);
  }
}

/**
 * Spaces the ops of `x` by random gaps, uniform in [0, 2 × mean): one schedule for all threads together,
 * so the total rate is 1/mean (as Jepsen's stagger) as long as threads are free to keep up. The gap is
 * counted from each op's scheduled time, so a late op does not slow the ones after it. `meanSeconds` is
 * seconds (not rounded to whole ns, so high rates stay exact on average); throws UserError when negative
 * or non-finite.
 */
export function stagger(meanSeconds: number, x: GenLike): Generator {
  secondsToNs('stagger', meanSeconds);
  return new Stagger(meanSeconds * NS_PER_S, undefined, gen(x));
}

class Delay implements Generator {
  readonly intervalNs: number;
  readonly nextNs: number | undefined;
  readonly gen: Generator;
  constructor(intervalNs: number, nextNs: number | undefined, g: Generator) {
    this.intervalNs = intervalNs;
    this.nextNs = nextNs;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return pending(new Delay(this.intervalNs, this.nextNs, s.gen), s.untilNs);
    const scheduled = this.nextNs ?? s.op.time;
    const time = Math.max(scheduled, s.op.time);
    return { op: { ...s.op, time }, gen: new Delay(this.intervalNs, scheduled + this.intervalNs, s.gen) };
  }
  update(ctx: Context, event: Op): Generator {
    const g = this.gen.update(ctx, event);
    return g === this.gen ? this : new Delay(this.intervalNs, this.nextNs, g);
  }
}

/**
 * Schedules the ops of `x` exactly `seconds` apart (the first one at once); when it falls behind (no
 * free thread), it emits the late ops as soon as it can to catch up, as Jepsen's delay. Throws
 * UserError for a negative or non-finite `seconds`.
 */
export function delay(seconds: number, x: GenLike): Generator {
  return new Delay(secondsToNs('delay', seconds), undefined, gen(x));
}

class Sleep implements Generator {
  readonly lengthNs: number;
  readonly deadlineNs: number | undefined;
  constructor(lengthNs: number, deadlineNs: number | undefined) {
    this.lengthNs = lengthNs;
    this.deadlineNs = deadlineNs;
  }
  op(ctx: Context): OpResult {
    // As Jepsen's sleep (an op that takes a thread): the clock starts once a thread is free.
    if (this.deadlineNs === undefined && !ctx.threads.some((t) => ctx.free.has(t))) return 'pending';
    const deadlineNs = this.deadlineNs ?? ctx.time + this.lengthNs;
    if (ctx.time >= deadlineNs) return null;
    return pending(new Sleep(this.lengthNs, deadlineNs), deadlineNs);
  }
  update(): Generator {
    return this;
  }
}

/**
 * Emits nothing for `seconds`, then ends (use it inside `seq`/`phases`). The time counts from the first
 * time it is asked while a thread of its context is free: in nemesis(seq(start, sleep(5), stop)) the 5 s
 * run from when `start` completed. Throws UserError for a negative or non-finite `seconds`.
 */
export function sleep(seconds: number): Generator {
  return new Sleep(secondsToNs('sleep', seconds), undefined);
}
