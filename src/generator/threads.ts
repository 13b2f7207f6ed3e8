/**
 * Routing ops to threads: `onThreads`, `clients`, `nemesis`, `clientsAndNemesis`, `eachThread` (a copy
 * per thread) and `reserve` (fixed groups of threads per generator). A child only sees its own threads in
 * its context and only hears events of its own threads.
 */
import type { Op } from '../core/op.ts';
import { any } from './combinators.ts';
import { contextOn, restrictContext } from './context.ts';
import { type GenLike, gen } from './core.ts';
import { ask, chooseSoonest, nextStates, pending, type Step } from './step.ts';
import type { Context, Generator, Invocation, OpResult, Thread } from './types.ts';

class OnThreads implements Generator {
  readonly pred: (t: Thread) => boolean;
  readonly gen: Generator;
  constructor(pred: (t: Thread) => boolean, g: Generator) {
    this.pred = pred;
    this.gen = g;
  }
  op(ctx: Context): OpResult {
    // The child's answer read as is (no Step): this runs once per op of every run.
    const r = this.gen.op(restrictContext(ctx, this.pred));
    if (r === null) return null;
    if (r === 'pending') return pending(this);
    if ('pending' in r) return pending(new OnThreads(this.pred, r.gen), r.untilNs);
    return { op: r.op, gen: new OnThreads(this.pred, r.gen) };
  }
  update(ctx: Context, event: Op): Generator {
    if (!this.pred(ctx.threadOf(event.process))) return this;
    const g = this.gen.update(restrictContext(ctx, this.pred), event);
    // Generators are values: an unchanged child needs no new wrapper (one allocation fewer per event).
    return g === this.gen ? this : new OnThreads(this.pred, g);
  }
}

/** `x` restricted to the threads satisfying pred. */
export function onThreads(pred: (t: Thread) => boolean, x: GenLike): Generator {
  return new OnThreads(pred, gen(x));
}

const isClient = (t: Thread): boolean => t !== 'nemesis';
const isNemesis = (t: Thread): boolean => t === 'nemesis';

/** `x` on client threads only. */
export function clients(x: GenLike): Generator {
  return onThreads(isClient, x);
}

/** `x` on the nemesis thread only. */
export function nemesis(x: GenLike): Generator {
  return onThreads(isNemesis, x);
}

/** Client ops from one generator and nemesis ops from another, at the same time. */
export function clientsAndNemesis(clientGen: GenLike, nemesisGen: GenLike): Generator {
  return any([clients(clientGen), nemesis(nemesisGen)]);
}

/**
 * Asks every branch that has a free thread (each in its own context) and combines the answers: the
 * soonest op wins. States: null = exhausted. Returns the chosen op (if any) and every branch's new state.
 */
function askBranches(
  ctx: Context,
  states: readonly (Generator | null)[],
  branchThreads: readonly (readonly Thread[])[],
): { op: Invocation | undefined; pendingUntilNs: number | undefined; states: (Generator | null)[] } {
  const steps: (Step | undefined)[] = states.map((g, i) => {
    const threads = branchThreads[i]!;
    if (g === null) return undefined;
    if (threads.length === 0) return { kind: 'done' };
    if (!threads.some((t) => ctx.free.has(t))) return undefined;
    return ask(g, contextOn(ctx, threads));
  });
  const c = chooseSoonest(
    steps,
    branchThreads.map((ts) => ts.length),
    ctx.rng,
    ctx.time,
  );
  const chosen = c.kind === 'op' ? c.index : -1;
  const next = nextStates(states, steps, chosen);
  const op = c.kind === 'op' ? (steps[chosen] as { op: Invocation }).op : undefined;
  return { op, pendingUntilNs: c.kind === 'pending' ? c.untilNs : undefined, states: next };
}

class EachThread implements Generator {
  readonly fresh: Generator;
  /** State per thread that has been asked or told something; null = that thread's copy is exhausted. */
  readonly gens: ReadonlyMap<Thread, Generator | null>;
  constructor(fresh: Generator, gens: ReadonlyMap<Thread, Generator | null>) {
    this.fresh = fresh;
    this.gens = gens;
  }
  op(ctx: Context): OpResult {
    const states = ctx.threads.map((t) => (this.gens.has(t) ? this.gens.get(t)! : this.fresh));
    const r = askBranches(
      ctx,
      states,
      ctx.threads.map((t) => [t]),
    );
    if (r.states.every((g) => g === null)) return null;
    const gens = new Map(this.gens);
    ctx.threads.forEach((t, i) => {
      if (r.states[i] !== states[i]) gens.set(t, r.states[i]!);
    });
    const next = new EachThread(this.fresh, gens);
    return r.op ? { op: r.op, gen: next } : pending(next, r.pendingUntilNs);
  }
  update(ctx: Context, event: Op): Generator {
    const t = ctx.threadOf(event.process);
    if (!ctx.threads.includes(t)) return this;
    const g = this.gens.has(t) ? this.gens.get(t)! : this.fresh;
    if (g === null) return this;
    return new EachThread(this.fresh, new Map(this.gens).set(t, g.update(contextOn(ctx, [t]), event)));
  }
}

/**
 * A separate copy of `x` for every thread of the context, each seeing only its own thread: e.g.
 * eachThread(once({f: 'read'})) is one read per thread. Ends when every copy is exhausted.
 */
export function eachThread(x: GenLike): Generator {
  return new EachThread(gen(x), new Map());
}

/** Splits threads into the given group sizes (in thread order); the last group takes the rest. */
function splitThreads(threads: readonly Thread[], counts: readonly number[]): Thread[][] {
  const groups: Thread[][] = [];
  let start = 0;
  for (const n of counts) {
    groups.push(threads.slice(start, start + n));
    start += n;
  }
  groups.push(threads.slice(start));
  return groups;
}

class Reserve implements Generator {
  readonly counts: readonly number[];
  /** One state per group, the default group last; null = exhausted. */
  readonly gens: readonly (Generator | null)[];
  constructor(counts: readonly number[], gens: readonly (Generator | null)[]) {
    this.counts = counts;
    this.gens = gens;
  }
  op(ctx: Context): OpResult {
    const r = askBranches(ctx, this.gens, splitThreads(ctx.threads, this.counts));
    if (r.states.every((g) => g === null)) return null;
    const next = new Reserve(this.counts, r.states);
    return r.op ? { op: r.op, gen: next } : pending(next, r.pendingUntilNs);
  }
  update(ctx: Context, event: Op): Generator {
    const t = ctx.threadOf(event.process);
    const groups = splitThreads(ctx.threads, this.counts);
    const i = groups.findIndex((ts) => ts.includes(t));
    const g = this.gens[i];
    if (i < 0 || !g) return this;
    const gens = this.gens.slice();
    gens[i] = g.update(contextOn(ctx, groups[i]!), event);
    return new Reserve(this.counts, gens);
  }
}

/**
 * reserve([[5, writes], [10, cas]], reads): the first 5 threads of the context run `writes`, the next 10
 * `cas`, the rest `reads` (threads in context order: clients ascending, then the nemesis — so use it
 * inside `clients`). Ends when every group's generator is exhausted (a group with no threads counts).
 */
export function reserve(groups: readonly (readonly [number, GenLike])[], defaultGen: GenLike): Generator {
  return new Reserve(
    groups.map(([n]) => n),
    [...groups.map(([, g]) => gen(g)), gen(defaultGen)],
  );
}
