import { UserError } from '../src/core/errors.ts';
import type { FaultKind, NemesisDescriptor } from '../src/core/index.ts';
import { clockDescriptor } from './clock.ts';
import { failoverDescriptor } from './failover.ts';
import { packetDescriptor } from './packet.ts';
import { partitionDescriptor } from './partition.ts';
import { crashDescriptor, killDescriptor, pauseDescriptor } from './process.ts';

export type { NemesisDescriptor, NemesisOptions } from '../src/core/index.ts';

/** Every fault family, by the name used with --nemesis (comma-separated to combine). */
export const NEMESES: Record<string, NemesisDescriptor> = {
  partition: partitionDescriptor,
  packet: packetDescriptor,
  clock: clockDescriptor,
  kill: killDescriptor,
  pause: pauseDescriptor,
  crash: crashDescriptor,
  failover: failoverDescriptor,
};

/**
 * Every built-in family's declared faults, in one list: the fallback for histories that carry no
 * declarations of their own (foreign histories given to analyze, run folders from before test.json had
 * `faults`, hand-written packages without `faults`). Derived here and nowhere else.
 */
export const BUILTIN_FAULTS: readonly FaultKind[] = Object.values(NEMESES).flatMap((d) => d.faults);

/**
 * The order in which families should be composed: their final (healing) ops run in this order, so
 * crashed nodes and processes are back before partitions, packet faults and clocks are healed and checked.
 */
export const HEAL_ORDER: readonly string[] = ['crash', 'kill', 'pause', 'partition', 'packet', 'clock'];

export function inHealOrder<T extends { name: string }>(ds: readonly T[]): T[] {
  const rank = (n: string) => (HEAL_ORDER.includes(n) ? HEAL_ORDER.indexOf(n) : HEAL_ORDER.length);
  return [...ds].sort((a, b) => rank(a.name) - rank(b.name));
}

export function findNemeses(names: string[]): NemesisDescriptor[] {
  return names.map((n) => {
    const d = NEMESES[n];
    if (!d) {
      const known = Object.keys(NEMESES);
      throw new UserError(
        `unknown nemesis '${n}': ${known.length ? `choose from ${known.join(', ')}` : 'no fault families are available yet'}, or none`,
      );
    }
    return d;
  });
}
