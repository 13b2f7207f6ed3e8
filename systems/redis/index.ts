/**
 * `redis`: Debian's Redis 7 with asynchronous primary/replica replication and a Sentinel on every node.
 * n1 starts as the primary, the others replicate it; sentinels (quorum: a majority) fail over after
 * 1 s of silence (failover-timeout 5 s). kill/pause/resume/start act on the node's redis-server and its
 * sentinel together, as a node-level process fault. Clients connect through the sentinels (clients.ts).
 */
import { isRunning, signalDaemon, startDaemon, stopDaemon } from '../../src/cluster/daemon.ts';
import type { NodeRef, RunContext, System, SystemDescriptor } from '../../src/core/index.ts';
import { opt, optionsSchema } from '../../src/core/options.ts';
import type { Remote } from '../../src/core/remote.ts';
import { pollUntil } from '../../src/util/poll.ts';
import { redisCounterClient, redisRegisterClient, redisSetClient } from './clients.ts';

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;
export const MASTER_NAME = 'faultline';
export const REDIS_DIR = '/var/lib/faultline-redis';
export const REDIS_LOG = '/var/log/faultline/redis.log';
export const SENTINEL_LOG = '/var/log/faultline/sentinel.log';
const REDIS_CONF = `${REDIS_DIR}/redis.conf`;
const SENTINEL_CONF = `${REDIS_DIR}/sentinel.conf`;

export interface RedisTuning {
  downAfterMs: number;
  failoverTimeoutMs: number;
}

function tuning(options: Record<string, unknown>): RedisTuning {
  return {
    downAfterMs: Number(options.redisDownAfterMs ?? 1000),
    failoverTimeoutMs: Number(options.redisFailoverTimeoutMs ?? 5000),
  };
}

function remoteOf(node: NodeRef): Remote {
  if (!node.remote) throw new Error(`redis: node ${node.name} has no remote (redis needs a cluster)`);
  return node.remote;
}

/** redis.conf; written where the server may rewrite it (sentinel reconfigures replicas with CONFIG REWRITE). */
export function redisConf(primaryIp: string | undefined): string {
  return [
    'bind 0.0.0.0',
    `port ${REDIS_PORT}`,
    'protected-mode no',
    'daemonize no',
    'logfile ""',
    `dir ${REDIS_DIR}`,
    // Persistence on, as in production: a restarted primary must not come back empty and wipe its replicas.
    'appendonly yes',
    'appendfsync everysec',
    'save ""',
    'repl-diskless-sync yes',
    'repl-diskless-sync-delay 0',
    'replica-read-only yes',
    ...(primaryIp ? [`replicaof ${primaryIp} ${REDIS_PORT}`] : []),
    '',
  ].join('\n');
}

export function sentinelConf(primaryIp: string, quorum: number, t: RedisTuning): string {
  return [
    `port ${SENTINEL_PORT}`,
    'bind 0.0.0.0',
    'protected-mode no',
    'daemonize no',
    'logfile ""',
    `dir ${REDIS_DIR}`,
    `sentinel monitor ${MASTER_NAME} ${primaryIp} ${REDIS_PORT} ${quorum}`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${t.downAfterMs}`,
    `sentinel failover-timeout ${MASTER_NAME} ${t.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${MASTER_NAME} 1`,
    '',
  ].join('\n');
}

async function cli(
  remote: Remote,
  port: number,
  args: string[],
  timeoutMs = 2000,
): Promise<string | undefined> {
  const r = await remote.exec(['redis-cli', '-p', String(port), ...args], { timeoutMs });
  return r.exitCode === 0 && !r.timedOut ? r.stdout.trim() : undefined;
}

/** Waits for the node's server (and link to the primary) and its sentinel's quorum. */
async function waitReady(
  remote: Remote,
  replica: boolean,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const r = await pollUntil({ timeoutMs, intervalMs: 200, signal }, async () => {
    const info = await cli(remote, REDIS_PORT, ['info', 'replication']);
    const linkUp = info !== undefined && (!replica || /master_link_status:up/.test(info));
    const quorum = await cli(remote, SENTINEL_PORT, ['sentinel', 'ckquorum', MASTER_NAME]);
    if (linkUp && quorum?.startsWith('OK')) return { done: true, value: true };
    const why = !linkUp
      ? `redis: ${info ? 'replica link down' : 'no answer'}`
      : `sentinel: ${quorum ?? 'no answer'}`;
    return { done: false, why };
  });
  if (!r.done) throw new Error(`${remote.name}: redis not ready after ${timeoutMs} ms (${r.why})`);
}

export function createRedisSystem(): System {
  const startRedis = async (_test: RunContext, node: NodeRef) => {
    const remote = remoteOf(node);
    if (!(await isRunning(remote, 'redis'))) {
      await startDaemon(remote, {
        name: 'redis',
        argv: ['/usr/bin/redis-server', REDIS_CONF],
        logFile: REDIS_LOG,
      });
    }
    if (!(await isRunning(remote, 'sentinel'))) {
      // Sentinel rewrites its config with what it learnt, so a restarted one resumes with the current view.
      await startDaemon(remote, {
        name: 'sentinel',
        argv: ['/usr/bin/redis-server', SENTINEL_CONF, '--sentinel'],
        logFile: SENTINEL_LOG,
      });
    }
  };
  const signalAll = async (node: NodeRef, signal: 'KILL' | 'STOP' | 'CONT') => {
    const remote = remoteOf(node);
    await signalDaemon(remote, 'redis', signal);
    await signalDaemon(remote, 'sentinel', signal);
  };
  return {
    name: 'redis',
    needsCluster: true,
    packages: ['redis-server', 'redis-sentinel', 'redis-tools'],
    async setup(test, node) {
      const remote = remoteOf(node);
      const primary = test.remotes[0] ?? remote;
      const replica = primary.name !== remote.name;
      const quorum = Math.floor(Math.max(1, test.remotes.length) / 2) + 1;
      await remote.run(['mkdir', '-p', REDIS_DIR, '/var/log/faultline']);
      await remote.upload(REDIS_CONF, redisConf(replica ? primary.ip : undefined));
      await remote.upload(SENTINEL_CONF, sentinelConf(primary.ip, quorum, tuning(test.options)));
      await startRedis(test, node);
      await waitReady(remote, replica, 60_000, test.signal);
    },
    async teardown(_test, node) {
      if (!node.remote) return;
      await stopDaemon(node.remote, 'sentinel', 2000);
      await stopDaemon(node.remote, 'redis', 2000);
    },
    start: startRedis,
    kill: (_test, node) => signalAll(node, 'KILL'),
    pause: (_test, node) => signalAll(node, 'STOP'),
    resume: (_test, node) => signalAll(node, 'CONT'),
    logFiles: () => [REDIS_LOG, SENTINEL_LOG],
    primaries: redisPrimaries,
    version: redisVersion,
    clients: { register: redisRegisterClient, set: redisSetClient, counter: redisCounterClient },
  };
}

/** The primary a quorum (majority) of sentinels names; none when they disagree or too few answer. */
export async function redisPrimaries(test: RunContext): Promise<string[]> {
  const answers = await Promise.all(
    test.remotes.map((r) =>
      cli(r, SENTINEL_PORT, ['sentinel', 'get-master-addr-by-name', MASTER_NAME], 1500),
    ),
  );
  const votes = new Map<string, number>();
  for (const a of answers) {
    const ip = a?.split('\n')[0]?.trim();
    if (ip) votes.set(ip, (votes.get(ip) ?? 0) + 1);
  }
  const quorum = Math.floor(test.remotes.length / 2) + 1;
  const winner = [...votes].find(([, n]) => n >= quorum)?.[0];
  const node = test.remotes.find((r) => r.ip === winner);
  return node ? [node.name] : [];
}

/**
 * The Redis server version as the servers report it (`INFO server`, field redis_version): `redis 7.0.15`,
 * or the distinct versions joined by `, ` when nodes differ; undefined when none answers.
 */
export async function redisVersion(test: RunContext): Promise<string | undefined> {
  const answers = await Promise.all(
    test.remotes.map(async (r) => {
      const info = await cli(r, REDIS_PORT, ['info', 'server'], 5000);
      return info ? /^redis_version:(\S+)/m.exec(info)?.[1] : undefined;
    }),
  );
  const versions = [...new Set(answers.filter((v): v is string => v !== undefined))];
  return versions.length ? `redis ${versions.join(', ')}` : undefined;
}

/** Redis's `--opt` keys: Sentinel timing, and WAIT replicas after each write (clients.ts). */
export const redisOptions = optionsSchema({
  redisDownAfterMs: opt.int(100, 600_000, 'ms'),
  redisFailoverTimeoutMs: opt.int(100, 3_600_000, 'ms'),
  redisWait: opt.int(0, 256),
});

export const redisSystem: SystemDescriptor = {
  options: redisOptions,
  name: 'redis',
  description:
    'Redis 7 primary/replicas (async replication) with Sentinel failover; register, set and counter',
  modes: ['default'],
  create: () => createRedisSystem(),
};
