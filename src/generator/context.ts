/**
 * Building, restricting and reading generator contexts, and filling op templates in from one. The runner
 * and the simulator build contexts with `makeContext`; combinators hand children `restrictContext` views.
 */
import type { Process } from '../core/op.ts';
import type { Rng } from './rng.ts';
import { ThreadSet } from './thread-set.ts';
import type { Context, Invocation, OpTemplate, Thread } from './types.ts';

/**
 * The context of a whole run. `processes` maps each thread to its current process. `threadOf` also
 * answers for retired processes (process mod concurrency), so an `info` completion still finds its thread
 * whether the interpreter bumps the process before or after telling the generator.
 */
export function makeContext(
  time: number,
  threads: readonly Thread[],
  free: ReadonlySet<Thread>,
  processes: ReadonlyMap<Thread, Process>,
  rng: Rng,
): Context {
  const concurrency = threads.filter((t) => t !== 'nemesis').length;
  const byProcess = new Map<Process, Thread>();
  for (const [t, p] of processes) byProcess.set(p, t);
  return {
    time,
    threads,
    free,
    rng,
    processOf: (t) => processes.get(t) ?? t,
    threadOf: (p) =>
      byProcess.get(p) ?? (p === 'nemesis' ? 'nemesis' : concurrency > 0 ? p % concurrency : p),
  };
}

/**
 * The threads of `threads` that `keep` accepts, remembered per (threads array, keep function): the
 * runner hands every context the same `threads` array and onThreads the same predicate, so the filter
 * runs once per phase instead of on every op. `keep` must be a pure function of the thread (it is asked
 * once per thread and array).
 */
const keptCache = new WeakMap<readonly Thread[], WeakMap<(t: Thread) => boolean, Kept>>();

interface Kept {
  threads: readonly Thread[];
  /** The kept threads as a set (only when some thread was dropped). */
  set: ReadonlySet<Thread> | undefined;
}

function keptThreads(all: readonly Thread[], keep: (t: Thread) => boolean): Kept {
  let byKeep = keptCache.get(all);
  if (byKeep === undefined) {
    byKeep = new WeakMap();
    keptCache.set(all, byKeep);
  }
  let kept = byKeep.get(keep);
  if (kept === undefined) {
    const threads = all.filter(keep);
    // Every thread kept: the child can share the parent's arrays and free set as they are.
    kept =
      threads.length === all.length
        ? { threads: all, set: undefined }
        : { threads: Object.freeze(threads), set: new Set(threads) };
    byKeep.set(keep, kept);
  }
  return kept;
}

/**
 * The free threads of a parent context that a child may use: a read-only view (membership is two set
 * lookups, no copy per op), iterating in the child's thread order. Like the parent's `free`, it is valid
 * for the duration of the generator call that receives it.
 */
class FreeView implements ReadonlySet<Thread> {
  private readonly base: ReadonlySet<Thread>;
  private readonly kept: Kept;
  constructor(base: ReadonlySet<Thread>, kept: Kept) {
    this.base = base;
    this.kept = kept;
  }
  has(t: Thread): boolean {
    return this.kept.set!.has(t) && this.base.has(t);
  }
  get size(): number {
    let n = 0;
    for (const t of this.kept.threads) if (this.base.has(t)) n++;
    return n;
  }
  *values(): SetIterator<Thread> {
    for (const t of this.kept.threads) if (this.base.has(t)) yield t;
  }
  keys(): SetIterator<Thread> {
    return this.values();
  }
  *entries(): SetIterator<[Thread, Thread]> {
    for (const t of this.values()) yield [t, t];
  }
  [Symbol.iterator](): SetIterator<Thread> {
    return this.values();
  }
  forEach(cb: (value: Thread, key: Thread, set: ReadonlySet<Thread>) => void, thisArg?: unknown): void {
    for (const t of this.values()) cb.call(thisArg, t, t, this);
  }
}

/**
 * The same context seen by a child that may only use the threads `keep` accepts (kept in the parent's
 * order). `keep` must be a pure function of the thread: its answers are cached per `ctx.threads` array.
 */
export function restrictContext(ctx: Context, keep: (t: Thread) => boolean): Context {
  const kept = keptThreads(ctx.threads, keep);
  // `free` is a subset of `threads` (Context's contract): with every thread kept it is the child's too.
  const free = kept.set === undefined ? ctx.free : new FreeView(ctx.free, kept);
  return {
    time: ctx.time,
    threads: kept.threads,
    free,
    rng: ctx.rng,
    processOf: ctx.processOf,
    threadOf: ctx.threadOf,
  };
}

/** A view restricted to an explicit list of threads. */
export function contextOn(ctx: Context, threads: readonly Thread[]): Context {
  const set = new Set(threads);
  const kept = ctx.threads.filter((t) => set.has(t));
  const free = new Set<Thread>();
  for (const t of kept) if (ctx.free.has(t)) free.add(t);
  return {
    time: ctx.time,
    threads: kept,
    free,
    rng: ctx.rng,
    processOf: ctx.processOf,
    threadOf: ctx.threadOf,
  };
}

/** The free threads of a context, in thread order. */
export function freeThreads(ctx: Context): Thread[] {
  return ctx.threads.filter((t) => ctx.free.has(t));
}

/**
 * The k-th (0-based) of the context's `n` free threads in thread order, if there are that many. Scans
 * from the nearer end: half the set lookups on average.
 */
function nthFree(ctx: Context, k: number, n: number): Thread | undefined {
  const { threads, free } = ctx;
  if (2 * k < n) {
    for (let i = 0; i < threads.length; i++) {
      const t = threads[i]!;
      if (free.has(t) && k-- === 0) return t;
    }
  } else {
    let j = n - 1 - k;
    for (let i = threads.length - 1; i >= 0; i--) {
      const t = threads[i]!;
      if (free.has(t) && j-- === 0) return t;
    }
  }
  return undefined;
}

/** True when no thread of the context has an op outstanding. */
export function allFree(ctx: Context): boolean {
  return ctx.threads.every((t) => ctx.free.has(t));
}

/**
 * Turns a template into an invocation: the process of a free thread picked by ctx.rng (or the template's own
 * process, if its thread is free and in this context) and time = ctx.time unless the template has one.
 * 'pending' when no suitable thread is free. An absent value becomes null (JSON keeps it).
 */
export function fillIn(template: OpTemplate, ctx: Context): Invocation | 'pending' {
  let process: Process;
  if (template.process !== undefined) {
    const t = ctx.threadOf(template.process);
    if (!ctx.free.has(t) || !ctx.threads.includes(t) || ctx.processOf(t) !== template.process)
      return 'pending';
    process = template.process;
  } else {
    // A random free thread, not the first: with fast ops the first is nearly always free, and every op
    // would go through one client (one node) while the others idle. The k-th free thread in thread
    // order, found without building the list (free ⊆ threads, so its size is the count).
    const free = ctx.free;
    const n = free.size;
    if (n === 0) return 'pending';
    const k = n === 1 ? 0 : ctx.rng.int(n);
    // The machine's own free set over its own threads: a byte-array scan instead of set lookups.
    const t =
      free instanceof ThreadSet && free.isUniverse(ctx.threads)
        ? free.nthInThreadOrder(k)
        : nthFree(ctx, k, n);
    if (t === undefined) return 'pending';
    process = ctx.processOf(t);
  }
  // The common template, {f, value} and nothing else: the same object as the spread below builds (the
  // same keys in the same order), without the spread's cost.
  let keys = 0;
  for (const k in template) {
    if (k !== (keys === 0 ? 'f' : 'value') || keys === 2) {
      keys = -1;
      break;
    }
    keys++;
  }
  if (
    keys === 2 &&
    Object.getPrototypeOf(template) === Object.prototype &&
    Object.getOwnPropertySymbols(template).length === 0
  )
    return { f: template.f, value: template.value, type: 'invoke', process, time: ctx.time };
  return {
    ...template,
    type: 'invoke',
    process,
    time: template.time ?? ctx.time,
    f: template.f,
    value: 'value' in template ? template.value : null,
  };
}
