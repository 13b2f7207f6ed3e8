/** What every fault family shares: option parsing, planning its schedule, reaching nodes, probing, errors. */

import type { z } from 'zod';
import { errorText } from '../src/core/errors.ts';
import type { Invocation } from '../src/core/generator.ts';
import type {
  Completion,
  FaultKind,
  Nemesis,
  NemesisOptions,
  NemesisPackage,
  RunContext,
} from '../src/core/index.ts';
import { HEAL_FAILED, NOT_IN_EFFECT } from '../src/core/nemesis.ts';
import type { OptionsSchema } from '../src/core/options.ts';
import type { Remote } from '../src/core/remote.ts';
import { Rng } from '../src/core/rng.ts';
import { pollUntil } from '../src/util/poll.ts';
import { type FaultCycle, planSchedule, scheduleGenerator, sequenceGenerator } from './schedule.ts';

export { HEAL_FAILED, isFaultFailure, NOT_IN_EFFECT } from '../src/core/nemesis.ts';

/** A fault that was applied but is not in effect: `info` (it may have half-happened), fault `not-in-effect`. */
export const notInEffect = (why: string): Completion => ({
  type: 'info',
  error: `${NOT_IN_EFFECT}: ${why}`,
  fault: 'not-in-effect',
});
/** A heal that did not heal: `info`, fault `heal-failed`. */
export const healFailed = (why: string): Completion => ({
  type: 'info',
  error: `${HEAL_FAILED}: ${why}`,
  fault: 'heal-failed',
});

/** The first line of an error's message: the one error-text helper (src/core/errors.ts), under its old name. */
export const errText = errorText;

/** How long a fault aimed at `primaries` waits for the system to report a leader (ms). */
export const PRIMARIES_WAIT_MS = 20_000;

/**
 * The nodes the system reports as primaries, waiting up to `PRIMARIES_WAIT_MS` while it reports none:
 * right after a kill or a partition a leader election is under way, and a fault aimed at the leader
 * should hit the next one rather than fail (a nemesis op that fails fails the run). Returns [] only if
 * no leader appeared in that time; throws what `primaries` throws, or when the run is stopping.
 */
export async function awaitPrimaries(
  primaries: (test: RunContext) => Promise<string[]>,
  test: RunContext,
  waitMs = PRIMARIES_WAIT_MS,
): Promise<string[]> {
  const r = await pollUntil<string[]>(
    { timeoutMs: waitMs, intervalMs: 500, signal: test.signal },
    async () => {
      const p = await primaries(test);
      return p.length ? { done: true, value: p } : { done: false, why: 'no leader reported' };
    },
  );
  return r.done ? r.value : [];
}

export function remoteOf(test: RunContext, name: string): Remote {
  const r = test.remotes.find((x) => x.name === name);
  if (!r) throw new Error(`node ${name} has no remote (is the system running on a cluster?)`);
  return r;
}

/**
 * The names that are not nodes of this run: not in the test's nodes, or (on a cluster) with no remote.
 * A fault is checked against this before it is applied, so it can never be recorded `ok` on a node
 * that does not exist.
 */
export function unknownNodes(test: RunContext, names: readonly string[]): string[] {
  const known = (n: string) =>
    test.nodes.includes(n) && (test.remotes.length === 0 || test.remotes.some((r) => r.name === n));
  return names.filter((n) => !known(n));
}

/** `--opt key=a,b` (string) or an array in a test file; `dflt` when absent. */
export function optList(
  o: Record<string, unknown> | undefined,
  key: string,
  dflt: readonly string[],
): string[] {
  const v = o?.[key];
  if (v === undefined || v === null || v === '') return [...dflt];
  const parts = Array.isArray(v) ? v.map(String) : String(v).split(',');
  return parts.map((s) => s.trim()).filter(Boolean);
}

/**
 * A family's options, read through its schema (the one the registry validated them with): typed, with
 * only the family's keys. Throws (a ZodError naming the key) on values the schema refuses.
 */
export function readOptions<S extends OptionsSchema>(
  schema: S,
  o: Record<string, unknown> | undefined,
): z.infer<S> {
  return schema.parse(o ?? {});
}

/** A family's own seed: families never share a random stream, whatever order they are named in. */
export function familySeed(seed: number, name: string): number {
  let h = seed >>> 0;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/** Plans the family's faults from the seed and wraps nemesis + schedule + healing ops + its declared faults into a package. */
export function familyPackage(
  nemesis: Nemesis,
  cycle: FaultCycle,
  opts: NemesisOptions,
  heal: readonly { f: string; value: unknown }[],
  faults: readonly FaultKind[],
): NemesisPackage {
  const schedule = planSchedule([cycle], {
    seed: familySeed(opts.seed ?? 0, cycle.name),
    timeLimitS: opts.timeLimitS ?? 60,
    intervalS: opts.intervalS,
  });
  return {
    nemesis,
    generator: scheduleGenerator(schedule),
    finalGenerator: sequenceGenerator(heal),
    schedule,
    faults: [...faults],
  };
}

/** Same Rng for the same (seed, family): used where a choice must be made at fault time. */
export const faultRng = (test: RunContext, name: string, op: Invocation) =>
  new Rng(familySeed(test.seed ^ op.time, name));

/**
 * Can `from` reach `to` over TCP? A connect to a closed port answers "refused" at once when packets flow
 * both ways and times out when either direction is dropped — no listener needed. Runs in `from`'s
 * network namespace (host nsenter when possible). `bash --norc`: a bash whose stdin is a socket (Node's
 * child pipes, sshd) reads ~/.bashrc as if started by rshd, and a .bashrc that blocks (a stale `pyenv
 * rehash` lock did here) would turn every probe into silence, i.e. a false cut.
 */
export async function tcpReachable(from: Remote, toIp: string, timeoutMs = 600, port = 1): Promise<boolean> {
  const r = await from.netExec(
    [
      'timeout',
      String(timeoutMs / 1000),
      'bash',
      '--norc',
      '--noprofile',
      '-c',
      'exec 3<>"/dev/tcp/$0/$1"',
      toIp,
      String(port),
    ],
    { timeoutMs: timeoutMs + 5000 },
  );
  if (r.exitCode === 0 || /refused/i.test(r.stderr)) return true;
  // Only silence (timeout's 124, or our own timeout) means packets are dropped; anything else is a probe
  // that could not run, and calling that a cut would blame the network for it.
  if (r.timedOut || r.exitCode === 124) return false;
  throw new Error(
    `probe ${from.name} → ${toIp} could not run (exit ${r.exitCode}): ${r.stderr.trim().split('\n')[0] ?? ''}`,
  );
}

/** Runs f on every item at once; returns the failures' messages (never throws). */
export async function settle<T>(items: readonly T[], f: (x: T) => Promise<unknown>): Promise<string[]> {
  const rs = await Promise.allSettled(items.map(f));
  return rs.flatMap((r) => (r.status === 'rejected' ? [errText(r.reason)] : []));
}

/** Throws a one-line error when a netExec'd command failed. */
export async function netRun(remote: Remote, argv: string[], stdin?: string): Promise<string> {
  const r = await remote.netExec(argv, { timeoutMs: 20_000, ...(stdin !== undefined ? { stdin } : {}) });
  if (r.exitCode !== 0)
    throw new Error(
      `${remote.name}: ${argv.join(' ')} exited ${r.exitCode}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`,
    );
  return r.stdout;
}

/** Nodes of a value like `{nodes: [...]}` or a plain array. */
export function nodesOf(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  const v = value as { nodes?: unknown } | undefined;
  return Array.isArray(v?.nodes) ? v.nodes.map(String) : undefined;
}

/** Is the node's container (or host) up and answering? */
export async function nodeUp(test: RunContext, n: string): Promise<boolean> {
  try {
    return (await remoteOf(test, n).exec(['true'], { timeoutMs: 5000 })).exitCode === 0;
  } catch {
    return false;
  }
}
