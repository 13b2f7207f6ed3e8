/**
 * Long-running processes on a node (the system under test's servers), managed by pid file so faults can
 * signal the real process — never PID 1 of the container, whose signals from inside its namespace the
 * kernel drops. Every daemon is started through here so that node-wide hooks (the clock shim's
 * LD_PRELOAD) apply to all of them.
 */
import type { ExecOptions, Remote } from '../core/remote.ts';
import { pollUntil } from '../util/poll.ts';

/** How to start a daemon with `startDaemon`. */
export interface DaemonSpec {
  /**
   * Short name: pid file /run/faultline/<name>.pid. Names starting with FAULT_HELPER_PREFIX (`fl-`) are
   * reserved for faultline's fault helpers: a system's daemon must not take one.
   */
  name: string;
  /** The program and its arguments (argv[0] is looked up on the node's PATH). */
  argv: string[];
  /** Extra environment, on top of what the node-wide hooks add. */
  env?: Record<string, string>;
  /** Working directory on the node. */
  cwd?: string;
  /** Run as this user (e.g. redis). */
  user?: string;
  /** Where stdout and stderr go on the node. */
  logFile: string;
}

/** Where pid files live on a node. */
export const RUN_DIR = '/run/faultline';
/** The pid file of daemon `name` on a node. */
export const pidFile = (name: string) => `${RUN_DIR}/${name}.pid`;

/**
 * Name prefix of faultline's fault helpers: daemons a nemesis starts on a node to carry its fault (the
 * packet family's delayer `fl-delay`), not part of the system under test. The process families (kill,
 * start, pause, resume, and crash over SSH) neither signal them nor count them among the system's
 * processes; the family that started a helper stops it when it heals.
 */
export const FAULT_HELPER_PREFIX = 'fl-';
/** Is daemon `name` one of faultline's fault helpers (FAULT_HELPER_PREFIX) rather than the system's? */
export const isFaultHelper = (name: string): boolean => name.startsWith(FAULT_HELPER_PREFIX);

/** Environment every daemon gets on a node (the clock nemesis adds its preload here). */
export type DaemonEnvHook = (remote: Remote) => Promise<Record<string, string>> | Record<string, string>;
const envHooks: DaemonEnvHook[] = [];
export function addDaemonEnvHook(h: DaemonEnvHook): void {
  if (!envHooks.includes(h)) envHooks.push(h);
}
export function removeDaemonEnvHook(h: DaemonEnvHook): void {
  const i = envHooks.indexOf(h);
  if (i >= 0) envHooks.splice(i, 1);
}
/** The environment the hooks give a node's daemons (for processes started outside startDaemon). */
export async function daemonEnv(remote: Remote): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const h of envHooks) Object.assign(env, await h(remote));
  return env;
}

/** Starts a daemon in the background, detached (start-stop-daemon), its pid in a pid file. */
export async function startDaemon(remote: Remote, spec: DaemonSpec): Promise<number> {
  const env = await daemonEnv(remote);
  Object.assign(env, spec.env);
  await remote.run(['mkdir', '-p', RUN_DIR]);
  const argv = [
    'start-stop-daemon',
    '--start',
    '--background',
    '--make-pidfile',
    '--pidfile',
    pidFile(spec.name),
    '--output',
    spec.logFile,
    ...(spec.cwd ? ['--chdir', spec.cwd] : []),
    ...(spec.user ? ['--chuid', spec.user] : []),
    '--exec',
    spec.argv[0]!,
    '--',
    ...spec.argv.slice(1),
  ];
  const opts: ExecOptions = { env, timeoutMs: 30_000 };
  await remote.run(argv, opts);
  const pid = await daemonPid(remote, spec.name);
  if (pid === undefined) throw new Error(`${remote.name}: ${spec.name} did not start (see ${spec.logFile})`);
  return pid;
}

/** The pid recorded for daemon `name`, undefined without a (valid) pid file. */
export async function daemonPid(remote: Remote, name: string): Promise<number | undefined> {
  const r = await remote.exec(['cat', pidFile(name)]);
  const pid = Number(r.stdout.trim());
  return r.exitCode === 0 && Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The process state letter from /proc (R running, S sleeping, T stopped, Z zombie), undefined if gone. */
export async function processState(remote: Remote, pid: number): Promise<string | undefined> {
  const r = await remote.exec(['cat', `/proc/${pid}/stat`]);
  if (r.exitCode !== 0) return undefined;
  // Field 3, after the parenthesised command name (which may itself contain spaces or parentheses).
  const m = /\)\s+(\S)/.exec(r.stdout.slice(r.stdout.lastIndexOf(')')));
  return m?.[1];
}

/** Every daemon with a pid file on the node (name → pid), whether or not it still runs. */
export async function daemonPids(remote: Remote): Promise<Record<string, number>> {
  const r = await remote.exec([
    'sh',
    '-c',
    'for f in "$0"/*.pid; do [ -f "$f" ] && echo "$f $(cat "$f")"; done; true',
    RUN_DIR,
  ]);
  const out: Record<string, number> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /\/([^/]+)\.pid (\d+)$/.exec(line.trim());
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** The system's daemons on the node (name → pid): `daemonPids` without faultline's fault helpers. */
export async function systemDaemonPids(remote: Remote): Promise<Record<string, number>> {
  const all = await daemonPids(remote);
  return Object.fromEntries(Object.entries(all).filter(([name]) => !isFaultHelper(name)));
}

/** True when daemon `name` has a pid file and its process exists and is not a zombie. */
export async function isRunning(remote: Remote, name: string): Promise<boolean> {
  const pid = await daemonPid(remote, name);
  if (pid === undefined) return false;
  const s = await processState(remote, pid);
  return s !== undefined && s !== 'Z';
}

/** Sends a signal to the daemon (KILL, TERM, STOP, CONT). False when it was not running. */
export async function signalDaemon(
  remote: Remote,
  name: string,
  signal: 'KILL' | 'TERM' | 'STOP' | 'CONT',
): Promise<boolean> {
  const pid = await daemonPid(remote, name);
  if (pid === undefined) return false;
  const r = await remote.exec(['kill', `-${signal}`, String(pid)]);
  return r.exitCode === 0;
}

/** Kills the daemon at once (SIGKILL), as Jepsen's kill nemesis; restart it with `startDaemon`. */
export const killDaemon = (remote: Remote, name: string): Promise<boolean> =>
  signalDaemon(remote, name, 'KILL');
/** Pauses the daemon (SIGSTOP): it holds its sockets and state but does nothing until resumed. */
export const pauseDaemon = (remote: Remote, name: string): Promise<boolean> =>
  signalDaemon(remote, name, 'STOP');
/** Resumes a paused daemon (SIGCONT). */
export const resumeDaemon = (remote: Remote, name: string): Promise<boolean> =>
  signalDaemon(remote, name, 'CONT');

/** Stops a daemon: TERM, then KILL after `graceMs`; removes the pid file. */
export async function stopDaemon(remote: Remote, name: string, graceMs = 5000): Promise<void> {
  const pid = await daemonPid(remote, name);
  if (pid === undefined) return;
  await remote.exec(['kill', '-CONT', String(pid)]); // a paused process cannot act on TERM
  await remote.exec(['kill', '-TERM', String(pid)]);
  await pollUntil({ timeoutMs: graceMs, intervalMs: 100 }, async () => {
    const s = await processState(remote, pid);
    return s === undefined || s === 'Z' ? { done: true, value: s } : { done: false, why: `state ${s}` };
  });
  await remote.exec(['kill', '-KILL', String(pid)]);
  await remote.exec(['rm', '-f', pidFile(name)]);
}

/**
 * Where faultline's systems keep their state on a node, by convention: data in `/var/lib/faultline-<name>`
 * (etcd, redis, reference), logs in `/var/log/faultline`. A container takes them with it; an SSH host
 * keeps them until `removeNodeData`.
 */
export const DATA_DIR_GLOB = '/var/lib/faultline-*';
export const LOG_DIR = '/var/log/faultline';

/**
 * Removes every faultline system's data and logs from a node (an SSH host at teardown, after the logs
 * were collected). The shell text is fixed: the only argument is a constant. Throws a one-line error
 * naming the node when rm fails.
 */
export async function removeNodeData(remote: Remote): Promise<void> {
  const r = await remote.exec(['sh', '-c', `rm -rf -- ${DATA_DIR_GLOB} "$0"`, LOG_DIR], {
    timeoutMs: 60_000,
  });
  if (r.exitCode !== 0)
    throw new Error(
      `${remote.name}: removing ${DATA_DIR_GLOB} ${LOG_DIR} failed: ${r.stderr.trim().split('\n')[0] ?? r.exitCode}`,
    );
}
