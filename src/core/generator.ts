import type { Op, Process } from './op.ts';
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
 * Nothing to emit now, but the generator's state moved on (a sleep noted when it started, a time limit
 * fixed its cutoff, a sequence dropped an exhausted part): the interpreter continues with `gen`.
 * `untilNs`, when given, says the generator has nothing to emit before that time (ns) unless an event
 * arrives first: the interpreter may sleep until then (asking earlier is harmless). Without it, the
 * interpreter asks again after the next event or a short while (1 ms), as for `'pending'`.
 * Combinators pass on the earliest `untilNs` of their waiting children.
 */
export interface Pending {
  pending: true;
  gen: Generator;
  untilNs?: number;
}

/**
 * - `{op, gen}`: the op to perform next and the generator to continue with. If `op.time` is in the
 *   future, the interpreter waits until then; if an event arrives first, it drops this answer and asks
 *   the *old* generator again (generators are values, so that is safe).
 * - `'pending'`: nothing now (e.g. no free thread); ask again after the next event or a short while.
 * - `Pending`: as `'pending'`, but continue with `pending.gen` (see Pending).
 * - `null`: exhausted, for good.
 */
export type OpResult = { op: Invocation; gen: Generator } | 'pending' | Pending | null;

/** A pure, immutable op source (as Jepsen's generators): same seed and same events give the same ops. */
export interface Generator {
  op(ctx: Context): OpResult;
  /** Told about every event: each invocation it (or another generator) emitted, and each completion. */
  update(ctx: Context, event: Op): Generator;
}
