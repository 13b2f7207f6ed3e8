/**
 * Combinators that shape one generator (`limit`, `synchronize`, `untilOk`, `map`, `filter`, `onUpdate`,
 * `processLimit`) or choose among several (`mix`, `any`, `flipFlop`), and `phases`.
 */
import type { Op, Process } from '../core/op.ts';
import { allFree } from './context.ts';
import { type GenLike, gen, seq } from './core.ts';
import { ask, chooseSoonest, nextStates, pending } from './step.ts';
import type { Context, Generator, Invocation, OpResult } from './types.ts';

class Limit implements Generator {
  readonly remaining: number;
  readonly gen: Generator;
  constructor(remaining: number, g: Generator) {
    this.remaining = remaining;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    if (this.remaining <= 0) return null;
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return pending(new Limit(this.remaining, s.gen), s.untilNs);
    return { op: s.op, gen: new Limit(this.remaining - 1, s.gen) };
  }
  update(ctx: Context, event: Op): Generator {
    return new Limit(this.remaining, this.gen.update(ctx, event));
  }
}

/** At most n ops of `x`. */
export function limit(n: number, x: GenLike): Generator {
  return new Limit(n, gen(x));
}

class Synchronize implements Generator {
  readonly gen: Generator;
  constructor(g: Generator) {
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    if (!allFree(ctx)) return 'pending';
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return pending(new Synchronize(s.gen), s.untilNs);
    return { op: s.op, gen: s.gen }; // started: no more waiting
  }
  update(ctx: Context, event: Op): Generator {
    return new Synchronize(this.gen.update(ctx, event));
  }
}

/** Waits until every thread of its context is free, then behaves as `x`. */
export function synchronize(x: GenLike): Generator {
  return new Synchronize(gen(x));
}

/** Each phase starts once every op of the one before has completed (on all threads of the context). */
export function phases(...xs: GenLike[]): Generator {
  return seq(...xs.map(synchronize));
}

class Mix implements Generator {
  readonly gens: readonly Generator[];
  /** The child chosen for the next op; fixed once drawn, so asking again does not re-draw. */
  readonly i: number | undefined;
  constructor(gens: readonly Generator[], i: number | undefined) {
    this.gens = gens;
    this.i = i;
  }
  op(ctx: Context): OpResult {
    let gens = this.gens;
    let i = this.i;
    while (gens.length > 0) {
      if (i === undefined) i = ctx.rng.int(gens.length);
      const s = ask(gens[i]!, ctx);
      if (s.kind === 'done') {
        gens = gens.filter((_, j) => j !== i);
        i = undefined;
        continue;
      }
      const next = gens.map((g, j) => (j === i ? s.gen : g));
      if (s.kind === 'pending') return pending(new Mix(next, i), s.untilNs);
      return { op: s.op, gen: new Mix(next, ctx.rng.int(next.length)) };
    }
    return null;
  }
  // Every child hears every event, so stateful children (untilOk, limit of a stateful gen) stay right.
  update(ctx: Context, event: Op): Generator {
    return new Mix(
      this.gens.map((g) => g.update(ctx, event)),
      this.i,
    );
  }
}

/** Each op from a child chosen uniformly at random; exhausted children drop out; ends when all have. */
export function mix(xs: readonly GenLike[]): Generator {
  return new Mix(xs.map(gen), undefined);
}

class Any implements Generator {
  readonly gens: readonly Generator[];
  constructor(gens: readonly Generator[]) {
    this.gens = gens;
  }
  op(ctx: Context): OpResult {
    const steps = this.gens.map((g) => ask(g, ctx));
    const c = chooseSoonest(
      steps,
      steps.map(() => 1),
      ctx.rng,
      ctx.time,
    );
    const chosen = c.kind === 'op' ? c.index : -1;
    const next = new Any(nextStates(this.gens, steps, chosen).filter((g): g is Generator => g !== null));
    if (c.kind === 'op') return { op: (steps[chosen] as { op: Invocation }).op, gen: next };
    if (c.kind === 'pending') return pending(next, c.untilNs);
    return null;
  }
  update(ctx: Context, event: Op): Generator {
    const gens = this.gens.map((g) => g.update(ctx, event));
    return gens.every((g, i) => g === this.gens[i]) ? this : new Any(gens);
  }
}

/** All children at once: each op is the soonest of theirs. Every child hears every event. */
export function any(xs: readonly GenLike[]): Generator {
  return new Any(xs.map(gen));
}

class FlipFlop implements Generator {
  readonly gens: readonly Generator[];
  readonly i: number;
  constructor(gens: readonly Generator[], i: number) {
    this.gens = gens;
    this.i = i;
  }
  op(ctx: Context): OpResult {
    const s = ask(this.gens[this.i]!, ctx);
    if (s.kind === 'done') return null;
    const next = this.gens.map((g, j) => (j === this.i ? s.gen : g));
    if (s.kind === 'pending') return pending(new FlipFlop(next, this.i), s.untilNs);
    return { op: s.op, gen: new FlipFlop(next, (this.i + 1) % next.length) };
  }
  update(ctx: Context, event: Op): Generator {
    return new FlipFlop(
      this.gens.map((g) => g.update(ctx, event)),
      this.i,
    );
  }
}

/** One op from a, one from b, one from a…; ends as soon as the one whose turn it is is exhausted. */
export function flipFlop(a: GenLike, b: GenLike, ...more: GenLike[]): Generator {
  return new FlipFlop([a, b, ...more].map(gen), 0);
}

class UntilOk implements Generator {
  readonly gen: Generator;
  readonly done: boolean;
  /** Processes running one of our ops. */
  readonly mine: ReadonlySet<Process>;
  constructor(g: Generator, done: boolean, mine: ReadonlySet<Process>) {
    this.gen = g;
    this.done = done;
    this.mine = mine;
  }
  op(ctx: Context): OpResult {
    if (this.done) return null;
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return pending(new UntilOk(s.gen, false, this.mine), s.untilNs);
    return { op: s.op, gen: new UntilOk(s.gen, false, new Set(this.mine).add(s.op.process)) };
  }
  update(ctx: Context, event: Op): Generator {
    const g = this.gen.update(ctx, event);
    if (event.type === 'invoke' || !this.mine.has(event.process)) return new UntilOk(g, this.done, this.mine);
    const mine = new Set(this.mine);
    mine.delete(event.process);
    return new UntilOk(g, this.done || event.type === 'ok', mine);
  }
}

/** The ops of `x` until one of them completes `ok` (ops already in flight still complete). */
export function untilOk(x: GenLike): Generator {
  return new UntilOk(gen(x), false, new Set());
}

class MapGen implements Generator {
  readonly f: (op: Invocation, ctx: Context) => Invocation;
  readonly gen: Generator;
  constructor(f: (op: Invocation, ctx: Context) => Invocation, g: Generator) {
    this.f = f;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return pending(new MapGen(this.f, s.gen), s.untilNs);
    return { op: this.f(s.op, ctx), gen: new MapGen(this.f, s.gen) };
  }
  update(ctx: Context, event: Op): Generator {
    return new MapGen(this.f, this.gen.update(ctx, event));
  }
}

/** Transforms each op of `x` (keep its process free and its time sensible). */
export function map(f: (op: Invocation, ctx: Context) => Invocation, x: GenLike): Generator {
  return new MapGen(f, gen(x));
}

class Filter implements Generator {
  readonly pred: (op: Invocation) => boolean;
  readonly gen: Generator;
  constructor(pred: (op: Invocation) => boolean, g: Generator) {
    this.pred = pred;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    let g = this.gen;
    while (true) {
      const s = ask(g, ctx);
      if (s.kind === 'done') return null;
      if (s.kind === 'pending') return pending(new Filter(this.pred, s.gen), s.untilNs);
      if (this.pred(s.op)) return { op: s.op, gen: new Filter(this.pred, s.gen) };
      g = s.gen; // skipped ops never happened: the child is not told about them
    }
  }
  update(ctx: Context, event: Op): Generator {
    return new Filter(this.pred, this.gen.update(ctx, event));
  }
}

/** Only the ops of `x` that satisfy pred (loops while `x` keeps emitting rejected ops). */
export function filter(pred: (op: Invocation) => boolean, x: GenLike): Generator {
  return new Filter(pred, gen(x));
}

type UpdateHook = (inner: Generator, ctx: Context, event: Op) => Generator;

class OnUpdate implements Generator {
  readonly f: UpdateHook;
  readonly gen: Generator;
  constructor(f: UpdateHook, g: Generator) {
    this.f = f;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return pending(new OnUpdate(this.f, s.gen), s.untilNs);
    return { op: s.op, gen: new OnUpdate(this.f, s.gen) };
  }
  update(ctx: Context, event: Op): Generator {
    return new OnUpdate(this.f, this.f(this.gen, ctx, event));
  }
}

/**
 * Replaces how `x` hears events: f(inner, ctx, event) returns the new inner generator (call
 * inner.update yourself to keep the default). The hook stays in place.
 */
export function onUpdate(f: UpdateHook, x: GenLike): Generator {
  return new OnUpdate(f, gen(x));
}

class ProcessLimit implements Generator {
  readonly n: number;
  readonly seen: ReadonlySet<Process>;
  readonly gen: Generator;
  constructor(n: number, seen: ReadonlySet<Process>, g: Generator) {
    this.n = n;
    this.seen = seen;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return pending(new ProcessLimit(this.n, this.seen, s.gen), s.untilNs);
    const seen = this.seen.has(s.op.process) ? this.seen : new Set(this.seen).add(s.op.process);
    if (seen.size > this.n) return null;
    return { op: s.op, gen: new ProcessLimit(this.n, seen, s.gen) };
  }
  update(ctx: Context, event: Op): Generator {
    return new ProcessLimit(this.n, this.seen, this.gen.update(ctx, event));
  }
}

/**
 * Ops of `x` from at most n distinct processes; ends at the first op of an (n+1)th. With crashes
 * (info bumps the process) this bounds how many processes a workload burns through.
 */
export function processLimit(n: number, x: GenLike): Generator {
  return new ProcessLimit(n, new Set(), gen(x));
}
