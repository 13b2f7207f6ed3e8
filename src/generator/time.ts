/**
 * Generators about time: `timeLimit`, `stagger`, `delay`, `sleep`. All times are ns on the run's clock
 * (ctx.time); the randomness of stagger comes from ctx.rng.
 */
import type { Op } from '../core/op.ts';
import { type GenLike, gen } from './core.ts';
import { ask, minUntil, pending } from './step.ts';
import type { Context, Generator, OpResult } from './types.ts';

class TimeLimit implements Generator {
  readonly limit: number;
  readonly cutoff: number | undefined;
  readonly gen: Generator;
  constructor(limit: number, cutoff: number | undefined, g: Generator) {
    this.limit = limit;
    this.cutoff = cutoff;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    const cutoff = this.cutoff ?? ctx.time + this.limit;
    if (ctx.time >= cutoff) return null;
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending')
      return pending(new TimeLimit(this.limit, cutoff, s.gen), minUntil(s.until, cutoff));
    if (s.op.time >= cutoff) return null;
    return { op: s.op, gen: new TimeLimit(this.limit, cutoff, s.gen) };
  }
  update(ctx: Context, event: Op): Generator {
    return new TimeLimit(this.limit, this.cutoff, this.gen.update(ctx, event));
  }
}

/**
 * Emits ops of `x` scheduled before start + ns, where start is the time of the first op() call whose
 * answer the interpreter kept (a pending answer counts); ends at the first op at or after the cutoff,
 * or when asked at or after it.
 */
export function timeLimit(ns: number, x: GenLike): Generator {
  return new TimeLimit(ns, undefined, gen(x));
}

class Stagger implements Generator {
  readonly mean: number;
  readonly next: number | undefined;
  readonly gen: Generator;
  constructor(mean: number, next: number | undefined, g: Generator) {
    this.mean = mean;
    this.next = next;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return pending(new Stagger(this.mean, this.next, s.gen), s.until);
    const time = Math.max(this.next ?? ctx.time, s.op.time);
    const gap = Math.floor(ctx.rng.float() * 2 * this.mean);
    return { op: { ...s.op, time }, gen: new Stagger(this.mean, time + gap, s.gen) };
  }
  update(ctx: Context, event: Op): Generator {
    return new Stagger(this.mean, this.next, this.gen.update(ctx, event));
  }
}

/**
 * Spaces the ops of `x` by random gaps, uniform in [0, 2 × mean): one schedule for all threads together,
 * so the total rate is 1/mean (as Jepsen's stagger) as long as threads are free to keep up. The gap is
 * counted from each op's scheduled time, so a late op does not slow the ones after it.
 */
export function stagger(meanNs: number, x: GenLike): Generator {
  return new Stagger(meanNs, undefined, gen(x));
}

class Delay implements Generator {
  readonly interval: number;
  readonly next: number | undefined;
  readonly gen: Generator;
  constructor(interval: number, next: number | undefined, g: Generator) {
    this.interval = interval;
    this.next = next;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return pending(new Delay(this.interval, this.next, s.gen), s.until);
    const scheduled = this.next ?? s.op.time;
    const time = Math.max(scheduled, s.op.time);
    return { op: { ...s.op, time }, gen: new Delay(this.interval, scheduled + this.interval, s.gen) };
  }
  update(ctx: Context, event: Op): Generator {
    return new Delay(this.interval, this.next, this.gen.update(ctx, event));
  }
}

/**
 * Schedules the ops of `x` exactly ns apart (the first one at once); when it falls behind (no free
 * thread), it emits the late ops as soon as it can to catch up — as Jepsen's delay.
 */
export function delay(ns: number, x: GenLike): Generator {
  return new Delay(ns, undefined, gen(x));
}

class Sleep implements Generator {
  readonly ns: number;
  readonly deadline: number | undefined;
  constructor(ns: number, deadline: number | undefined) {
    this.ns = ns;
    this.deadline = deadline;
  }
  op(ctx: Context): OpResult {
    // As Jepsen's sleep (an op that takes a thread): the clock starts once a thread is free.
    if (this.deadline === undefined && !ctx.threads.some((t) => ctx.free.has(t))) return 'pending';
    const deadline = this.deadline ?? ctx.time + this.ns;
    if (ctx.time >= deadline) return null;
    return pending(new Sleep(this.ns, deadline), deadline);
  }
  update(): Generator {
    return this;
  }
}

/**
 * Emits nothing for ns, then ends (use it inside `seq`/`phases`). The ns count from the first time it is
 * asked while a thread of its context is free: in nemesis(seq(start, sleep(5e9), stop)) the 5 s run from
 * when `start` completed.
 */
export function sleep(ns: number): Generator {
  return new Sleep(ns, undefined);
}
