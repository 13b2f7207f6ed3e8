/** Nemeses: the fault injectors, their schedules and their descriptors (the --nemesis families). */
import type { RunContext } from './context.ts';
import type { Generator, Invocation } from './generator.ts';
import type { Completion } from './op.ts';
import type { OptionsSchema } from './options.ts';
import type { System } from './system.ts';

/** A fault injector: its ops are recorded in the history like client ops, so reports can show fault windows. */
export interface Nemesis {
  name: string;
  /** Op `f`s this nemesis performs. */
  fs: string[];
  setup?(test: RunContext): Promise<void>;
  invoke(test: RunContext, op: Invocation): Promise<Completion>;
  /** Heals every fault it may have left in place; must not throw. */
  teardown?(test: RunContext): Promise<void>;
}

/** A nemesis with its schedule: the main-phase generator and the final (healing) generator. */
export interface NemesisPackage {
  nemesis: Nemesis;
  generator: Generator;
  finalGenerator?: Generator;
  /** The planned fault schedule behind `generator`, when planned up front (stored for --replay). */
  schedule?: ScheduledOp[];
}

/** One planned nemesis op of a fault schedule (nemesis-schedule.json, replayed by --replay). */
export interface ScheduledOp {
  /** Seconds after the main phase starts. */
  at: number;
  f: string;
  value: unknown;
}

/** What a fault family is given to plan its faults (from the resolved test). */
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

/** A fault family as --nemesis names it (partition, packet, clock, kill, pause, crash). */
export interface NemesisDescriptor {
  name: string;
  description: string;
  /** The `--opt` keys the family reads (validated before the run; see options.ts). */
  options?: OptionsSchema;
  create(opts: NemesisOptions): NemesisPackage;
  /** Refuses up front what the platform cannot do (reason + fix), before anything is provisioned. */
  preflight?(test: RunContext): Promise<string | undefined>;
}

/**
 * The error of a nemesis op whose fault was applied but did not take effect (or whose heal did not
 * heal): the op completes `info` with it, so a run can never pass silently with a fault that never
 * happened. The lead's run code marks any such op as a run failure (see nemeses/README.md).
 */
export const NOT_IN_EFFECT = 'fault not in effect';
export const HEAL_FAILED = 'heal failed';

/** Does this completion say a fault or heal went wrong (for the run's verdict)? */
export const isFaultFailure = (error: string | undefined): boolean =>
  error !== undefined && (error.startsWith(NOT_IN_EFFECT) || error.startsWith(HEAL_FAILED));
