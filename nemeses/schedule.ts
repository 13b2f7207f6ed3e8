/**
 * Fault schedules, planned up front. Each fault family alternates start and stop ops at random gaps
 * around --nemesis-interval; several families run at once, overlapping. The plan is a plain list
 * (written to the run folder as nemesis-schedule.json), so the same seed gives the same schedule no
 * matter how the clients' timing went, and `--replay` can run exactly the same faults again.
 */

import type { Context, Generator, OpResult } from '../src/core/generator.ts';
import type { ScheduledOp } from '../src/core/nemesis.ts';
import type { Op } from '../src/core/op.ts';
import { Rng } from '../src/core/rng.ts';
import { fillIn } from '../src/generator/context.ts';

export type { ScheduledOp };

export interface FaultCycle {
  /** The family's name (partition, kill, …) — also separates the families' random streams. */
  name: string;
  /** Chooses the fault (targets, grudge, offset) with the family's own Rng. */
  start(rng: Rng): { f: string; value: unknown };
  /** The op that ends the fault `start` began. */
  stop(started: { f: string; value: unknown }, rng: Rng): { f: string; value: unknown };
}

/**
 * Most faults one family may plan (about timeLimit / interval): the schedule is planned up front and
 * stored for --replay, so it stays bounded: 50 000 faults per family plan in about 0.1 s and store in
 * about 5 MB; that is a fault every 1.7 s for a day. The registry refuses larger plans up front.
 */
export const MAX_PLANNED_FAULTS = 50_000;

/** Gaps are uniform in [interval/2, 3·interval/2]: irregular enough to catch timing bugs, mean = interval. */
const gap = (rng: Rng, interval: number) => interval * (0.5 + rng.float());

export function planSchedule(
  cycles: readonly FaultCycle[],
  o: { seed: number; timeLimit: number; interval: number },
): ScheduledOp[] {
  // A fault starts about every interval: refuse a plan that could not be held (or stored) before drawing it.
  if (!(o.interval > 0) || o.timeLimit / o.interval > MAX_PLANNED_FAULTS)
    throw new Error(
      `a time limit of ${o.timeLimit} s with a fault every ${o.interval} s plans more than ${MAX_PLANNED_FAULTS} faults per family: raise the interval or shorten the run`,
    );
  const out: ScheduledOp[] = [];
  cycles.forEach((c, i) => {
    const rng = new Rng((o.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    let t = gap(rng, o.interval);
    while (t < o.timeLimit) {
      const started = c.start(rng);
      out.push({ at: round(t), ...started });
      t += gap(rng, o.interval);
      if (t >= o.timeLimit) break; // the final heal ends it
      out.push({ at: round(t), ...c.stop(started, rng) });
      t += gap(rng, o.interval);
    }
  });
  return out.sort((a, b) => a.at - b.at);
}

const round = (s: number) => Math.round(s * 1000) / 1000;

class ScheduleGen implements Generator {
  readonly entries: readonly ScheduledOp[];
  readonly i: number;
  readonly start: number | undefined;
  constructor(entries: readonly ScheduledOp[], i: number, start: number | undefined) {
    this.entries = entries;
    this.i = i;
    this.start = start;
  }
  op(ctx: Context): OpResult {
    const e = this.entries[this.i];
    if (!e) return null;
    // Fix the start the first time we are asked, in a state the interpreter keeps: an op answer may be
    // dropped (a client event arrives first), and re-deriving the start then would push every fault late.
    if (this.start === undefined)
      return { pending: true, gen: new ScheduleGen(this.entries, this.i, ctx.time), untilNs: ctx.time };
    const start = this.start;
    const op = fillIn({ f: e.f, value: e.value, time: start + Math.round(e.at * 1e9) }, ctx);
    if (op === 'pending') return { pending: true, gen: new ScheduleGen(this.entries, this.i, start) };
    return { op, gen: new ScheduleGen(this.entries, this.i + 1, start) };
  }
  update(_ctx: Context, _event: Op): Generator {
    return this;
  }
}

/** Emits the planned ops at their times (relative to the first time it is asked); ops wait for a busy nemesis. */
export function scheduleGenerator(entries: readonly ScheduledOp[]): Generator {
  return new ScheduleGen(entries, 0, undefined);
}

/** The healing ops, emitted one after another. */
export function sequenceGenerator(ops: readonly { f: string; value: unknown }[]): Generator {
  return scheduleGenerator(ops.map((o) => ({ at: 0, ...o })));
}
