import { UserError } from '../src/cli/errors.ts';
import type { NemesisPackage, RunContext, System } from '../src/test/interfaces.ts';
import { clockDescriptor } from './clock.ts';
import { packetDescriptor } from './packet.ts';
import { partitionDescriptor } from './partition.ts';
import { crashDescriptor, killDescriptor, pauseDescriptor } from './process.ts';

export interface NemesisOptions {
  /** Mean seconds between fault starts. */
  interval: number;
  nodes: string[];
  /** The run's seed: the fault schedule is planned from it (same seed, same schedule). */
  seed?: number;
  /** Seconds of the main phase: faults are planned up to it. Default 60. */
  timeLimit?: number;
  /** Test options (`--opt key=value`): per-family settings, see nemeses/README.md. */
  options?: Record<string, unknown>;
  /** The system under test: kill/start/pause/resume and primaries go through it. */
  system?: System;
}

export interface NemesisDescriptor {
  name: string;
  description: string;
  create(opts: NemesisOptions): NemesisPackage;
  /** Refuses up front what the platform cannot do (reason + fix), before anything is provisioned. */
  preflight?(test: RunContext): Promise<string | undefined>;
}

/** Every fault family, by the name used with --nemesis (comma-separated to combine). */
export const NEMESES: Record<string, NemesisDescriptor> = {
  partition: partitionDescriptor,
  packet: packetDescriptor,
  clock: clockDescriptor,
  kill: killDescriptor,
  pause: pauseDescriptor,
  crash: crashDescriptor,
};

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
