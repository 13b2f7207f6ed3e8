/**
 * Independent keys (Jepsen's jepsen.independent): split one test into many small ones, one per key, so
 * a checker can judge each key's history alone.
 *
 * Value shape: every op these generators emit has value `[key, innerValue]` (a 2-tuple), where
 * innerValue is the value the key's own generator emitted. Clients must complete with `[key, result]`
 * too; the key's generator is told about its events with the tuple unwrapped (value = innerValue or
 * result). A completion whose value is not a 2-tuple reaches it unchanged.
 */
import type { Op, Process } from '../core/op.ts';
import { contextOn } from './context.ts';
import type { GenLike } from './core.ts';
import { gen } from './core.ts';
import { ask, chooseSoonest, nextStates, pending, type Step } from './step.ts';
import type { Context, Generator, Invocation, OpResult, Thread } from './types.ts';

/** An immutable, lazily evaluated, memoized view of an iterable (so a generator stays a value). */
export class LazyList<T> {
  private readonly cell: Cell<T>;
  private constructor(cell: Cell<T>) {
    this.cell = cell;
  }
  static of<T>(xs: Iterable<T>): LazyList<T> {
    const it = xs[Symbol.iterator]();
    return new LazyList(new Cell(() => it.next()));
  }
  /** The first item and the rest, or null at the end. */
  first(): { value: T; rest: LazyList<T> } | null {
    const item = this.cell.get();
    return item ? { value: item.value, rest: new LazyList(item.next) } : null;
  }
}

class Cell<T> {
  private readonly pull: () => IteratorResult<T>;
  private item: { value: T; next: Cell<T> } | null | undefined;
  constructor(pull: () => IteratorResult<T>) {
    this.pull = pull;
  }
  get(): { value: T; next: Cell<T> } | null {
    if (this.item === undefined) {
      const r = this.pull();
      this.item = r.done ? null : { value: r.value, next: new Cell(this.pull) };
    }
    return this.item;
  }
}

/** Unwraps `[key, inner]` to inner; leaves other values alone. */
function innerValue(value: unknown): unknown {
  return Array.isArray(value) && value.length === 2 ? value[1] : value;
}

/**
 * One key's generator: wraps emitted values as [key, value] and passes on only the events of its own ops
 * (tracked by process), unwrapped.
 */
class Keyed implements Generator {
  readonly key: unknown;
  readonly gen: Generator;
  readonly mine: ReadonlySet<Process>;
  constructor(key: unknown, g: Generator, mine: ReadonlySet<Process>) {
    this.key = key;
    this.gen = g;
    this.mine = mine;
  }
  op(ctx: Context): OpResult {
    const s = ask(this.gen, ctx);
    if (s.kind === 'done') return null;
    if (s.kind === 'pending') return pending(new Keyed(this.key, s.gen, this.mine), s.untilNs);
    const op: Invocation = { ...s.op, value: [this.key, s.op.value] };
    return { op, gen: new Keyed(this.key, s.gen, new Set(this.mine).add(op.process)) };
  }
  update(ctx: Context, event: Op): Generator {
    if (!this.mine.has(event.process)) return this;
    const g = this.gen.update(ctx, { ...event, value: innerValue(event.value) });
    if (event.type === 'invoke') return new Keyed(this.key, g, this.mine);
    const mine = new Set(this.mine);
    mine.delete(event.process);
    return new Keyed(this.key, g, mine);
  }
}

class Sequential<K> implements Generator {
  readonly keys: LazyList<K>;
  readonly fgen: (key: K) => GenLike;
  readonly current: Generator | null;
  constructor(keys: LazyList<K>, fgen: (key: K) => GenLike, current: Generator | null) {
    this.keys = keys;
    this.fgen = fgen;
    this.current = current;
  }
  op(ctx: Context): OpResult {
    let keys = this.keys;
    let current = this.current;
    while (true) {
      if (current === null) {
        const next = keys.first();
        if (!next) return null;
        current = new Keyed(next.value, gen(this.fgen(next.value)), new Set());
        keys = next.rest;
      }
      const s = ask(current, ctx);
      if (s.kind === 'done') {
        current = null;
        continue;
      }
      const g = new Sequential(keys, this.fgen, s.gen);
      return s.kind === 'op' ? { op: s.op, gen: g } : pending(g, s.untilNs);
    }
  }
  update(ctx: Context, event: Op): Generator {
    if (this.current === null) return this;
    return new Sequential(this.keys, this.fgen, this.current.update(ctx, event));
  }
}

/**
 * One key at a time, all threads on it: fgen(k1) until exhausted, then fgen(k2), … (the next key starts
 * without waiting for the previous key's ops to complete, as Jepsen's sequential-generator).
 */
export function independentSequential<K>(keys: Iterable<K>, fgen: (key: K) => GenLike): Generator {
  return new Sequential(LazyList.of(keys), fgen, null);
}

/** A group's state: working on a key, waiting to take one, or finished (no keys left). */
type GroupState = Generator | 'idle' | 'done';

class Concurrent<K> implements Generator {
  readonly n: number;
  readonly keys: LazyList<K>;
  readonly fgen: (key: K) => GenLike;
  readonly groups: readonly GroupState[] | undefined;
  constructor(
    n: number,
    keys: LazyList<K>,
    fgen: (key: K) => GenLike,
    groups: readonly GroupState[] | undefined,
  ) {
    this.n = n;
    this.keys = keys;
    this.fgen = fgen;
    this.groups = groups;
  }
  private groupThreads(ctx: Context): Thread[][] {
    const clients = ctx.threads.filter((t) => t !== 'nemesis');
    if (clients.length % this.n !== 0) {
      throw new Error(
        `independentConcurrent: ${clients.length} client threads cannot be split into groups of ${this.n}`,
      );
    }
    const groups: Thread[][] = [];
    for (let i = 0; i < clients.length; i += this.n) groups.push(clients.slice(i, i + this.n));
    return groups;
  }
  op(ctx: Context): OpResult {
    const threads = this.groupThreads(ctx);
    const states: GroupState[] = this.groups ? this.groups.slice() : threads.map(() => 'idle');
    let keys = this.keys;
    const steps: (Step | undefined)[] = states.map((state, i) => {
      const ts = threads[i]!;
      if (state === 'done' || !ts.some((t) => ctx.free.has(t))) return undefined;
      const sub = contextOn(ctx, ts);
      let g = state;
      while (true) {
        if (g === 'idle') {
          const next = keys.first();
          if (!next) {
            states[i] = 'done';
            return undefined;
          }
          keys = next.rest;
          g = new Keyed(next.value, gen(this.fgen(next.value)), new Set());
        }
        states[i] = g;
        const s = ask(g, sub);
        if (s.kind !== 'done') return s;
        g = 'idle'; // this key is finished: the group takes the next one
      }
    });
    if (states.every((s) => s === 'done')) return null;
    const c = chooseSoonest(
      steps,
      threads.map((ts) => ts.length),
      ctx.rng,
      ctx.time,
    );
    const chosen = c.kind === 'op' ? c.index : -1;
    const olds = states.map((s) => (typeof s === 'string' ? null : s));
    const news = nextStates(olds, steps, chosen);
    const groups = states.map((s, i) => (typeof s === 'string' ? s : (news[i] ?? 'idle')));
    const next = new Concurrent(this.n, keys, this.fgen, groups);
    if (c.kind === 'op') return { op: (steps[chosen] as { op: Invocation }).op, gen: next };
    return pending(next, c.kind === 'pending' ? c.untilNs : undefined);
  }
  update(ctx: Context, event: Op): Generator {
    if (!this.groups) return this;
    const t = ctx.threadOf(event.process);
    if (t === 'nemesis') return this;
    const threads = this.groupThreads(ctx);
    const i = threads.findIndex((ts) => ts.includes(t));
    const g = this.groups[i];
    if (i < 0 || g === undefined || typeof g === 'string') return this;
    const groups = this.groups.slice();
    groups[i] = g.update(contextOn(ctx, threads[i]!), event);
    return new Concurrent(this.n, this.keys, this.fgen, groups);
  }
}

/**
 * Client threads in groups of `threadsPerKey` (thread order; the client count must be a multiple), each
 * group working on one key at a time with a fresh fgen(key); when a group's generator is exhausted the
 * group takes the next key (keys are handed out in order, lazily — an infinite iterable is fine). Ends
 * when the keys run out and every group's generator is exhausted. Never uses the nemesis thread.
 */
export function independentConcurrent<K>(
  threadsPerKey: number,
  keys: Iterable<K>,
  fgen: (key: K) => GenLike,
): Generator {
  if (!Number.isInteger(threadsPerKey) || threadsPerKey < 1) {
    throw new Error(`independentConcurrent: threadsPerKey must be a positive integer, not ${threadsPerKey}`);
  }
  return new Concurrent(threadsPerKey, LazyList.of(keys), fgen, undefined);
}
