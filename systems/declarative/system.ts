/**
 * A System built from a declarative spec (spec.ts): files uploaded and the data folder emptied at setup,
 * the program started through startDaemon (so the clock nemesis's shim applies), kill/pause/resume
 * signalling its whole process group (a wrapper script's children too), a readiness check, the version
 * command, the log files. With `protocol: "maelstrom"` the program is a Maelstrom node: faultline's shim
 * (systems/maelstrom/node/shim.mjs) runs it and faultline brings lin-kv, g-set and txn-list-append clients.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { daemonPid, isRunning, startDaemon, stopDaemon } from '../../src/cluster/daemon.ts';
import type { ClientFactory, NodeRef, RunContext, System } from '../../src/core/index.ts';
import type { Remote } from '../../src/core/remote.ts';
import { pollUntil } from '../../src/util/poll.ts';
import { maelstromClient } from '../maelstrom/client.ts';
import { describeEarlyExit } from './exit.ts';
import { type PlaceholderValues, placeholderValues, substitute } from './placeholders.ts';
import { DEFAULT_PORT, type DeclarativeSpec, defaultDataDir } from './spec.ts';

/** Where the shim's files go on a node. */
const SHIM_DIR = '/opt/faultline-maelstrom';
const NODE_BIN = '/usr/bin/node';
const LOG_DIR = '/var/log/faultline';

/** How a declarative system is built beyond its spec. */
export interface DeclarativeOptions {
  /** Folder that relative `files[].from` paths start from (default: the current folder). */
  baseDir?: string;
  /** Clients by workload name, for a program without a `protocol` (a test file brings its own). */
  clients?: Record<string, ClientFactory>;
}

function remoteOf(node: NodeRef, name: string): Remote {
  if (!node.remote) throw new Error(`${name}: node ${node.name} has no remote (it needs a cluster)`);
  return node.remote;
}

/**
 * The process group of `pid` on the node, from /proc/<pid>/stat (field 5), undefined when the process is
 * gone. start-stop-daemon --background runs the daemon in a new session whose group leader (its
 * intermediate fork) has exited, so the group is not the daemon's pid.
 */
async function processGroup(remote: Remote, pid: number): Promise<number | undefined> {
  const r = await remote.exec(['cat', `/proc/${pid}/stat`]);
  if (r.exitCode !== 0) return undefined;
  const fields = r.stdout
    .slice(r.stdout.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  const pgrp = Number(fields[2]);
  return Number.isInteger(pgrp) && pgrp > 1 ? pgrp : undefined;
}

/** Signals the daemon's whole process group (the program and its children: the shim's node binary). */
async function signalGroup(
  remote: Remote,
  daemon: string,
  signal: 'KILL' | 'STOP' | 'CONT' | 'TERM',
): Promise<void> {
  const pid = await daemonPid(remote, daemon);
  if (pid === undefined) return;
  const group = await processGroup(remote, pid);
  const r = group === undefined ? undefined : await remote.exec(['kill', `-${signal}`, '--', `-${group}`]);
  if (r?.exitCode !== 0) await remote.exec(['kill', `-${signal}`, String(pid)]);
}

const shimSource = (file: string) =>
  readFileSync(new URL(`../maelstrom/node/${file}`, import.meta.url), 'utf8');

/** Resolves to why the program is gone (one line), or undefined while it runs. */
type ExitCheck = () => Promise<string | undefined>;

/**
 * Waits until a TCP connection to ip:port succeeds; throws with the last error after `timeoutMs`, or at
 * once when `exited` says the program is gone.
 */
async function waitTcp(
  ip: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
  what: string,
  exited: ExitCheck,
) {
  const r = await pollUntil({ timeoutMs, intervalMs: 200, signal }, async () => {
    const gone = await exited();
    if (gone) throw new Error(`${what}: ${gone}`);
    const err = await new Promise<string | undefined>((done) => {
      const s = connect({ host: ip, port });
      const t = setTimeout(() => s.destroy(new Error('no answer in 1 s')), 1000);
      s.once('connect', () => {
        clearTimeout(t);
        s.destroy();
        done(undefined);
      });
      s.once('error', (e) => {
        clearTimeout(t);
        done(e.message);
      });
    });
    return err === undefined ? { done: true, value: true } : { done: false, why: err };
  });
  if (!r.done)
    throw new Error(`${what}: not accepting connections on ${ip}:${port} after ${timeoutMs} ms (${r.why})`);
}

/** The System for `spec` (validated by parseSpec). */
export function createDeclarativeSystem(spec: DeclarativeSpec, o: DeclarativeOptions = {}): System {
  const port = spec.port ?? DEFAULT_PORT;
  const dataDir = spec.dataDir ?? defaultDataDir(spec.name);
  const log = `${LOG_DIR}/${spec.name}.log`;
  const maelstrom = spec.protocol === 'maelstrom';
  const readyMs = (spec.ready?.timeoutS ?? 60) * 1000;
  const files = (spec.files ?? []).map((f) => ({
    ...f,
    data: () => readFileSync(resolve(o.baseDir ?? '.', f.from)),
  }));
  const values = (test: RunContext, node: NodeRef): PlaceholderValues =>
    placeholderValues(
      node.name,
      test.remotes.map((r) => ({ name: r.name, ip: r.ip })),
      port,
      dataDir,
    );
  const env = (v: PlaceholderValues) =>
    Object.fromEntries(Object.entries(spec.env ?? {}).map(([k, x]) => [k, substitute(x, v)]));

  const start = async (test: RunContext, node: NodeRef) => {
    const remote = remoteOf(node, spec.name);
    const v = values(test, node);
    const argv = spec.start.map((a) => substitute(a, v));
    await startDaemon(remote, {
      name: spec.name,
      argv: maelstrom ? [NODE_BIN, `${SHIM_DIR}/shim.mjs`, `${SHIM_DIR}/config.json`] : argv,
      logFile: log,
      cwd: spec.cwd ?? dataDir,
      env: maelstrom ? {} : env(v),
      ...(spec.user ? { user: spec.user } : {}),
    });
  };

  const waitReady = async (test: RunContext, node: NodeRef, timeoutMs: number) => {
    const remote = remoteOf(node, spec.name);
    // The log as the run folder will hold it (collected at teardown), not its path on the node.
    // ('nodes' is FILES.nodes of src/store/run-dir.ts, which plugins may not import.)
    const copy = join(test.runDir, 'nodes', node.name, log);
    const rel = relative(process.cwd(), copy);
    const what = `${spec.name} on ${node.name} (see ${rel.startsWith('..') || isAbsolute(rel) ? copy : rel})`;
    // A program that exits at start fails the wait at once, with its last words.
    const exited: ExitCheck = async () => {
      if (await isRunning(remote, spec.name)) return undefined;
      const tail = await remote.exec(['tail', '-n', '50', log]);
      return describeEarlyExit(tail.stdout, maelstrom);
    };
    if (maelstrom || spec.ready?.tcp !== undefined) {
      await waitTcp(remote.ip, spec.ready?.tcp ?? port, timeoutMs, test.signal, what, exited);
    } else if (spec.ready?.command) {
      const argv = spec.ready.command.map((a) => substitute(a, values(test, node)));
      const r = await pollUntil({ timeoutMs, intervalMs: 200, signal: test.signal }, async () => {
        const gone = await exited();
        if (gone) throw new Error(`${what}: ${gone}`);
        const x = await remote.exec(argv, { timeoutMs: 10_000 });
        return x.exitCode === 0
          ? { done: true, value: true }
          : { done: false, why: `exit ${x.exitCode}: ${(x.stderr || x.stdout).trim().split('\n')[0] ?? ''}` };
      });
      if (!r.done) throw new Error(`${what}: ready command still failing after ${timeoutMs} ms (${r.why})`);
    }
  };

  const clients: Record<string, ClientFactory> = maelstrom
    ? {
        register: maelstromClient('register', port),
        set: maelstromClient('set', port),
        'list-append': maelstromClient('list-append', port),
      }
    : (o.clients ?? {});

  const system: System = {
    name: spec.name,
    needsCluster: true,
    packages: [...new Set([...(spec.packages ?? []), ...(maelstrom ? ['nodejs'] : [])])],
    async setup(test, node) {
      const remote = remoteOf(node, spec.name);
      await remote.run(['rm', '-rf', dataDir]);
      await remote.run(['mkdir', '-p', dataDir, LOG_DIR]);
      // The program may run as another user: its data folder must be its own.
      if (spec.user) await remote.run(['chown', '-R', spec.user, dataDir]);
      for (const f of files) await remote.upload(f.to, f.data(), f.mode ? Number.parseInt(f.mode, 8) : 0o644);
      if (maelstrom) {
        const v = values(test, node);
        await remote.upload(`${SHIM_DIR}/route.mjs`, shimSource('route.mjs'));
        await remote.upload(`${SHIM_DIR}/shim.mjs`, shimSource('shim.mjs'));
        const config = {
          node: node.name,
          nodes: test.remotes.map((r) => ({ name: r.name, ip: r.ip })),
          port,
          argv: spec.start.map((a) => substitute(a, v)),
          env: env(v),
          cwd: spec.cwd ?? dataDir,
        };
        await remote.upload(`${SHIM_DIR}/config.json`, JSON.stringify(config, null, 2));
      }
      await start(test, node);
      await waitReady(test, node, readyMs);
    },
    async teardown(_test, node) {
      if (!node.remote) return;
      const pid = await daemonPid(node.remote, spec.name);
      const group = pid === undefined ? undefined : await processGroup(node.remote, pid);
      await signalGroup(node.remote, spec.name, 'CONT');
      await signalGroup(node.remote, spec.name, 'TERM');
      await stopDaemon(node.remote, spec.name, 2000);
      // Whatever of its group outlived the TERM (a child that ignores it).
      if (group !== undefined) await node.remote.exec(['kill', '-KILL', '--', `-${group}`]);
    },
    async start(test, node) {
      await start(test, node);
      await waitReady(test, node, readyMs);
    },
    kill: (_t, node) => signalGroup(remoteOf(node, spec.name), spec.name, 'KILL'),
    pause: (_t, node) => signalGroup(remoteOf(node, spec.name), spec.name, 'STOP'),
    resume: (_t, node) => signalGroup(remoteOf(node, spec.name), spec.name, 'CONT'),
    logFiles: () => [log, ...(spec.logFiles ?? [])],
    clients,
  };
  if (spec.version) {
    const versionArgv = spec.version;
    system.version = async (test) => {
      const remote = test.remotes[0];
      if (!remote) return undefined;
      const r = await remote.exec(
        versionArgv.map((a) => substitute(a, values(test, { name: remote.name, remote }))),
        { timeoutMs: 10_000 },
      );
      if (r.exitCode !== 0) return undefined;
      return (r.stdout.trim() || r.stderr.trim()).split('\n')[0]?.trim() || undefined;
    };
  }
  return system;
}

/** A default name for a spec read from `file` that gives none: the file name without its extension. */
export const nameFromFile = (file: string) => basename(file).replace(/\.[^.]*$/, '');
