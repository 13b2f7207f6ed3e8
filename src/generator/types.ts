import type { Op, Process } from '../history/op.ts';
import type { Rng } from './rng.ts';

/** A worker thread: client threads are 0..concurrency-1; the nemesis has its own thread. */
export type Thread = number | 'nemesis';

/**
 * What a generator sees when asked for an op. Immutable from the generator's point of view; combinators
 * such as onThreads/reserve hand their children a restricted view (fewer threads / free threads).
 */
export interface Context {
  /** Nanoseconds since the run started (simulated in tests). */
  readonly time: number;
  /** Every thread this (sub)generator may use, in order: client threads ascending, then 'nemesis'. */
  readonly threads: readonly Thread[];
  /** Threads with no op outstanding (a subset of `threads`). */
  readonly free: ReadonlySet<Thread>;
  /** Current process of each thread (changes after an `info`: process + concurrency). */
  readonly processOf: (thread: Thread) => Process;
  /** Thread that currently runs a process. */
  readonly threadOf: (process: Process) => Thread;
  /** Seeded PRNG shared by the whole run: same seed and same event sequence give the same choices. */
  readonly rng: Rng;
}

/** An op as a generator emits it: an invocation bound to a process, scheduled at `time` (ns). */
export interface Invocation {
  type: 'invoke';
  process: Process;
  time: number;
  f: string;
  value: unknown;
  /** Free-form extras carried into the history (e.g. the key for independent workloads). */
  [extra: string]: unknown;
}

/** An op before fill-in: what users write. Process and time are chosen by the generator machinery. */
export interface OpTemplate {
  f: string;
  value?: unknown;
  process?: Process;
  time?: number;
  [extra: string]: unknown;
}

/**
 * - `{op, gen}`: the op to perform next and the generator to continue with. If `op.time` is in the
 *   future, the interpreter waits until then; if an event arrives first, it drops this answer and asks
 *   the *old* generator again (generators are values, so that is safe).
 * - `'pending'`: nothing now (e.g. no free thread); ask again after the next event or a short while.
 * - `null`: exhausted.
 */
export type OpResult = { op: Invocation; gen: Generator } | 'pending' | null;

export interface Generator {
  op(ctx: Context): OpResult;
  /** Told about every event: each invocation it (or another generator) emitted, and each completion. */
  update(ctx: Context, event: Op): Generator;
}
