/**
 * The interpreter: asks a generator for ops, hands them to per-thread workers, records invocations and
 * completions, and feeds every event back to the generator. It follows the protocol documented in
 * src/generator/simulate.ts (the simulator is its pure twin), with real time and real async workers.
 */

import { errorText } from '../core/errors.ts';
import type { Context, Generator, Invocation, Thread } from '../core/generator.ts';
import type { Completion } from '../core/index.ts';
import type { Op, Process } from '../core/op.ts';
import type { Rng } from '../core/rng.ts';

export interface Worker {
  /** Performs one op; `signal` aborts on timeout or hard stop. Throwing is treated as `info`. */
  invoke(op: Invocation, signal: AbortSignal): Promise<Completion>;
  /** Called after an `info` before the thread takes another op (clients are closed and reopened). */
  reset?(): Promise<void>;
  /** The node this worker talks to, recorded on its invocations. */
  node?: string;
}

export interface InterpreterOptions {
  generator: Generator;
  /** Client threads 0..concurrency-1; a nemesis worker under the 'nemesis' thread if given. */
  concurrency: number;
  workers: Map<Thread, Worker>;
  rng: Rng;
  /** Nanoseconds since the run started. */
  clock: () => number;
  /** Receives each op once its index is assigned (journal, in-memory history, live events). */
  record: (op: Op) => void;
  /** First index to assign (phases of one run share one history). */
  firstIndex: number;
  /** An op outstanding longer than this completes as `info` (client threads only). */
  opTimeoutMs: number;
  nemesisTimeoutMs?: number;
  /** Stop asking the generator; wait up to graceMs for ops in flight, then mark the rest `info`. */
  stop?: AbortSignal;
  /** Skip the grace period (second Ctrl-C). */
  hardStop?: AbortSignal;
  graceMs?: number;
  /** Processes carried over from an earlier phase (a thread keeps its process across phases). */
  processes?: Map<Thread, Process>;
}

export interface InterpreterResult {
  nextIndex: number;
  processes: Map<Thread, Process>;
  stopped: boolean;
}

interface InFlight {
  invoke: Op;
  op: Invocation;
  token: number;
  deadline: number;
  timeoutMs: number;
  controller: AbortController;
}

interface Arrival {
  thread: Thread;
  token: number;
  completion: Completion;
}

const MS = 1_000_000;

export async function interpret(o: InterpreterOptions): Promise<InterpreterResult> {
  const threads: Thread[] = [...Array(o.concurrency).keys()];
  if (o.workers.has('nemesis')) threads.push('nemesis');
  const processes = new Map<Thread, Process>(o.processes ?? threads.map((t) => [t, t]));
  const threadOfProcess = new Map<Process, Thread>();
  for (const [t, p] of processes) threadOfProcess.set(p, t);
  const free = new Set<Thread>(threads);
  const inFlight = new Map<Thread, InFlight>();
  const arrivals: Arrival[] = [];
  let index = o.firstIndex;
  let gen: Generator | null = o.generator;
  let token = 0;
  let stopped = false;

  // One wake-up at a time: the main loop sleeps on it; arrivals, timers and stop signals resolve it.
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const sleep = (ms: number | undefined) =>
    new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      if (ms !== undefined) timer = setTimeout(notify, Math.max(0, ms));
    });
  const onStop = () => notify();
  o.stop?.addEventListener('abort', onStop);
  o.hardStop?.addEventListener('abort', onStop);

  // Closures are made once; a context per call only carries the new time (this is the hot loop).
  const processOf = (t: Thread) => processes.get(t) ?? t;
  const threadOf = (p: Process) =>
    threadOfProcess.get(p) ?? (typeof p === 'number' ? p % o.concurrency : 'nemesis');
  const ctx = (): Context => ({ time: o.clock(), threads, free, processOf, threadOf, rng: o.rng });

  const emit = (op: Omit<Op, 'index'>): Op => {
    const full = { index: index++, ...op } as Op;
    o.record(full);
    return full;
  };

  // Turns an arrival into a completion op and tells the generator. An info retires the process.
  const complete = (a: Arrival) => {
    const f = inFlight.get(a.thread);
    if (!f || f.token !== a.token) return; // late answer of an op already timed out
    inFlight.delete(a.thread);
    const c = a.completion;
    const op: Omit<Op, 'index'> = {
      time: o.clock(),
      type: c.type,
      process: f.invoke.process,
      f: f.invoke.f,
      value: c.value === undefined ? f.invoke.value : c.value,
    };
    if (c.error !== undefined) op.error = c.error;
    if (c.fault !== undefined) op.fault = c.fault;
    const done = emit(op);
    if (gen) gen = gen.update(ctx(), done);
    const worker = o.workers.get(a.thread)!;
    if (c.type === 'info' && a.thread !== 'nemesis') {
      const old = processes.get(a.thread) as number;
      const next = old + o.concurrency;
      processes.set(a.thread, next);
      threadOfProcess.delete(old);
      threadOfProcess.set(next, a.thread);
      if (worker.reset) {
        worker
          .reset()
          .catch(() => {})
          .finally(() => {
            free.add(a.thread);
            notify();
          });
        return;
      }
    }
    free.add(a.thread);
  };

  const drain = () => {
    while (arrivals.length > 0) complete(arrivals.shift()!);
  };

  const dispatch = (op: Invocation, next: Generator) => {
    const thread =
      threadOfProcess.get(op.process) ?? (typeof op.process === 'number' ? undefined : 'nemesis');
    if (thread === undefined || !free.has(thread)) {
      throw new Error(`generator emitted an op for process ${String(op.process)}, which is not free`);
    }
    const worker = o.workers.get(thread)!;
    const inv: Omit<Op, 'index'> = {
      time: o.clock(),
      type: 'invoke',
      process: op.process,
      f: op.f,
      value: op.value,
    };
    if (worker.node !== undefined) inv.node = worker.node;
    const invoke = emit(inv);
    gen = next.update(ctx(), invoke);
    free.delete(thread);
    const my = ++token;
    const timeout = thread === 'nemesis' ? (o.nemesisTimeoutMs ?? 10 * o.opTimeoutMs) : o.opTimeoutMs;
    const f: InFlight = {
      invoke,
      op,
      token: my,
      deadline: performance.now() + timeout,
      timeoutMs: timeout,
      controller: new AbortController(),
    };
    inFlight.set(thread, f);
    let p: Promise<Completion>;
    try {
      p = worker.invoke(op, f.controller.signal);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (completion) => arrivals.push({ thread, token: my, completion }),
      (err: unknown) =>
        arrivals.push({ thread, token: my, completion: { type: 'info', error: errorText(err) } }),
    ).finally(notify);
  };

  // Ops that overrun their timeout complete as info; the client is reset before its thread goes on.
  const sweepTimeouts = () => {
    const now = performance.now();
    for (const [thread, f] of inFlight) {
      if (f.deadline <= now) {
        f.controller.abort(new Error('timeout'));
        const completion: Completion = { type: 'info', error: `timed out after ${f.timeoutMs} ms` };
        arrivals.push({ thread, token: f.token, completion });
      }
    }
    if (arrivals.length) notify();
  };
  const sweeper = setInterval(sweepTimeouts, Math.min(100, Math.max(5, o.opTimeoutMs / 4)));

  // Instant clients (the memory system) complete in microtasks, which never lets timers, signals or
  // keystrokes run; hand the event loop a turn every few milliseconds.
  let lastYield = performance.now();
  try {
    while (true) {
      if (performance.now() - lastYield > 10) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      drain();
      if (o.stop?.aborted || o.hardStop?.aborted) {
        stopped = true;
        break;
      }
      if (gen === null) {
        if (inFlight.size === 0 && free.size === threads.length) break;
        await sleep(undefined);
        continue;
      }
      const r = gen.op(ctx());
      if (r === null) {
        gen = null;
        continue;
      }
      if (r === 'pending') {
        await sleep(1);
        continue;
      }
      if ('pending' in r) {
        // The generator moved on without an op; it has nothing before `until`, if it says so.
        gen = r.gen;
        const until = r.until === undefined ? 1 : (r.until - o.clock()) / MS;
        if (until > 0) await sleep(Math.min(Math.ceil(until), 1000));
        continue;
      }
      // Not due yet: sleep until it is. If an event arrives first, the answer may be stale, so ask the
      // old generator again (timers may fire a little early, hence the loop).
      let wait = (r.op.time - o.clock()) / MS;
      let interruptedWait = false;
      while (wait > 0) {
        await sleep(Math.ceil(wait));
        if (arrivals.length > 0 || o.stop?.aborted || o.hardStop?.aborted) {
          interruptedWait = true;
          break;
        }
        wait = (r.op.time - o.clock()) / MS;
      }
      if (interruptedWait) continue;
      dispatch(r.op, r.gen);
    }

    if (stopped) {
      // Let ops in flight finish for a moment, then record the rest as indeterminate.
      const until = performance.now() + (o.graceMs ?? 2000);
      while (inFlight.size > 0 && !o.hardStop?.aborted && performance.now() < until) {
        drain();
        if (inFlight.size === 0) break;
        await sleep(Math.min(50, until - performance.now()));
      }
      drain();
      for (const [thread, f] of [...inFlight]) {
        f.controller.abort(new Error('interrupted'));
        complete({ thread, token: f.token, completion: { type: 'info', error: 'interrupted: run stopped' } });
      }
    }
  } finally {
    clearInterval(sweeper);
    o.stop?.removeEventListener('abort', onStop);
    o.hardStop?.removeEventListener('abort', onStop);
  }
  return { nextIndex: index, processes, stopped };
}
