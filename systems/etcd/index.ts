/**
 * `etcd`: a Raft cluster of Debian's etcd 3.4, one member per node (n1…nN), peer URLs on the node IPs,
 * tight heartbeat/election timeouts so faults lead to elections within a second or two. Servers are
 * started through daemon.ts, so kill/pause signal the real process and node-wide hooks (the clock shim)
 * apply. Clients speak the v3 JSON gateway (see http.ts, clients.ts).
 */
import { isRunning, signalDaemon, startDaemon, stopDaemon } from '../../src/cluster/daemon.ts';
import type { NodeRef, RunContext, System, SystemDescriptor } from '../../src/core/index.ts';
import { opt, optionsSchema } from '../../src/core/options.ts';
import type { Remote } from '../../src/core/remote.ts';
import { pollUntil } from '../../src/util/poll.ts';
import { etcdCounterClient, etcdRegisterClient, etcdSetClient } from './clients.ts';
import { CLIENT_PORT, EtcdHttp, PEER_PORT } from './http.ts';

export const ETCD_DAEMON = 'etcd';
export const ETCD_LOG = '/var/log/faultline/etcd.log';
export const ETCD_DATA = '/var/lib/faultline-etcd';

export interface EtcdTuning {
  heartbeatMs: number;
  electionMs: number;
}

function tuning(options: Record<string, unknown>): EtcdTuning {
  return {
    heartbeatMs: Number(options.etcdHeartbeatMs ?? 100),
    electionMs: Number(options.etcdElectionMs ?? 1000),
  };
}

function remoteOf(node: NodeRef): Remote {
  if (!node.remote) throw new Error(`etcd: node ${node.name} has no remote (etcd needs a cluster)`);
  return node.remote;
}

/** The etcd command line for one member of the cluster made of `remotes`. */
export function etcdArgv(
  me: Remote,
  remotes: readonly Pick<Remote, 'name' | 'ip'>[],
  t: EtcdTuning,
): string[] {
  const cluster = remotes.map((r) => `${r.name}=http://${r.ip}:${PEER_PORT}`).join(',');
  return [
    '/usr/bin/etcd',
    '--name',
    me.name,
    '--data-dir',
    `${ETCD_DATA}/${me.name}`,
    '--listen-peer-urls',
    `http://${me.ip}:${PEER_PORT}`,
    '--initial-advertise-peer-urls',
    `http://${me.ip}:${PEER_PORT}`,
    '--listen-client-urls',
    `http://0.0.0.0:${CLIENT_PORT}`,
    '--advertise-client-urls',
    `http://${me.ip}:${CLIENT_PORT}`,
    '--initial-cluster',
    cluster,
    // Ignored once the data dir exists, so a restart after a kill rejoins with the same argv.
    '--initial-cluster-state',
    'new',
    '--initial-cluster-token',
    'faultline',
    '--heartbeat-interval',
    String(t.heartbeatMs),
    '--election-timeout',
    String(t.electionMs),
    '--logger',
    'zap',
  ];
}

/** Waits until the member answers /health with a leader; throws after `timeoutMs`. */
export async function waitHealthy(ip: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const http = new EtcdHttp(ip);
  const r = await pollUntil({ timeoutMs, intervalMs: 100, ...(signal ? { signal } : {}) }, async () => {
    const attempt = AbortSignal.timeout(1000);
    const healthy = await http.healthy(signal ? AbortSignal.any([signal, attempt]) : attempt);
    return healthy ? { done: true, value: true } : { done: false, why: 'no healthy answer' };
  });
  if (!r.done) throw new Error(`etcd on ${ip} not healthy after ${timeoutMs} ms`);
}

export function createEtcdSystem(): System {
  const start = async (test: RunContext, node: NodeRef) => {
    const remote = remoteOf(node);
    if (await isRunning(remote, ETCD_DAEMON)) return;
    const remotes = test.remotes.length ? test.remotes : [remote];
    await startDaemon(remote, {
      name: ETCD_DAEMON,
      argv: etcdArgv(remote, remotes, tuning(test.options)),
      logFile: ETCD_LOG,
    });
  };
  return {
    name: 'etcd',
    needsCluster: true,
    packages: ['etcd-server', 'etcd-client'],
    async setup(test, node) {
      const remote = remoteOf(node);
      await remote.run(['mkdir', '-p', ETCD_DATA, '/var/log/faultline']);
      await remote.run(['rm', '-rf', `${ETCD_DATA}/${node.name}`]);
      await start(test, node);
      // Every member's setup waits for its own health, which needs a quorum: all run in parallel.
      await waitHealthy(remote.ip, 60_000, test.signal);
    },
    async teardown(_test, node) {
      if (node.remote) await stopDaemon(node.remote, ETCD_DAEMON, 2000);
    },
    start,
    async kill(_test, node) {
      await signalDaemon(remoteOf(node), ETCD_DAEMON, 'KILL');
    },
    async pause(_test, node) {
      await signalDaemon(remoteOf(node), ETCD_DAEMON, 'STOP');
    },
    async resume(_test, node) {
      await signalDaemon(remoteOf(node), ETCD_DAEMON, 'CONT');
    },
    logFiles: () => [ETCD_LOG],
    primaries: etcdLeaders,
    version: etcdVersion,
    clients: { register: etcdRegisterClient, set: etcdSetClient, counter: etcdCounterClient },
  };
}

/**
 * The current leader: every member that answers its status within a second and names itself leader; when
 * two claim it (an isolated old leader has not stepped down yet), the one with the highest term wins.
 */
export async function etcdLeaders(test: RunContext): Promise<string[]> {
  const claims = await Promise.all(
    test.remotes.map(async (r) => {
      try {
        const s = await new EtcdHttp(r.ip).status(AbortSignal.timeout(1000));
        return s.memberId && s.memberId === s.leader ? { name: r.name, term: s.raftTerm } : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  const leaders = claims.filter((c) => c !== undefined);
  const top = Math.max(...leaders.map((c) => c.term));
  return leaders.filter((c) => c.term === top).map((c) => c.name);
}

/**
 * The etcd server version as the members report it (GET /version): `etcd 3.4.30`, or the distinct
 * versions joined by `, ` when members differ; undefined when none answers within 5 s.
 */
export async function etcdVersion(test: RunContext): Promise<string | undefined> {
  const answers = await Promise.all(
    test.remotes.map((r) =>
      new EtcdHttp(r.ip).serverVersion(AbortSignal.timeout(5000)).then(
        (v) => v,
        () => undefined,
      ),
    ),
  );
  const versions = [...new Set(answers.filter((v): v is string => v !== undefined))];
  return versions.length ? `etcd ${versions.join(', ')}` : undefined;
}

/** etcd's `--opt` keys: Raft timing and the read mode of the clients (clients.ts). */
export const etcdOptions = optionsSchema({
  etcdHeartbeatMs: opt.int(10, 60_000, 'ms'),
  etcdElectionMs: opt.int(50, 600_000, 'ms'),
  readMode: opt.oneOf(['linearizable', 'serializable']),
});

export const etcdSystem: SystemDescriptor = {
  options: etcdOptions,
  name: 'etcd',
  description:
    'etcd 3.4 Raft cluster (Debian etcd-server); register, set and counter over the v3 JSON gateway',
  modes: ['default'],
  create: () => createEtcdSystem(),
};
