/**
 * The generator protocol, and a pure simulator of it over a simulated clock. The real interpreter
 * (src/runner/interpreter.ts) runs the same loop with real time and real workers; the simulator is its
 * deterministic twin, used to test generators.
 *
 * ## Context
 * - `time`: ns since the run started. `rng`: the run's one seeded Rng (generators draw from nothing else).
 * - Threads: client threads 0..c-1 (c = concurrency), then 'nemesis' if the test has a nemesis.
 *   `threads` lists them in that order; `free` holds those with no op outstanding.
 * - Processes: client thread t starts as process t. After an `info` completion its process becomes
 *   process + c (the old process is retired, as in Jepsen: its op may still take effect at any time).
 *   `fail` and `ok` keep the process. The nemesis thread is always process 'nemesis'.
 *   `processOf(thread)`, `threadOf(process)`; threadOf also maps retired processes (process mod c).
 *   Build it with `makeContext(time, threads, free, processes, rng)`; contexts are snapshots, never
 *   mutated after a generator has seen them.
 *
 * ## The loop (one step at a time; `gen` is the current generator)
 * 1. If a completion is due (its time <= now), handle it (below) and start over: every completion due
 *    by time t is handled before anything is dispatched at t.
 * 2. Ask `r = gen.op(ctx)`.
 *    - `null`: exhausted, for good. Stop asking; let the outstanding ops complete (recorded, no longer
 *      told to any generator), then stop.
 *    - `'pending'` / `{pending: true, gen: g, until?}`: nothing now. With the object form, gen = g first.
 *      Wait until the next completion or, if sooner, `until` when given (and later than now), else
 *      now + poll (1 ms); then start over. Re-asking earlier than that is always harmless (generators
 *      are values), so a real interpreter may cap its sleeps.
 *    - `{op, gen: next}`: if op.time > now, wait until op.time — unless a completion falls due at or
 *      before op.time: then drop this answer, handle the completion, and start over asking the OLD
 *      generator. Otherwise dispatch at now = max(now, op.time).
 * 3. Dispatch: the op's process must be the current process of a free thread (else the generator is
 *    broken: throw). Record the invocation (type 'invoke', time = now, the next index), mark the thread
 *    busy, then gen = next.update(ctx, invocation).
 * 4. Completion: record it (time = when it happened, the next index; same process and f as the
 *    invocation), mark the thread free, on `info` bump a client thread's process by c, then
 *    gen = gen.update(ctx, completion).
 * Indices are dense, in recording order. Several completions due at the same time are handled in the
 * order their ops were invoked. The generators here do not depend on the order of "free, bump, update"
 * within step 4 (threadOf maps a retired process to its thread), so a runner may update first.
 *
 * ## Helpers
 * `fillIn(template, ctx)` (context.ts) turns an op template into an invocation: the process of a free
 * thread picked with ctx.rng (or 'pending'), time = ctx.time when absent. `ask`/`toStep` (step.ts) normalize an OpResult.
 */
import type { Op, OpType, Process } from '../core/op.ts';
import { makeContext } from './context.ts';
import { type GenLike, gen as toGen } from './core.ts';
import { Rng } from './rng.ts';
import type { Context, Generator, Invocation, Thread } from './types.ts';

/** How a simulated op ends: after `latency` ns (default 1 ms) with `type` (default ok). */
export interface SimCompletion {
  type?: Exclude<OpType, 'invoke'>;
  latency?: number;
  /** The completion's value; the invocation's value when absent. */
  value?: unknown;
  error?: string;
}

export interface SimulateOptions {
  /** Client threads 0..concurrency-1. */
  concurrency: number;
  /** Seeds the generators' Rng (and, separately, the Rng passed to `complete`). */
  seed: number;
  /** Include the nemesis thread (default true). */
  nemesis?: boolean;
  /** Decides each op's outcome; gets its own Rng so its draws don't shift the generators' choices. */
  complete?: (invocation: Op, rng: Rng) => SimCompletion;
  /** How long an idle generator waits before being asked again (ns, default 1 ms). */
  pollNs?: number;
  /** Guard against generators that never end: throws after this many loop steps (default 10 million). */
  maxSteps?: number;
}

export const MS = 1_000_000;

interface Outstanding {
  completion: Omit<Op, 'index'>;
  thread: Thread;
  invokedAt: number;
}

/** Runs `x` to exhaustion on a simulated clock and returns the history it produced. Pure. */
export function simulate(x: GenLike, opts: SimulateOptions): Op[] {
  const c = opts.concurrency;
  const threads: Thread[] = [...Array(c).keys()];
  if (opts.nemesis ?? true) threads.push('nemesis');
  const rng = new Rng(opts.seed);
  const completionRng = new Rng((opts.seed ^ 0x5bd1e995) >>> 0);
  const complete = opts.complete ?? ((): SimCompletion => ({}));
  const pollNs = opts.pollNs ?? MS;
  const maxSteps = opts.maxSteps ?? 10_000_000;

  const processes = new Map<Thread, Process>(threads.map((t) => [t, t]));
  const free = new Set<Thread>(threads);
  const outstanding: Outstanding[] = [];
  const history: Op[] = [];
  let now = 0;
  let gen: Generator | null = toGen(x);

  const ctx = (): Context => makeContext(now, threads, new Set(free), new Map(processes), rng);
  const record = (op: Omit<Op, 'index'>): Op => {
    const full = { ...op, index: history.length } as Op;
    history.push(full);
    return full;
  };
  const nextDue = (): Outstanding | undefined => {
    let best: Outstanding | undefined;
    for (const o of outstanding) {
      if (
        !best ||
        o.completion.time < best.completion.time ||
        (o.completion.time === best.completion.time && o.invokedAt < best.invokedAt)
      )
        best = o;
    }
    return best;
  };
  const handle = (o: Outstanding) => {
    outstanding.splice(outstanding.indexOf(o), 1);
    now = Math.max(now, o.completion.time);
    const op = record(o.completion);
    free.add(o.thread);
    if (op.type === 'info' && o.thread !== 'nemesis') processes.set(o.thread, (op.process as number) + c);
    if (gen) gen = gen.update(ctx(), op);
  };
  const dispatch = (inv: Invocation, next: Generator) => {
    const thread = threads.find((t) => processes.get(t) === inv.process);
    if (thread === undefined || !free.has(thread)) {
      throw new Error(`generator emitted an op for process ${String(inv.process)}, which is not free`);
    }
    const invoke = record({ ...inv, type: 'invoke', time: now });
    free.delete(thread);
    gen = next.update(ctx(), invoke);
    const done = complete(invoke, completionRng);
    const latency = done.latency ?? MS;
    if (!(latency >= 0) || !Number.isFinite(latency)) throw new Error(`bad latency ${latency}`);
    const completion: Omit<Op, 'index'> = {
      time: now + latency,
      type: done.type ?? 'ok',
      process: invoke.process,
      f: invoke.f,
      value: 'value' in done ? done.value : invoke.value,
    };
    if (done.error !== undefined) completion.error = done.error;
    outstanding.push({ completion, thread, invokedAt: invoke.index });
  };

  for (let steps = 0; ; steps++) {
    if (steps > maxSteps) throw new Error(`simulate: no end after ${maxSteps} steps (time ${now} ns)`);
    const due = nextDue();
    if (due && due.completion.time <= now) {
      handle(due);
      continue;
    }
    if (gen === null) {
      if (!due) break;
      handle(due);
      continue;
    }
    const r = gen.op(ctx());
    if (r === null) {
      gen = null;
      continue;
    }
    if (r === 'pending' || 'pending' in r) {
      if (r !== 'pending') gen = r.gen;
      const until = r === 'pending' ? undefined : r.until;
      const wake = until !== undefined && until > now ? until : now + pollNs;
      if (due && due.completion.time <= wake) handle(due);
      else now = wake;
      continue;
    }
    if (r.op.time > now) {
      if (due && due.completion.time <= r.op.time) {
        handle(due); // the answer is dropped: the old generator is asked again
        continue;
      }
      now = r.op.time;
    }
    dispatch(r.op, r.gen);
  }
  return history;
}
