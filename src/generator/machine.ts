/**
 * The one state machine of the generator protocol (documented in simulate.ts): which threads are free,
 * which process each thread runs, index assignment, and the order in which an event is recorded, the
 * bookkeeping is done and the generator is told. Pure: no clock, no I/O. Two thin shells drive it: the
 * interpreter (src/runner/interpreter.ts: real time, async workers) and the simulator (simulate.ts:
 * a simulated clock), so the two cannot drift.
 */
import type { Completion, Op, Process } from '../core/op.ts';
import type { Rng } from '../core/rng.ts';
import { ThreadSet } from './thread-set.ts';
import type { Context, Generator, Invocation, Thread } from './types.ts';

/** How a machine starts. Times are not part of it: every call that records an event passes `timeNs`. */
export interface MachineOptions {
  generator: Generator | null;
  /** Client threads 0..concurrency-1. */
  concurrency: number;
  /** Add the 'nemesis' thread (process 'nemesis'). */
  nemesis: boolean;
  /** The run's one seeded Rng, handed to generators in every context. */
  rng: Rng;
  /** First index to assign (phases of one run share one history). Default 0. */
  firstIndex?: number;
  /** Thread → process carried over from an earlier phase; default thread t runs process t. */
  processes?: ReadonlyMap<Thread, Process>;
  /** Receives each op once its index is assigned, before the generator is told about it. */
  record: (op: Op) => void;
}

/**
 * What the generator wants now (`Machine.ask`):
 * - `op`: dispatch `op` at `op.time` (ns) and continue with `next`; if an event arrives before `op.time`,
 *   drop the answer and ask again (the machine still holds the old generator).
 * - `wait`: nothing now; ask again after the next event or at `untilNs` if given, else after a poll.
 * - `exhausted`: the generator is done for good; outstanding ops still complete (and are recorded).
 */
export type Ask =
  | { kind: 'op'; op: Invocation; next: Generator }
  | { kind: 'wait'; untilNs?: number }
  | { kind: 'exhausted' };

/** The generator protocol's state. Mutable, deterministic; one per interpreter phase or simulation. */
export class Machine {
  readonly threads: readonly Thread[];
  readonly concurrency: number;
  /**
   * Threads with no op outstanding (and, in the interpreter, not resetting their client); a Set<Thread>
   * in behaviour (insertion order), without a hash table to rebuild every batch of ops.
   */
  readonly free: ThreadSet;
  readonly processes: Map<Thread, Process>;
  /** The invocation outstanding on each busy thread, by slot (client thread t at t, the nemesis last). */
  private readonly inFlight: (Op | undefined)[];
  private inFlightCount = 0;
  private readonly threadOfProcess = new Map<Process, Thread>();
  private readonly rng: Rng;
  private readonly record: (op: Op) => void;
  private gen: Generator | null;
  private index: number;
  private lastContext: Context | undefined;
  // Made once: contexts are built in the hot loop, so each only carries a new time. They are live views
  // of the machine's state, valid for the duration of the generator call that receives them.
  private readonly processOf = (t: Thread): Process => this.processes.get(t) ?? t;
  private readonly threadOf = (p: Process): Thread =>
    this.threadOfProcess.get(p) ??
    (p === 'nemesis' ? 'nemesis' : this.concurrency > 0 ? p % this.concurrency : p);

  constructor(o: MachineOptions) {
    const threads: Thread[] = [...Array(o.concurrency).keys()];
    if (o.nemesis) threads.push('nemesis');
    this.threads = threads;
    this.concurrency = o.concurrency;
    this.free = new ThreadSet(o.concurrency, o.nemesis);
    for (const t of threads) this.free.add(t);
    this.inFlight = new Array(o.concurrency + 1).fill(undefined);
    this.processes = new Map(o.processes ?? []);
    // A thread new in this phase (e.g. the nemesis after a clients-only phase) starts as its own process.
    for (const t of threads) if (!this.processes.has(t)) this.processes.set(t, t);
    for (const [t, p] of this.processes) this.threadOfProcess.set(p, t);
    this.rng = o.rng;
    this.record = o.record;
    this.gen = o.generator;
    this.index = o.firstIndex ?? 0;
  }

  private slot(t: Thread): number {
    return t === 'nemesis' ? this.concurrency : t;
  }

  /** The index the next recorded op gets. */
  get nextIndex(): number {
    return this.index;
  }

  /** True once the generator is exhausted. */
  get exhausted(): boolean {
    return this.gen === null;
  }

  /** True when the generator is exhausted and every thread is free: the phase is over. */
  get done(): boolean {
    return this.gen === null && this.inFlightCount === 0 && this.free.size === this.threads.length;
  }

  /**
   * The context a generator sees at `timeNs`. The same object again for the same time (an ask and the
   * dispatch of its op share one clock reading): its other fields never change.
   */
  context(timeNs: number): Context {
    const last = this.lastContext;
    if (last !== undefined && last.time === timeNs) return last;
    const { threads, free, processOf, threadOf, rng } = this;
    this.lastContext = { time: timeNs, threads, free, processOf, threadOf, rng };
    return this.lastContext;
  }

  /** The thread that currently runs `process`, if any (busy or free). */
  threadRunning(process: Process): Thread | undefined {
    return this.threadOfProcess.get(process);
  }

  /** Asks the generator for an op at `timeNs`; keeps a pending generator's new state. */
  ask(timeNs: number): Ask {
    if (this.gen === null) return { kind: 'exhausted' };
    const r = this.gen.op(this.context(timeNs));
    if (r === null) {
      this.gen = null;
      return { kind: 'exhausted' };
    }
    if (r === 'pending') return { kind: 'wait' };
    if ('pending' in r) {
      this.gen = r.gen;
      return r.untilNs === undefined ? { kind: 'wait' } : { kind: 'wait', untilNs: r.untilNs };
    }
    return { kind: 'op', op: r.op, next: r.gen };
  }

  /**
   * Dispatches `op` at `timeNs`: records the invocation (time, type, process, f, value, and `node` when
   * given; the worker still gets the whole Invocation with its extras), marks its thread busy,
   * then continues with `next` told about the invocation. Returns the thread and the recorded op.
   * Throws if the op's process is not the current process of a free thread (a broken generator).
   */
  dispatch(timeNs: number, op: Invocation, next: Generator, node?: string): { thread: Thread; invoke: Op } {
    const thread = this.threadOfProcess.get(op.process);
    if (thread === undefined || !this.free.has(thread)) {
      throw new Error(`generator emitted an op for process ${String(op.process)}, which is not free`);
    }
    // Built in its final key order (the journal's line order): no spread copy per op.
    const invoke: Op = {
      index: this.index++,
      time: timeNs,
      type: 'invoke',
      process: op.process,
      f: op.f,
      value: op.value,
    };
    if (node !== undefined) invoke.node = node;
    this.record(invoke);
    this.free.delete(thread);
    this.inFlight[this.slot(thread)] = invoke;
    this.inFlightCount++;
    this.gen = next.update(this.context(timeNs), invoke);
    return { thread, invoke };
  }

  /**
   * Completes the op outstanding on `thread` at `timeNs`: records the completion (same process and f as
   * its invocation; the invocation's value unless the completion has one), frees the thread unless
   * `hold` (the interpreter resets a client after `info` first, then calls `release`), on `info` moves a
   * client thread to process + concurrency, then tells the generator. Returns the recorded op, or
   * undefined if nothing is outstanding on `thread`.
   */
  complete(timeNs: number, thread: Thread, c: Completion, hold = false): Op | undefined {
    const slot = this.slot(thread);
    const invoke = this.inFlight[slot];
    if (!invoke) return undefined;
    this.inFlight[slot] = undefined;
    this.inFlightCount--;
    const done: Op = {
      index: this.index++,
      time: timeNs,
      type: c.type,
      process: invoke.process,
      f: invoke.f,
      value: c.value === undefined ? invoke.value : c.value,
    };
    if (c.error !== undefined) done.error = c.error;
    // How a fault op went ('not-in-effect' | 'heal-failed' | 'no-target'), as data: see Completion.fault.
    if (c.fault !== undefined) done.fault = c.fault;
    this.record(done);
    if (!hold) this.free.add(thread);
    if (c.type === 'info' && thread !== 'nemesis') {
      const old = this.processes.get(thread) as number;
      const next = old + this.concurrency;
      this.processes.set(thread, next);
      this.threadOfProcess.delete(old);
      this.threadOfProcess.set(next, thread);
    }
    if (this.gen) this.gen = this.gen.update(this.context(timeNs), done);
    return done;
  }

  /** Frees a thread held by `complete(…, hold = true)`. */
  release(thread: Thread): void {
    if (this.inFlight[this.slot(thread)] === undefined) this.free.add(thread);
  }
}
