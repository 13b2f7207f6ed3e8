/**
 * Process faults through the System: kill (SIGKILL) / start, pause (SIGSTOP) / resume (SIGCONT) of the
 * real server process — never PID 1 of a container — and whole-node crash / restart (the container on
 * Docker; over SSH, SIGKILL to every process faultline started on the host, see SshRemote.crash).
 * Each op checks its effect on the system's daemons (pid files under /run/faultline, except faultline's
 * own fault helpers such as the packet family's fl-delay: FAULT_HELPER_PREFIX): killed ones are gone,
 * paused ones are in state T, resumed ones are not. The helpers are never signalled here.
 */
import { processState, signalDaemon, systemDaemonPids } from '../src/cluster/daemon.ts';
import type { Invocation } from '../src/core/generator.ts';
import type {
  Completion,
  FaultKind,
  Nemesis,
  NemesisDescriptor,
  NemesisOptions,
  NemesisPackage,
  NodeRef,
  RunContext,
  System,
} from '../src/core/index.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import type { Remote } from '../src/core/remote.ts';
import {
  awaitPrimaries,
  errText,
  familyPackage,
  healFailed,
  nodeUp,
  notInEffect,
  optList,
  PRIMARIES_WAIT_MS,
  remoteOf,
  unknownNodes,
} from './common.ts';
import { isCrashed, markCrashed, markRestarted } from './crashed.ts';
import type { FaultCycle } from './schedule.ts';
import { isTargetSpec, parseTargetSpec, resolveTargets, TARGETS_WHAT, type TargetSpec } from './targets.ts';

/** Op values: planned nodes, or `{targets: 'primaries'}` resolved at fault time; `'all'` heals every faulted node. */
export interface ProcessValue {
  nodes?: string[];
  targets?: 'primaries';
}

interface Family {
  name: 'kill' | 'pause' | 'crash';
  start: string;
  stop: string;
  defaults: string[];
}
const FAMILIES: Record<Family['name'], Family> = {
  kill: { name: 'kill', start: 'kill', stop: 'start', defaults: ['one', 'minority', 'majority', 'all'] },
  pause: { name: 'pause', start: 'pause', stop: 'resume', defaults: ['one', 'minority', 'majority', 'all'] },
  crash: { name: 'crash', start: 'crash', stop: 'restart-node', defaults: ['one', 'minority'] },
};
/** What each family's target nodes are while the fault lasts, and the colour it is drawn in. */
const LOOK = {
  kill: { nodeState: 'killed', color: '#d64541' },
  pause: { nodeState: 'paused', color: '#e67e22' },
  crash: { nodeState: 'crashed', color: '#8e44ad' },
} as const;

/** A process family's faults: its start op opens a window on the target nodes, its stop op heals them. */
export function processFaults(fam: Family): FaultKind[] {
  const { nodeState, color } = LOOK[fam.name];
  return [
    {
      family: fam.name,
      start: [fam.start],
      stop: [fam.stop],
      events: [],
      value: { kind: 'nodes', nodeState },
      valueDoc: `{nodes: [...]} or {targets: 'primaries'} (the completion names the nodes); ${fam.stop} takes 'all' (every node the family ${nodeState}) or {nodes}`,
      color,
    },
  ];
}

export function targetSpecs(opts: NemesisOptions, key: string, dflt: string[]): TargetSpec[] {
  return optList(opts.options, key, dflt).map(parseTargetSpec);
}

export function processCycle(fam: Family, opts: NemesisOptions): FaultCycle {
  const specs = targetSpecs(opts, `${fam.name}Targets`, fam.defaults);
  for (const s of specs) if (Array.isArray(s)) resolveTargets(s, opts.nodes, undefined as never); // unknown names fail now
  return {
    name: fam.name,
    start(rng) {
      const spec = rng.pick(specs);
      if (spec === 'primaries') return { f: fam.start, value: { targets: 'primaries' } };
      return { f: fam.start, value: { nodes: resolveTargets(spec, opts.nodes, rng) } };
    },
    stop: () => ({ f: fam.stop, value: 'all' }),
  };
}

const gone = (s: string | undefined) => s === undefined || s === 'Z';

/**
 * The system's live daemon pids on a node (pid files whose process still runs), without faultline's
 * fault helpers: a running fl-delay is neither a system process to pause nor a sign the system is back.
 */
async function livePids(remote: Remote): Promise<Record<string, number>> {
  const all = await systemDaemonPids(remote);
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(all)) if (!gone(await processState(remote, pid))) out[name] = pid;
  return out;
}

export interface CrashableRemote extends Remote {
  crash(): Promise<void>;
  restart(): Promise<void>;
  running(): Promise<boolean>;
}
export const canCrash = (r: Remote): r is CrashableRemote =>
  typeof (r as Partial<CrashableRemote>).crash === 'function' &&
  typeof (r as Partial<CrashableRemote>).restart === 'function';

/** One node's fault or heal; returns a problem (fault not in effect) or undefined. */
type Step = (test: RunContext, node: NodeRef, system: System | undefined) => Promise<string | undefined>;

const kill: Step = async (test, node, system) => {
  const r = node.remote as Remote;
  const before = await livePids(r);
  // Pid files but nothing live (crashed on an SSH host, or died on its own): nothing to kill.
  if (Object.keys(before).length === 0 && Object.keys(await systemDaemonPids(r)).length > 0)
    throw new NothingRunning(node.name);
  if (system?.kill) await system.kill(test, node);
  else for (const name of Object.keys(before)) await signalDaemon(r, name, 'KILL');
  const alive: string[] = [];
  for (const [name, pid] of Object.entries(before))
    if (!gone(await waitState(r, pid, gone))) alive.push(`${name}(${pid})`);
  return alive.length ? `${node.name}: still running after kill: ${alive.join(' ')}` : undefined;
};

const start: Step = async (test, node, system) => {
  if (!system?.start) return `${node.name}: the system cannot start a node`;
  // A node the crash family crashed stays down until its restart-node (which starts the system itself):
  // an SSH host still answers while "crashed", and starting its system here would end the crash early.
  if (isCrashed(test, node.name)) return undefined;
  // Already back (another family restarted the node): starting again would fail on a running daemon.
  if (Object.keys(await livePids(node.remote as Remote)).length > 0) return undefined;
  await system.start(test, node);
  const live = await livePids(node.remote as Remote);
  const known = await systemDaemonPids(node.remote as Remote);
  // Only checkable when the system uses startDaemon (pid files); then something must run again.
  return Object.keys(known).length > 0 && Object.keys(live).length === 0
    ? `${node.name}: nothing running after start`
    : undefined;
};

const stopped = (s: string | undefined) => s === 'T' || s === 't';

/** Why a kill or pause found nothing to act on: the completion's error when every target was like that. */
export const NOTHING_RUNNING = 'nothing running: killed/crashed earlier';

/** A kill or pause target with no live system process: not faulted, and not a failure of the fault itself. */
class NothingRunning extends Error {
  constructor(node: string) {
    super(`${node}: ${NOTHING_RUNNING}`);
  }
}

const pause: Step = async (test, node, system) => {
  const r = node.remote as Remote;
  const before = await livePids(r);
  // The system's daemons have pid files but none runs (killed or crashed by another family): there is
  // nothing to pause, and a paused-looking "gone" process must not count as paused.
  if (Object.keys(before).length === 0 && Object.keys(await systemDaemonPids(r)).length > 0)
    throw new NothingRunning(node.name);
  if (system?.pause) await system.pause(test, node);
  else for (const name of Object.keys(before)) await signalDaemon(r, name, 'STOP');
  const running: string[] = [];
  for (const [name, pid] of Object.entries(before)) {
    const s = await waitState(r, pid, (x) => stopped(x) || gone(x));
    if (!stopped(s) && !gone(s)) running.push(`${name}(${pid}) in state ${s}`);
  }
  return running.length ? `${node.name}: not stopped after pause: ${running.join(' ')}` : undefined;
};

const resume: Step = async (test, node, system) => {
  const r = node.remote as Remote;
  const before = await livePids(r);
  // Killed or crashed while paused: nothing is stopped any more, and the kill/crash family's own heal
  // starts it again. Resuming nothing is no heal failure.
  if (Object.keys(before).length === 0) return undefined;
  if (system?.resume) await system.resume(test, node);
  else for (const name of Object.keys(before)) await signalDaemon(r, name, 'CONT');
  const still: string[] = [];
  for (const [name, pid] of Object.entries(before))
    if (stopped(await waitState(r, pid, (x) => !stopped(x)))) still.push(`${name}(${pid})`);
  return still.length ? `${node.name}: still stopped after resume: ${still.join(' ')}` : undefined;
};

const crash: Step = async (test, node) => {
  const r = node.remote as Remote;
  if (!canCrash(r)) return `${node.name}: this cluster cannot crash a whole node`;
  markCrashed(test, node.name); // before: a crash that throws may still have happened
  await r.crash();
  return (await r.running()) ? `${node.name}: container still running after crash` : undefined;
};

const restartNode: Step = async (test, node, system) => {
  const r = node.remote as Remote;
  if (!canCrash(r)) return `${node.name}: this cluster cannot restart a whole node`;
  await r.restart();
  if (!(await r.running())) return `${node.name}: container not running after restart`;
  markRestarted(test, node.name);
  // A rebooted node brings its service back, as an init system would.
  return system?.start ? start(test, node, system) : undefined;
};

/** Polls the process state until `ok` (state changes are asynchronous) or ~2 s pass. */
async function waitState(
  r: Remote,
  pid: number,
  ok: (s: string | undefined) => boolean,
): Promise<string | undefined> {
  let s = await processState(r, pid);
  for (let i = 0; i < 40 && !ok(s); i++) {
    await new Promise((res) => setTimeout(res, 50));
    s = await processState(r, pid);
  }
  return s;
}

export function processNemesis(fam: Family, opts: NemesisOptions): Nemesis {
  const faulted = new Set<string>();
  const [doFault, doHeal]: [Step, Step] =
    fam.name === 'kill' ? [kill, start] : fam.name === 'pause' ? [pause, resume] : [crash, restartNode];
  const run = async (test: RunContext, nodes: string[], step: Step, heal: boolean): Promise<Completion> => {
    const problems: string[] = [];
    const errors: string[] = [];
    const idle: string[] = [];
    let unreachable = false;
    await Promise.all(
      nodes.map(async (n) => {
        try {
          const p = await step(test, { name: n, remote: remoteOf(test, n) }, opts.system);
          if (p) problems.push(p);
          else if (heal) faulted.delete(n);
          else faulted.add(n);
        } catch (err) {
          if (err instanceof NothingRunning) {
            idle.push(n);
            // Not killed by this op, but the kill family's start still brings the system back there.
            if (fam.name === 'kill') faulted.add(n);
            return;
          }
          // The crash family crashed the whole node: its processes are already gone, and restart-node
          // brings them back. Only that excuses a node that does not answer: any other unreachable node
          // (a host whose SSH port is cut, say) still runs, or will run, what we could not reach.
          const up = await nodeUp(test, n);
          if (fam.name !== 'crash' && !up && isCrashed(test, n)) {
            if (heal) faulted.delete(n);
            else idle.push(n); // nothing there to kill or pause: never reported as faulted
            return;
          }
          if (!up) unreachable = true;
          errors.push(`${n}: ${up ? '' : 'unreachable (not crashed by the crash family): '}${errText(err)}`);
          if (!heal) faulted.add(n); // may have half-happened: heal it later
        }
      }),
    );
    // Targets with nothing running were not faulted: left out of the op's nodes (never drawn as
    // paused); when no target is left, the fault certainly did not happen (a fail, nothing to aim at).
    const hit = nodes.filter((n) => !idle.includes(n));
    if (idle.length && hit.length === 0)
      return {
        type: 'fail',
        fault: 'no-target',
        error: `${NOTHING_RUNNING} (${idle.sort().join(', ')})`,
        value: { nodes: [...nodes].sort() },
      };
    const value = {
      nodes: hit.sort(),
      ...(idle.length ? { skipped: `${NOTHING_RUNNING}: ${idle.sort().join(', ')}` } : {}),
    };
    const all = [...errors, ...problems].sort().join('; ');
    if (errors.length || problems.length)
      return {
        ...(heal
          ? healFailed(all)
          : errors.length && !unreachable
            ? { type: 'info' as const, error: `${fam.start} failed: ${all}` }
            : notInEffect(all)),
        value,
      };
    return { type: 'ok', value };
  };
  return {
    name: fam.name,
    fs: [fam.start, fam.stop],
    async invoke(test: RunContext, op: Invocation) {
      const v = op.value as ProcessValue | 'all' | null;
      if (op.f === fam.stop) {
        const nodes = v === 'all' || v === null ? [...faulted] : (v.nodes ?? [...faulted]);
        return run(test, nodes, doHeal, true);
      }
      let nodes: string[];
      if (v && v !== 'all' && v.targets === 'primaries') {
        if (!opts.system?.primaries) return { type: 'fail', error: 'the system cannot report its primaries' };
        nodes = await awaitPrimaries((t) => opts.system!.primaries!(t), test);
        if (nodes.length === 0)
          return {
            type: 'fail',
            fault: 'no-target',
            error: `no primaries known: the system reported no leader for ${PRIMARIES_WAIT_MS / 1000} s`,
          };
      } else nodes = v === 'all' ? [...test.nodes] : ((v as ProcessValue | null)?.nodes ?? []);
      const unknown = unknownNodes(test, nodes);
      if (unknown.length) return { type: 'fail', error: `unknown node(s) ${unknown.join(', ')}` };
      return run(test, nodes, doFault, false);
    },
    async teardown(test: RunContext) {
      if (faulted.size === 0 || test.remotes.length === 0) return;
      let problem: string | undefined;
      try {
        const c = await run(test, [...faulted], doHeal, true);
        if (c.error) problem = c.error;
      } catch (err) {
        problem = `heal failed: ${errText(err)}`;
      }
      if (problem) {
        test.log.error(`${fam.name}: ${problem}`);
        throw new Error(`${fam.name}: ${problem}`);
      }
    },
  };
}

function descriptor(fam: Family, description: string): NemesisDescriptor {
  const faults = processFaults(fam);
  return {
    name: fam.name,
    description,
    faults,
    // `--opt killTargets=…` (pauseTargets, crashTargets): which nodes a fault hits.
    options: optionsSchema({ [`${fam.name}Targets`]: opt.list(TARGETS_WHAT, isTargetSpec) }),
    create(opts): NemesisPackage {
      return familyPackage(
        processNemesis(fam, opts),
        processCycle(fam, opts),
        opts,
        [{ f: fam.stop, value: 'all' }],
        faults,
      );
    },
  };
}

export const killDescriptor = descriptor(
  FAMILIES.kill,
  'kills (SIGKILL) the system process on target nodes, then starts it again',
);
export const pauseDescriptor = descriptor(
  FAMILIES.pause,
  'pauses (SIGSTOP) the system process on target nodes, then resumes it (SIGCONT)',
);
export const crashDescriptor = descriptor(
  FAMILIES.crash,
  'crashes whole nodes (docker kill; over SSH SIGKILL to all the system processes), then restarts them',
);
