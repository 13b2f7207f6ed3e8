/**
 * The basic generators: lifting templates and functions into generators, coercion (`gen`), the empty
 * generator, sequencing (`seq`, exported also as `then`), `repeat` and `cycle`.
 */
import type { Op } from '../core/op.ts';
import { fillIn } from './context.ts';
import { ask, pending } from './step.ts';
import type { Context, Generator, OpResult, OpTemplate } from './types.ts';

/** Called on each request for an op; null ends the generator. */
export type GenFn = (ctx: Context) => OpTemplate | null | undefined;

/**
 * Anything `gen` turns into a generator: a generator, a template (emitted once), a function (called for
 * each op), an array (its items one after another), null/undefined (nothing).
 */
export type GenLike = Generator | OpTemplate | GenFn | readonly GenLike[] | null | undefined;

/** True for a Generator value (an object with `op` and `update`), as opposed to a template or function. */
export function isGenerator(x: unknown): x is Generator {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Generator).op === 'function' &&
    typeof (x as Generator).update === 'function'
  );
}

/** The generator that emits nothing. */
export const nil: Generator = {
  op: () => null,
  update() {
    return this;
  },
};
/** The generator that emits nothing (Jepsen's nil); the same as `nil`. */
export const empty: Generator = nil;

class Once implements Generator {
  readonly template: OpTemplate;
  constructor(template: OpTemplate) {
    this.template = template;
  }
  op(ctx: Context): OpResult {
    const op = fillIn(this.template, ctx);
    return op === 'pending' ? 'pending' : { op, gen: nil };
  }
  update(): Generator {
    return this;
  }
}

/** Emits the template once (on a free thread), then ends. */
export function once(template: OpTemplate): Generator {
  return new Once(template);
}

class Fn implements Generator {
  readonly f: GenFn;
  constructor(f: GenFn) {
    this.f = f;
  }
  op(ctx: Context): OpResult {
    // No free thread: don't call f, so it draws no randomness for an op that could not be emitted.
    if (!ctx.threads.some((t) => ctx.free.has(t))) return 'pending';
    const t = this.f(ctx);
    if (t === null || t === undefined) return null;
    const op = fillIn(t, ctx);
    return op === 'pending' ? 'pending' : { op, gen: this };
  }
  update(): Generator {
    return this;
  }
}

/** Calls `f` for every op; ends when f returns null. */
export function fn(f: GenFn): Generator {
  return new Fn(f);
}

/** Coerces a template, function, array or generator into a generator. */
export function gen(x: GenLike): Generator {
  if (x === null || x === undefined) return nil;
  if (Array.isArray(x)) return seq(...(x as readonly GenLike[]));
  if (typeof x === 'function') return fn(x as GenFn);
  if (isGenerator(x)) return x;
  if (typeof (x as OpTemplate).f === 'string') return once(x as OpTemplate);
  throw new TypeError(`not a generator, op template, function or array: ${JSON.stringify(x)}`);
}

class Seq implements Generator {
  readonly gens: readonly Generator[];
  constructor(gens: readonly Generator[]) {
    this.gens = gens;
  }
  op(ctx: Context): OpResult {
    for (let i = 0; i < this.gens.length; i++) {
      const s = ask(this.gens[i]!, ctx);
      if (s.kind === 'done') continue;
      const rest = [s.gen, ...this.gens.slice(i + 1)];
      return s.kind === 'op' ? { op: s.op, gen: new Seq(rest) } : pending(new Seq(rest), s.untilNs);
    }
    return null;
  }
  // Only the current part hears about events (as Jepsen's sequences).
  update(ctx: Context, event: Op): Generator {
    if (this.gens.length === 0) return this;
    return new Seq([this.gens[0]!.update(ctx, event), ...this.gens.slice(1)]);
  }
}

/** Runs each generator to exhaustion, then the next. No waiting in between: see `phases` for that. */
export function seq(...xs: GenLike[]): Generator {
  return new Seq(xs.map(gen));
}

class Repeat implements Generator {
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
    if (s.kind === 'pending') return s.untilNs === undefined ? 'pending' : pending(this, s.untilNs);
    return { op: s.op, gen: new Repeat(this.remaining - 1, this.gen) };
  }
  update(): Generator {
    return this;
  }
}

/**
 * Emits the first op of `x` again and again (n times, or forever), never advancing or updating it — as
 * Jepsen's repeat. `repeat({f: 'read'})` is an endless stream of reads.
 */
export function repeat(x: GenLike, n = Number.POSITIVE_INFINITY): Generator {
  return new Repeat(n, gen(x));
}

class Cycle implements Generator {
  readonly remaining: number;
  readonly original: Generator;
  readonly gen: Generator;
  constructor(remaining: number, original: Generator, current: Generator) {
    this.remaining = remaining;
    this.original = original;
    this.gen = current;
  }
  op(ctx: Context): OpResult {
    let remaining = this.remaining;
    let current = this.gen;
    while (remaining > 0) {
      const s = ask(current, ctx);
      if (s.kind === 'op') return { op: s.op, gen: new Cycle(remaining, this.original, s.gen) };
      if (s.kind === 'pending') return pending(new Cycle(remaining, this.original, s.gen), s.untilNs);
      // A fresh copy that is exhausted at once would cycle forever without emitting.
      if (current === this.original) return null;
      remaining--;
      current = this.original;
    }
    return null;
  }
  update(ctx: Context, event: Op): Generator {
    return new Cycle(this.remaining, this.original, this.gen.update(ctx, event));
  }
}

/** Runs `x` to exhaustion, then starts it afresh: n times in all, or forever. */
export function cycle(x: GenLike, n = Number.POSITIVE_INFINITY): Generator {
  const g = gen(x);
  return new Cycle(n, g, g);
}
