/**
 * The `failover` family: faultline's own failover of a primary/replica system, run as nemesis ops so every
 * promotion is in the history (Jepsen records such control-plane actions as nemesis ops too). Every
 * `failoverIntervalS` seconds (default 1) an op `{f: 'failover', value: null}` asks the system's
 * `failover(test)` hook to check its primary and promote a replica if the primary failed; the completion is
 * `ok` with `{from, to, …}` when it promoted one, `ok` with `{primary, why}` when nothing was needed (a
 * `fail` would count as a fault that did not happen), `info` when a promotion failed half-way. The decision rule is the system's (systems/mariadb/failover.ts). Only
 * systems with such a hook take this family (today: mariadb --mode replica); others are refused up front.
 * Compose it with the faults that cut the primary off: `--nemesis partition,failover`.
 */
import { UserError } from '../src/core/errors.ts';
import type { Invocation } from '../src/core/generator.ts';
import type {
  Completion,
  FaultKind,
  Nemesis,
  NemesisDescriptor,
  NemesisOptions,
  NemesisPackage,
  RunContext,
  System,
} from '../src/core/index.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import { scheduleGenerator } from './schedule.ts';

/** A system whose primary faultline itself fails over. */
export interface FailoverSystem extends System {
  /** One check: promote a replica when the primary failed (ok, value {from, to}), else ok with {primary, why}. */
  failover(test: RunContext): Promise<Completion>;
}

export const hasFailover = (s: System | undefined): s is FailoverSystem =>
  typeof (s as Partial<FailoverSystem> | undefined)?.failover === 'function';

export const FAILOVER_FAULTS: FaultKind[] = [
  {
    family: 'failover',
    start: [],
    stop: [],
    events: ['failover'],
    value: { kind: 'none' },
    valueDoc:
      "null on the invocation; an ok completion's value is {from, to, why, gtid, replicas, fenced} (node names)",
    color: '#16a085',
  },
];

export const failoverDescriptor: NemesisDescriptor = {
  name: 'failover',
  description:
    "checks the primary every failoverIntervalS (1 s) and promotes a replica when it failed (the system's own rule)",
  faults: FAILOVER_FAULTS,
  options: optionsSchema({ failoverIntervalS: opt.number(0.2, 60, 's') }),
  create(opts: NemesisOptions): NemesisPackage {
    const system = opts.system;
    if (!hasFailover(system))
      throw new UserError(
        `nemesis failover: system ${system?.name ?? '(none)'} has no failover of its own to drive: use it with --system mariadb --mode replica`,
      );
    const everyS = Number(opts.options?.failoverIntervalS ?? 1);
    const limitS = opts.timeLimitS ?? 60;
    const schedule = Array.from({ length: Math.floor(limitS / everyS) }, (_, i) => ({
      atS: Math.round((i + 1) * everyS * 1000) / 1000,
      f: 'failover',
      value: null,
    }));
    const nemesis: Nemesis = {
      name: 'failover',
      fs: ['failover'],
      invoke: (test: RunContext, _op: Invocation) => system.failover(test),
    };
    return { nemesis, generator: scheduleGenerator(schedule), schedule, faults: FAILOVER_FAULTS };
  },
};
