/**
 * The generator protocol, and a pure simulator of it over a simulated clock. The protocol's state (free
 * threads, processes, indices, the order of record / bookkeeping / update) lives in one state machine,
 * machine.ts; the real interpreter (src/runner/interpreter.ts) drives it with real time and real workers,
 * the simulator with a simulated clock, so the two cannot drift. Used to test generators.
 *
 * ## Context
 * - `time`: ns since the run started. `rng`: the run's one seeded Rng (generators draw from nothing else).
 * - Threads: client threads 0..c-1 (c = concurrency), then 'nemesis' if the test has a nemesis.
 *   `threads` lists them in that order; `free` holds those with no op outstanding.
 * - Processes: client thread t starts as process t. After an `info` completion its process becomes
 *   process + c (the old process is retired, as in Jepsen: its op may still take effect at any time).
 *   `fail` and `ok` keep the process. The nemesis thread is always process 'nemesis'.
 *   `processOf(thread)`, `threadOf(process)`; threadOf also maps retired processes (process mod c).
 *   The machine hands out live views of its state: a context is valid during the call that receives
 *   it, and generators never keep one (tests build fixed ones with `makeContext`).
 *
 * ## The loop (one step at a time; `gen` is the current generator)
 * 1. If a completion is due (its time <= now), handle it (below) and start over: every completion due
 *    by time t is handled before anything is dispatched at t.
 * 2. Ask `r = gen.op(ctx)`.
 *    - `null`: exhausted, for good. Stop asking; let the outstanding ops complete (recorded, no longer
 *      told to any generator), then stop.
 *    - `'pending'` / `{pending: true, gen: g, untilNs?}`: nothing now. With the object form, gen = g first.
 *      Wait until the next completion or, if sooner, `untilNs` when given (and later than now), else
 *      now + poll (1 ms); then start over. Re-asking earlier than that is always harmless (generators
 *      are values), so a real interpreter may cap its sleeps.
 *    - `{op, gen: next}`: if op.time > now, wait until op.time — unless a completion falls due at or
 *      before op.time: then drop this answer, handle the completion, and start over asking the OLD
 *      generator. Otherwise dispatch at now = max(now, op.time).
 * 3. Dispatch (Machine.dispatch): the op's process must be the current process of a free thread (else
 *    the generator is broken: throw). Record the invocation (type 'invoke', time = now, the next index),
 *    mark the thread busy, then gen = next.update(ctx, invocation).
 * 4. Completion (Machine.complete): record it (time = when it happened, the next index; same process
 *    and f as the invocation), mark the thread free, on `info` bump a client thread's process by c, then
 *    gen = gen.update(ctx, completion). (The interpreter keeps a thread busy after `info` until its
 *    client is reset, then frees it.)
 * Indices are dense, in recording order. Several completions due at the same time are handled in the
 * order their ops were invoked.
 *
 * ## Helpers
 * `fillIn(template, ctx)` (context.ts) turns an op template into an invocation: the process of a free
 * thread picked with ctx.rng (or 'pending'), time = ctx.time when absent. `ask`/`toStep` (step.ts) normalize an OpResult.
 */
import type { Op, OpType } from '../core/op.ts';
import { type GenLike, gen as toGen } from './core.ts';
import { Machine } from './machine.ts';
import { Rng } from './rng.ts';
import type { Thread } from './types.ts';

/** How a simulated op ends: after `latencyNs` (default 1 ms) with `type` (default ok). */
export interface SimCompletion {
  type?: Exclude<OpType, 'invoke'>;
  /** Nanoseconds from the invocation to the completion. */
  latencyNs?: number;
  /** The completion's value; the invocation's value when absent. */
  value?: unknown;
  error?: string;
}

/** How `simulate` runs: threads, seeds, how each op completes (times in ns). */
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

/** Nanoseconds per millisecond. */
export const MS = 1_000_000;

interface Outstanding {
  thread: Thread;
  atNs: number;
  done: SimCompletion;
  invokeIndex: number;
}

/** Runs `x` to exhaustion on a simulated clock and returns the history it produced. Pure. */
export function simulate(x: GenLike, opts: SimulateOptions): Op[] {
  const completionRng = new Rng((opts.seed ^ 0x5bd1e995) >>> 0);
  const complete = opts.complete ?? ((): SimCompletion => ({}));
  const pollNs = opts.pollNs ?? MS;
  const maxSteps = opts.maxSteps ?? 10_000_000;
  const history: Op[] = [];
  const m = new Machine({
    generator: toGen(x),
    concurrency: opts.concurrency,
    nemesis: opts.nemesis ?? true,
    rng: new Rng(opts.seed),
    record: (op) => history.push(op),
  });
  const outstanding: Outstanding[] = [];
  let nowNs = 0;

  const nextDue = (): Outstanding | undefined => {
    let best: Outstanding | undefined;
    for (const o of outstanding) {
      if (!best || o.atNs < best.atNs || (o.atNs === best.atNs && o.invokeIndex < best.invokeIndex)) best = o;
    }
    return best;
  };
  const handle = (o: Outstanding) => {
    outstanding.splice(outstanding.indexOf(o), 1);
    nowNs = Math.max(nowNs, o.atNs);
    const c = o.done;
    m.complete(nowNs, o.thread, {
      type: c.type ?? 'ok',
      ...('value' in c ? { value: c.value } : {}),
      ...(c.error !== undefined ? { error: c.error } : {}),
    });
  };

  for (let steps = 0; ; steps++) {
    if (steps > maxSteps) throw new Error(`simulate: no end after ${maxSteps} steps (time ${nowNs} ns)`);
    const due = nextDue();
    if (due && due.atNs <= nowNs) {
      handle(due);
      continue;
    }
    const r = m.ask(nowNs);
    if (r.kind === 'exhausted') {
      if (!due) break;
      handle(due);
      continue;
    }
    if (r.kind === 'wait') {
      const wake = r.untilNs !== undefined && r.untilNs > nowNs ? r.untilNs : nowNs + pollNs;
      if (due && due.atNs <= wake) handle(due);
      else nowNs = wake;
      continue;
    }
    if (r.op.time > nowNs) {
      if (due && due.atNs <= r.op.time) {
        handle(due); // the answer is dropped: the old generator is asked again
        continue;
      }
      nowNs = r.op.time;
    }
    const { thread, invoke } = m.dispatch(nowNs, r.op, r.next);
    const done = complete(invoke, completionRng);
    const latencyNs = done.latencyNs ?? MS;
    if (!(latencyNs >= 0) || !Number.isFinite(latencyNs)) throw new Error(`bad latencyNs ${latencyNs}`);
    outstanding.push({ thread, atNs: nowNs + latencyNs, done, invokeIndex: invoke.index });
  }
  return history;
}
