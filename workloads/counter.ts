/**
 * The counter workload (Jepsen's): clients increment one counter (`add` with a positive delta) and read
 * it, concurrently, while faults happen; after the heal one client on each node reads it once more. The
 * counter checker bounds every read by the adds acknowledged and attempted at that time (it accepts
 * deltas of any sign, as in histories from other tools; this generator only increments).
 * Options: `deltaMax` (default 1: every add is +1; larger draws deltas from 1..deltaMax),
 * `readFraction` (default 0.5).
 */
import { counterChecker } from '../checkers/counter.ts';
import type { Generator } from '../src/core/generator.ts';
import type { Workload, WorkloadDescriptor, WorkloadOptions } from '../src/core/index.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import { fn } from '../src/generator/index.ts';
import { finalReadPerNode } from './set.ts';

/** Reads (fraction `readFraction`) and adds of a random delta in 1..`deltaMax`, as Jepsen's counter test. */
export function counterOps(deltaMax: number, readFraction: number): Generator {
  return fn((ctx) =>
    ctx.rng.float() < readFraction
      ? { f: 'read', value: null }
      : { f: 'add', value: deltaMax <= 1 ? 1 : 1 + ctx.rng.int(deltaMax) },
  );
}

/** The counter workload: counterOps, a final read per node, the counter checker. Options: deltaMax, readFraction. */
export function counterWorkload(o: WorkloadOptions): Workload {
  const deltaMax = Number(o.options.deltaMax ?? 1);
  const readFraction = Number(o.options.readFraction ?? 0.5);
  if (!Number.isInteger(deltaMax) || deltaMax < 1)
    throw new Error(`counter workload: deltaMax must be an integer ≥ 1`);
  if (!(readFraction >= 0 && readFraction <= 1))
    throw new Error(`counter workload: readFraction must be in [0, 1]`);
  return {
    name: 'counter',
    generator: counterOps(deltaMax, readFraction),
    finalGenerator: finalReadPerNode(o.nodes.length),
    checkers: [counterChecker],
  };
}

/** The counter workload's `--opt` keys. */
export const counterOptions = optionsSchema({
  deltaMax: opt.int(1, 1e9),
  readFraction: opt.number(0, 1),
});

export const counterWorkloadDescriptor: WorkloadDescriptor = {
  options: counterOptions,
  name: 'counter',
  description:
    'increments and reads of one counter; every read must lie between acknowledged and attempted increments',
  create: counterWorkload,
};
