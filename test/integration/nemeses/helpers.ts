/** Shared by the nemesis integration suites: a run context over real nodes and a tiny system of sleepers. */
import { tmpdir } from 'node:os';
import { daemonPid, signalDaemon, startDaemon } from '../../../src/cluster/daemon.ts';
import type { Invocation } from '../../../src/core/generator.ts';
import type { Nemesis, NodeRef, RunContext, System } from '../../../src/core/index.ts';
import type { Remote } from '../../../src/core/remote.ts';
import type { Logger } from '../../../src/util/log.ts';

export interface CapturedLog extends Logger {
  lines: string[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const at = (l: string) => (m: string) => lines.push(`${l} ${m}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function runContext(
  remotes: Remote[],
  options: Record<string, unknown> = {},
  seed = 7,
): RunContext & { log: CapturedLog } {
  return {
    name: 'nemesis-it',
    nodes: remotes.map((r) => r.name),
    remotes,
    concurrency: 1,
    seed,
    mode: undefined,
    options,
    runDir: tmpdir(),
    log: captureLog(),
    signal: new AbortController().signal,
  };
}

let seq = 0;
export function op(f: string, value: unknown): Invocation {
  return { type: 'invoke', process: 'nemesis', time: seq++, f, value };
}

export const invoke = (n: Nemesis, ctx: RunContext, f: string, value: unknown) => n.invoke(ctx, op(f, value));

/** A system whose "server" is a sleep daemon on each node; primaries = n1. */
export function sleeperSystem(): System {
  const start = async (_t: RunContext, node: NodeRef) => {
    await startDaemon(node.remote as Remote, {
      name: 'sut',
      argv: ['/usr/bin/sleep', '1000000'],
      logFile: '/tmp/sut.log',
    });
  };
  return {
    name: 'sleepers',
    needsCluster: true,
    clients: {},
    setup: start,
    async teardown() {},
    start,
    async kill(_t, node) {
      await signalDaemon(node.remote as Remote, 'sut', 'KILL');
    },
    async pause(_t, node) {
      await signalDaemon(node.remote as Remote, 'sut', 'STOP');
    },
    async resume(_t, node) {
      await signalDaemon(node.remote as Remote, 'sut', 'CONT');
    },
    async primaries() {
      return ['n1'];
    },
  };
}

export const sutPid = (r: Remote) => daemonPid(r, 'sut');

/** A one-node etcd on the node (under the clock shim, like every daemon), client port 2379, log /tmp/etcd.log. */
export function startSingleEtcd(r: Remote): Promise<unknown> {
  return startDaemon(r, {
    name: 'etcd',
    argv: [
      '/usr/bin/etcd',
      '--data-dir',
      '/tmp/etcd',
      '--listen-client-urls',
      'http://0.0.0.0:2379',
      '--advertise-client-urls',
      `http://${r.ip}:2379`,
    ],
    logFile: '/tmp/etcd.log',
  });
}
