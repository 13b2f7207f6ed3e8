/**
 * The interpreter: asks a generator for ops, hands them to per-thread workers, records invocations and
 * completions, and feeds every event back to the generator. It follows the protocol documented in
 * src/generator/simulate.ts; its state machine (src/generator/machine.ts) is the simulator's too.
 */

import { errorText } from '../core/errors.ts';
import type { Generator, Invocation, Thread } from '../core/generator.ts';
import type { Completion } from '../core/index.ts';
import type { Op, Process } from '../core/op.ts';
import type { Rng } from '../core/rng.ts';
import { NS_PER_MS } from '../core/time.ts';
import { Machine } from '../generator/machine.ts';

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
  /** Nanoseconds since the run started; advances with real time (op times, timeouts and yields use it). */
  clock: () => number;
  /** Receives each op once its index is assigned (journal, in-memory history, live events). */
  record: (op: Op) => void;
  /** First index to assign (phases of one run share one history). */
  firstIndex: number;
  /** An op outstanding longer than this completes as `info` (client threads only). */
  opTimeoutMs: number;
  /** A nemesis op outstanding longer than this completes as `info` (default: 10 × opTimeoutMs). */
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

/** An op outstanding on a thread; queued as an arrival once its completion is known. */
interface InFlight {
  thread: Thread;
  /** Dispatch order. */
  seq: number;
  /** On the run's clock (o.clock, ns): one clock read per op serves the invocation and its deadline. */
  deadlineNs: number;
  timeoutMs: number;
  controller: AbortController;
  /** The first answer wins: the worker's, or the timeout's (a later one is dropped). */
  completion: Completion | undefined;
}

/** How often the op loop hands the event loop a turn when clients answer at once (ns). */
const YIELD_EVERY_NS = 10 * NS_PER_MS;

/**
 * Runs `o.generator` until it is exhausted (or `o.stop` aborts) against real workers, recording every
 * invocation and completion through `o.record`. The protocol's state lives in a Machine
 * (src/generator/machine.ts); this shell adds real time, async workers, timeouts and stopping.
 */
export async function interpret(o: InterpreterOptions): Promise<InterpreterResult> {
  const m = new Machine({
    generator: o.generator,
    concurrency: o.concurrency,
    nemesis: o.workers.has('nemesis'),
    rng: o.rng,
    firstIndex: o.firstIndex,
    ...(o.processes ? { processes: o.processes } : {}),
    record: o.record,
  });
  // The op outstanding on each thread, by slot (client thread t at t, the nemesis last): an array, not a
  // Map, because a Map that fills and empties every batch of ops reallocates its table as it goes.
  const slots: (InFlight | undefined)[] = new Array(o.concurrency + 1).fill(undefined);
  const slotOf = (t: Thread): number => (t === 'nemesis' ? o.concurrency : t);
  let inFlightCount = 0;
  let dispatched = 0;
  // Outstanding ops in dispatch order (the order a Map keyed by thread would list them in).
  const outstanding = (): InFlight[] =>
    slots.filter((f): f is InFlight => f !== undefined).sort((a, b) => a.seq - b.seq);
  // Ops whose completion is known, in the order they became known.
  const arrivals: InFlight[] = [];
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
  // Stop requests as a flag the loop reads every turn: `aborted` of a combined signal (AbortSignal.any,
  // as the run passes) re-checks its sources on every read. The abort event sets it synchronously.
  let stopRequested = Boolean(o.stop?.aborted || o.hardStop?.aborted);
  const onStop = () => {
    stopRequested = true;
    notify();
  };
  o.stop?.addEventListener('abort', onStop);
  o.hardStop?.addEventListener('abort', onStop);

  // Records an arrival's completion. After an info the client is reset before its thread goes on.
  const complete = (a: InFlight) => {
    const slot = slotOf(a.thread);
    if (slots[slot] !== a) return; // already completed
    slots[slot] = undefined;
    inFlightCount--;
    const completion = a.completion!;
    const worker = o.workers.get(a.thread)!;
    const reset = completion.type === 'info' && a.thread !== 'nemesis' ? worker.reset : undefined;
    m.complete(o.clock(), a.thread, completion, reset !== undefined);
    if (reset) {
      reset
        .call(worker)
        .catch(() => {})
        .finally(() => {
          m.release(a.thread);
          notify();
        });
    }
  };
  const arrive = (f: InFlight, completion: Completion) => {
    if (f.completion !== undefined) return; // timed out first
    f.completion = completion;
    arrivals.push(f);
  };

  // In arrival order; indexed rather than shifted (a batch of 100 instant completions is common).
  const drain = () => {
    for (let i = 0; i < arrivals.length; i++) complete(arrivals[i]!);
    arrivals.length = 0;
  };

  // `nowNs`: the clock read that found the op due (the invocation's time).
  const dispatch = (op: Invocation, next: Generator, nowNs: number) => {
    const running = m.threadRunning(op.process);
    const node = running === undefined ? undefined : o.workers.get(running)?.node;
    const { thread } = m.dispatch(nowNs, op, next, node);
    const w = o.workers.get(thread)!;
    const timeoutMs = thread === 'nemesis' ? (o.nemesisTimeoutMs ?? 10 * o.opTimeoutMs) : o.opTimeoutMs;
    const f: InFlight = {
      thread,
      seq: dispatched++,
      deadlineNs: nowNs + timeoutMs * NS_PER_MS,
      timeoutMs,
      controller: new AbortController(),
      completion: undefined,
    };
    slots[slotOf(thread)] = f;
    inFlightCount++;
    let p: Promise<Completion>;
    try {
      // Promise.resolve returns a native promise as it is; it also accepts a thenable or a plain value.
      p = Promise.resolve(w.invoke(op, f.controller.signal));
    } catch (err) {
      p = Promise.reject(err);
    }
    // One reaction per op (no .finally: that is one more promise and microtask per op).
    p.then(
      (completion) => {
        arrive(f, completion);
        notify();
      },
      (err: unknown) => {
        arrive(f, { type: 'info', error: errorText(err) });
        notify();
      },
    );
  };

  // Ops that overrun their timeout complete as info; the client is reset before its thread goes on.
  const sweepTimeouts = () => {
    const nowNs = o.clock();
    const overdue = (f: InFlight | undefined): f is InFlight =>
      f !== undefined && f.completion === undefined && f.deadlineNs <= nowNs;
    // A cheap scan first; the rare overdue ops then time out in dispatch order.
    if (slots.some(overdue)) {
      for (const f of outstanding()) {
        if (!overdue(f)) continue;
        f.controller.abort(new Error('timeout'));
        arrive(f, { type: 'info', error: `timed out after ${f.timeoutMs} ms` });
      }
    }
    if (arrivals.length) notify();
  };
  const sweeper = setInterval(sweepTimeouts, Math.min(100, Math.max(5, o.opTimeoutMs / 4)));

  // Instant clients (the memory system) complete in microtasks, which never lets timers, signals or
  // keystrokes run; hand the event loop a turn every few milliseconds.
  let lastYieldNs = o.clock();
  try {
    while (true) {
      drain();
      if (stopRequested) {
        stopped = true;
        break;
      }
      // One clock read per turn (after the completions drained, so time never goes back): it serves
      // the yield check, the generator's context and the invocation's time.
      const nowNs = o.clock();
      if (nowNs - lastYieldNs > YIELD_EVERY_NS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYieldNs = o.clock();
        continue;
      }
      const r = m.ask(nowNs);
      if (r.kind === 'exhausted') {
        if (m.done) break;
        await sleep(undefined);
        continue;
      }
      if (r.kind === 'wait') {
        // Nothing now; the generator has nothing before `untilNs`, if it says so.
        const untilMs = r.untilNs === undefined ? 1 : (r.untilNs - nowNs) / NS_PER_MS;
        if (untilMs > 0) await sleep(Math.min(Math.ceil(untilMs), 1000));
        continue;
      }
      // Not due yet: sleep until it is. If an event arrives first, the answer may be stale, so ask the
      // old generator again (timers may fire a little early, hence the loop).
      let dueNs = nowNs;
      let waitMs = (r.op.time - dueNs) / NS_PER_MS;
      let interruptedWait = false;
      while (waitMs > 0) {
        await sleep(Math.ceil(waitMs));
        if (arrivals.length > 0 || stopRequested) {
          interruptedWait = true;
          break;
        }
        dueNs = o.clock();
        waitMs = (r.op.time - dueNs) / NS_PER_MS;
      }
      if (interruptedWait) continue;
      dispatch(r.op, r.next, dueNs);
    }

    if (stopped) {
      // Let ops in flight finish for a moment, then record the rest as indeterminate.
      const untilMs = performance.now() + (o.graceMs ?? 2000);
      while (inFlightCount > 0 && !o.hardStop?.aborted && performance.now() < untilMs) {
        drain();
        if (inFlightCount === 0) break;
        await sleep(Math.min(50, untilMs - performance.now()));
      }
      drain();
      for (const f of outstanding()) {
        f.controller.abort(new Error('interrupted'));
        f.completion = { type: 'info', error: 'interrupted: run stopped' };
        complete(f);
      }
    }
  } finally {
    clearInterval(sweeper);
    o.stop?.removeEventListener('abort', onStop);
    o.hardStop?.removeEventListener('abort', onStop);
  }
  return { nextIndex: m.nextIndex, processes: m.processes, stopped };
}
