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
import { sToNs } from '../src/core/time.ts';
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

/** Gaps (seconds) are uniform in [interval/2, 3·interval/2]: irregular enough to catch timing bugs, mean = interval. */
const gapS = (rng: Rng, intervalS: number) => intervalS * (0.5 + rng.float());

/**
 * Plans each cycle's faults from `seed`: start and stop ops alternating at random gaps around
 * `intervalS` seconds, up to `timeLimitS` seconds, sorted by `atS` (seconds after the main phase starts).
 * Throws when the plan would exceed MAX_PLANNED_FAULTS per family or `intervalS` is not positive.
 */
export function planSchedule(
  cycles: readonly FaultCycle[],
  o: { seed: number; timeLimitS: number; intervalS: number },
): ScheduledOp[] {
  // A fault starts about every interval: refuse a plan that could not be held (or stored) before drawing it.
  if (!(o.intervalS > 0) || o.timeLimitS / o.intervalS > MAX_PLANNED_FAULTS)
    throw new Error(
      `a time limit of ${o.timeLimitS} s with a fault every ${o.intervalS} s plans more than ${MAX_PLANNED_FAULTS} faults per family: raise the interval or shorten the run`,
    );
  const out: ScheduledOp[] = [];
  cycles.forEach((c, i) => {
    const rng = new Rng((o.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    let tS = gapS(rng, o.intervalS);
    while (tS < o.timeLimitS) {
      const started = c.start(rng);
      out.push({ atS: round(tS), ...started });
      tS += gapS(rng, o.intervalS);
      if (tS >= o.timeLimitS) break; // the final heal ends it
      out.push({ atS: round(tS), ...c.stop(started, rng) });
      tS += gapS(rng, o.intervalS);
    }
  });
  return out.sort((a, b) => a.atS - b.atS);
}

const round = (s: number) => Math.round(s * 1000) / 1000;

class ScheduleGen implements Generator {
  readonly entries: readonly ScheduledOp[];
  readonly i: number;
  /** History time (ns) of the first time it was asked: every `atS` counts from it. */
  readonly startNs: number | undefined;
  constructor(entries: readonly ScheduledOp[], i: number, startNs: number | undefined) {
    this.entries = entries;
    this.i = i;
    this.startNs = startNs;
  }
  op(ctx: Context): OpResult {
    const e = this.entries[this.i];
    if (!e) return null;
    // Fix the start the first time we are asked, in a state the interpreter keeps: an op answer may be
    // dropped (a client event arrives first), and re-deriving the start then would push every fault late.
    if (this.startNs === undefined)
      return { pending: true, gen: new ScheduleGen(this.entries, this.i, ctx.time), untilNs: ctx.time };
    const startNs = this.startNs;
    const op = fillIn({ f: e.f, value: e.value, time: startNs + Math.round(sToNs(e.atS)) }, ctx);
    if (op === 'pending') return { pending: true, gen: new ScheduleGen(this.entries, this.i, startNs) };
    return { op, gen: new ScheduleGen(this.entries, this.i + 1, startNs) };
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
  return scheduleGenerator(ops.map((o) => ({ atS: 0, ...o })));
}
