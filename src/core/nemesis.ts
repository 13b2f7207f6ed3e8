/** Nemeses: the fault injectors, their schedules and their descriptors (the --nemesis families). */
import { z } from 'zod';
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
  /**
   * The faults this package performs, as data (stored in test.json as `faults`; the report and the
   * dashboard read it). Optional for hand-written packages: without it they fall back to the built-in
   * families' declarations, and any other `f` is drawn as a one-off event.
   */
  faults?: FaultKind[];
}

/** One planned nemesis op of a fault schedule (nemesis-schedule.json, replayed by --replay). */
export interface ScheduledOp {
  /** Seconds after the main phase starts (files written before the rename say `at`: parseSchedule reads both). */
  atS: number;
  f: string;
  value: unknown;
}

/**
 * Reads a stored fault schedule (nemesis-schedule.json) into ScheduledOps: the one place that knows the
 * file's shape. Entries are `{atS, f, value}`; files written before the unit rename say `at` (also
 * seconds) and are read the same. Returns undefined when `raw` is not such a list.
 */
export function parseSchedule(raw: unknown): ScheduledOp[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: ScheduledOp[] = [];
  for (const e of raw) {
    if (typeof e !== 'object' || e === null) return undefined;
    const { atS, at, f, value } = e as { atS?: unknown; at?: unknown; f?: unknown; value?: unknown };
    const s = atS ?? at;
    if (typeof s !== 'number' || !Number.isFinite(s) || typeof f !== 'string') return undefined;
    out.push({ atS: s, f, value });
  }
  return out;
}

/** What a fault family is given to plan its faults (from the resolved test). */
export interface NemesisOptions {
  /** Mean seconds between fault starts (--nemesis-interval). */
  intervalS: number;
  nodes: string[];
  /** The run's seed: the fault schedule is planned from it (same seed, same schedule). */
  seed?: number;
  /** Seconds of the main phase (--time-limit): faults are planned up to it. Default 60. */
  timeLimitS?: number;
  /** Test options (`--opt key=value`): per-family settings, see nemeses/README.md. */
  options?: Record<string, unknown>;
  /** The system under test: kill/start/pause/resume and primaries go through it. */
  system?: System;
}

/** Where a run's nodes are, for a family's up-front checks: local Docker containers, or hosts over SSH. */
export interface NemesisPlatform {
  cluster: 'docker' | 'ssh';
}

/** A fault family as --nemesis names it (partition, packet, clock, kill, pause, crash). */
export interface NemesisDescriptor {
  name: string;
  description: string;
  /** The `--opt` keys the family reads (validated before the run; see options.ts). */
  options?: OptionsSchema;
  create(opts: NemesisOptions): NemesisPackage;
  /** The faults its packages perform (the same as `create(…).faults`, known without creating one). */
  faults: FaultKind[];
  /**
   * Refuses up front what the platform cannot do (reason + fix), before anything is provisioned.
   * `platform` says where the nodes are: a check of this machine's kernel means nothing for SSH hosts.
   */
  preflight?(test: RunContext, platform?: NemesisPlatform): Promise<string | undefined>;
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

/**
 * What a fault op's value means, so that the report and the dashboard can read it without knowing `f`s:
 * - `nodes`: target nodes, `{nodes: string[]}`, or `{targets: 'primaries'}` resolved at fault time (the
 *   completion then names the nodes), or `'all'` on a stop (every node the family faulted). During the
 *   fault the nodes are in `nodeState`.
 * - `grudge`: `{topology, grudge}`, the grudge mapping each node to the nodes whose traffic it drops.
 * - `clock-offsets`: node → clock offset in `unit` (seconds), or a strobe `{strobe: [a, b], periodMs,
 *   durationS}` flipping between offsets a and b (same unit). Completions carry each node's absolute
 *   setting (a bump's invocation carries deltas); a stop's completion sets every node back to 0.
 * - `packet`: `{nodes, peers?, loss? (probability 0..1), delayMs?, rate? (tc rate, e.g. 1mbit),
 *   duplicate?, reorder?, corrupt? (probabilities 0..1)}`.
 * - `none`: no value (null), or one the readers need not understand.
 */
export type FaultValue =
  | { kind: 'nodes'; nodeState: 'killed' | 'paused' | 'crashed' }
  | { kind: 'grudge' }
  | { kind: 'clock-offsets'; unit: 's' }
  | { kind: 'packet' }
  | { kind: 'none' };

/**
 * One kind of fault a nemesis package performs, as data: modelled on the `:perf` sets of Jepsen's nemesis
 * packages (jepsen/nemesis/combined.clj: `{:name "kill" :start #{:kill} :stop #{:start} :color …}`).
 * A `start` op (unless it failed) opens a fault window of `family`; a `stop` op closes every open window
 * of that family; an `events` op is a one-off fault, drawn as a marker (Jepsen's `:fs`). The `f`s of all
 * kinds in one package are distinct.
 */
export interface FaultKind {
  /** The fault family (partition, packet, clock, kill, pause, crash): the window's name and legend. */
  family: string;
  /** `f`s that start a fault window. */
  start: string[];
  /** `f`s that end every open window of the family (heals). */
  stop: string[];
  /** `f`s that are one-off events (no window). */
  events: string[];
  /** What the start (and event) ops' values mean, and their unit. */
  value: FaultValue;
  /** The value in words, with its units, for people reading test.json. */
  valueDoc: string;
  /** How to draw it: a CSS colour `#rrggbb` for its windows and markers. */
  color: string;
}

/** The zod schema of a FaultKind: test.json is read back through it (a hand-made or damaged one may lie). */
export const faultKindSchema: z.ZodType<FaultKind> = z.object({
  family: z.string().min(1),
  start: z.array(z.string()),
  stop: z.array(z.string()),
  events: z.array(z.string()),
  value: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('nodes'), nodeState: z.enum(['killed', 'paused', 'crashed']) }),
    z.object({ kind: z.literal('grudge') }),
    z.object({ kind: z.literal('clock-offsets'), unit: z.literal('s') }),
    z.object({ kind: z.literal('packet') }),
    z.object({ kind: z.literal('none') }),
  ]),
  valueDoc: z.string(),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
});

/** The role an `f` plays in a package's declared faults. */
export interface FaultRole {
  kind: FaultKind;
  role: 'start' | 'stop' | 'event';
}

/**
 * `f` → its kind and role, over a list of declarations. When two kinds claim the same `f` the first wins
 * (a composed package never has two: compose refuses it). Pure.
 */
export function faultRoles(kinds: readonly FaultKind[]): Map<string, FaultRole> {
  const out = new Map<string, FaultRole>();
  for (const kind of kinds)
    for (const role of ['start', 'stop', 'event'] as const)
      for (const f of role === 'event' ? kind.events : kind[role])
        if (!out.has(f)) out.set(f, { kind, role });
  return out;
}
