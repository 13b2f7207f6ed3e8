/**
 * `nats`: Debian's nats-server 2.9 with JetStream clustering, one server per node (server_name = node
 * name), full-mesh cluster routes, file storage in /var/lib/faultline-nats. Setup creates two R3 streams:
 * `queue` (work-queue retention, one durable pull consumer with explicit acks) and `set` (limits
 * retention). Servers run through daemon.ts, so kill/pause signal the real process. Clients: clients.ts.
 */
import { isRunning, signalDaemon, startDaemon, stopDaemon } from '../../src/cluster/daemon.ts';
import { errorText, UserError } from '../../src/core/errors.ts';
import type { NodeRef, RunContext, System, SystemDescriptor } from '../../src/core/index.ts';
import { opt, optionsSchema } from '../../src/core/options.ts';
import type { Remote } from '../../src/core/remote.ts';
import { pollUntil } from '../../src/util/poll.ts';
import {
  ackWaitMs,
  createStreams,
  jetStreamAnswers,
  natsQueueClient,
  natsSetClient,
  QUEUE_CONSUMER,
  QUEUE_STREAM,
  SET_STREAM,
} from './clients.ts';

export const CLIENT_PORT = 4222;
export const CLUSTER_PORT = 6222;
export const MONITOR_PORT = 8222;
export const NATS_DAEMON = 'nats';
export const NATS_DIR = '/var/lib/faultline-nats';
export const NATS_LOG = '/var/log/faultline/nats.log';
const NATS_CONF = `${NATS_DIR}/nats.conf`;

function remoteOf(node: NodeRef): Remote {
  if (!node.remote) throw new Error(`nats: node ${node.name} has no remote (nats needs a cluster)`);
  return node.remote;
}

/** nats-server.conf for one node of the cluster made of `remotes` (routes to every other node). */
export function natsConf(me: Pick<Remote, 'name'>, remotes: readonly Pick<Remote, 'name' | 'ip'>[]): string {
  const routes = remotes
    .filter((r) => r.name !== me.name)
    .map((r) => `    "nats-route://${r.ip}:${CLUSTER_PORT}"`);
  return [
    `server_name: "${me.name}"`,
    `listen: "0.0.0.0:${CLIENT_PORT}"`,
    `http: "0.0.0.0:${MONITOR_PORT}"`,
    'jetstream {',
    `  store_dir: "${NATS_DIR}/jetstream"`,
    '  max_memory_store: 64MB',
    '  max_file_store: 1GB',
    '}',
    'cluster {',
    '  name: "faultline"',
    `  listen: "0.0.0.0:${CLUSTER_PORT}"`,
    '  routes: [',
    ...routes,
    '  ]',
    '}',
    '',
  ].join('\n');
}

/** GET http://<ip>:8222<path> as JSON, undefined when the server does not answer in `timeoutMs`. */
export async function monitor(ip: string, path: string, timeoutMs = 1500): Promise<unknown> {
  try {
    const r = await fetch(`http://${ip}:${MONITOR_PORT}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    return r.ok ? ((await r.json()) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the node's server says JetStream is healthy (/healthz?js-enabled-only=true). */
async function waitHealthy(remote: Remote, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const r = await pollUntil({ timeoutMs, intervalMs: 250, signal }, async () => {
    const h = (await monitor(remote.ip, '/healthz?js-enabled-only=true')) as { status?: string } | undefined;
    return h?.status === 'ok' ? { done: true, value: true } : { done: false, why: JSON.stringify(h ?? null) };
  });
  if (!r.done) throw new Error(`${remote.name}: nats-server not healthy after ${timeoutMs} ms (${r.why})`);
}

/** The streams are R3: fewer than 3 servers cannot hold them. Throws a one-line UserError. */
export function requireNodes(count: number): void {
  if (count < 3)
    throw new UserError(
      `system nats needs at least 3 nodes for its R3 streams (got ${count}): use --nodes 3`,
    );
}

export function createNatsSystem(): System {
  const start = async (_test: RunContext, node: NodeRef) => {
    const remote = remoteOf(node);
    if (await isRunning(remote, NATS_DAEMON)) return;
    await startDaemon(remote, {
      name: NATS_DAEMON,
      argv: ['/usr/sbin/nats-server', '-c', NATS_CONF],
      logFile: NATS_LOG,
    });
  };
  return {
    name: 'nats',
    needsCluster: true,
    packages: ['nats-server'],
    async setup(test, node) {
      requireNodes(test.remotes.length);
      const remote = remoteOf(node);
      await remote.run(['mkdir', '-p', NATS_DIR, '/var/log/faultline']);
      await remote.upload(NATS_CONF, natsConf(remote, test.remotes));
      await start(test, node);
      await waitHealthy(remote, 60_000, test.signal);
      // One node creates the streams once a meta leader exists (a majority of servers are up).
      if (remote.name !== test.remotes[0]?.name) return;
      const r = await pollUntil({ timeoutMs: 60_000, intervalMs: 500, signal: test.signal }, async () => {
        try {
          await createStreams(
            test.remotes.map((x) => x.ip),
            ackWaitMs(test.options),
          );
          return { done: true, value: true };
        } catch (err) {
          return { done: false, why: errorText(err) };
        }
      });
      if (!r.done) throw new Error(`nats: creating the streams failed for 60 s (${r.why})`);
    },
    async teardown(_test, node) {
      if (node.remote) await stopDaemon(node.remote, NATS_DAEMON, 2000);
    },
    start,
    kill: async (_test, node) => void (await signalDaemon(remoteOf(node), NATS_DAEMON, 'KILL')),
    pause: async (_test, node) => void (await signalDaemon(remoteOf(node), NATS_DAEMON, 'STOP')),
    resume: async (_test, node) => void (await signalDaemon(remoteOf(node), NATS_DAEMON, 'CONT')),
    logFiles: () => [NATS_LOG],
    awaitRecovery: natsAwaitRecovery,
    primaries: natsPrimaries,
    version: natsVersion,
    clients: { queue: natsQueueClient, set: natsSetClient },
  };
}

/**
 * The raft groups (`stream queue`, `stream set`, `consumer queue > workers`) for which no majority of
 * the servers' /jsz views names one leader. Pure; `views` holds one /jsz?accounts=true&streams=true&
 * consumers=true answer per server (undefined: no answer).
 */
export function leaderlessGroups(views: readonly (Jsz | undefined)[]): string[] {
  const quorum = Math.floor(views.length / 2) + 1;
  const agreed = (names: (string | undefined)[]) => {
    const votes = new Map<string, number>();
    for (const n of names) if (n) votes.set(n, (votes.get(n) ?? 0) + 1);
    return [...votes.values()].some((k) => k >= quorum);
  };
  const streams = (v: Jsz | undefined) => v?.account_details?.flatMap((a) => a.stream_detail ?? []) ?? [];
  const groups: [string, (v: Jsz | undefined) => string | undefined][] = [
    [`stream ${QUEUE_STREAM}`, (v) => streams(v).find((x) => x.name === QUEUE_STREAM)?.cluster?.leader],
    [`stream ${SET_STREAM}`, (v) => streams(v).find((x) => x.name === SET_STREAM)?.cluster?.leader],
    [
      `consumer ${QUEUE_STREAM} > ${QUEUE_CONSUMER}`,
      (v) =>
        streams(v)
          .find((x) => x.name === QUEUE_STREAM)
          ?.consumer_detail?.find((c) => c.name === QUEUE_CONSUMER)?.cluster?.leader,
    ],
  ];
  return groups.filter(([, leader]) => !agreed(views.map(leader))).map(([name]) => name);
}

/**
 * Before the final reads/drains: waits until a majority of the servers name one leader for both streams
 * and the queue's consumer (/jsz), and every server answers stream info for both streams and consumer
 * info for the queue's consumer (polled every 500 ms). Consumer info alone is not enough: it was
 * answered 3 s before the consumer's leader was elected, and pulls timed out meanwhile. Throws, with the last reason, when
 * `signal` aborts (the runner's bound, RECOVERY_WAIT_MAX_MS).
 * After all servers restarted, nats-server 2.9 took 4–10 s to elect the consumer's leader (5 s after the
 * restart in one run, the consumer had none yet), longer than the default --recovery-time (2 s) plus one
 * op timeout (5 s): final ops without this wait ended unknown.
 */
export async function natsAwaitRecovery(test: RunContext, signal: AbortSignal): Promise<void> {
  let why = 'not asked yet';
  const t0 = Date.now();
  try {
    await pollUntil({ timeoutMs: Number.POSITIVE_INFINITY, intervalMs: 500, signal }, async () => {
      const views = (await Promise.all(
        test.remotes.map((r) => monitor(r.ip, '/jsz?accounts=true&streams=true&consumers=true', 1500)),
      )) as (Jsz | undefined)[];
      const leaderless = leaderlessGroups(views);
      if (leaderless.length) {
        why = `no leader for ${leaderless.join(', ')}`;
        return { done: false, why };
      }
      const answers = await Promise.all(test.remotes.map((x) => jetStreamAnswers(x.ip)));
      const bad = answers.flatMap((a, i) => (a === undefined ? [] : [`${test.remotes[i]?.name}: ${a}`]));
      why = bad.join('; ');
      return bad.length === 0 ? { done: true, value: true } : { done: false, why };
    });
  } catch {
    throw new Error(`JetStream not answering after ${Date.now() - t0} ms (${why})`);
  }
}

/** The part of nats-server's /jsz answer read here (accounts, streams and consumers detail). */
export interface Jsz {
  meta_cluster?: { leader?: string };
  account_details?: {
    stream_detail?: {
      name: string;
      cluster?: { leader?: string };
      consumer_detail?: { name: string; cluster?: { leader?: string } }[];
    }[];
  }[];
}

/**
 * The leader of the workload's stream (`set` for the set workload, else `queue`) that a majority of
 * servers name in /jsz; the JetStream meta leader when they name no stream leader; none when no majority
 * agrees (a partition, an election).
 */
export async function natsPrimaries(test: RunContext): Promise<string[]> {
  // The System does not see the workload; the test's name (`nats-set`, …) says it.
  const stream = /\bset\b|-set$/.test(test.name) ? SET_STREAM : QUEUE_STREAM;
  const views = (await Promise.all(
    test.remotes.map((r) => monitor(r.ip, '/jsz?accounts=true&streams=true', 1500)),
  )) as (Jsz | undefined)[];
  const vote = (names: (string | undefined)[]) => {
    const votes = new Map<string, number>();
    for (const n of names) if (n) votes.set(n, (votes.get(n) ?? 0) + 1);
    const quorum = Math.floor(test.remotes.length / 2) + 1;
    return [...votes].find(([, k]) => k >= quorum)?.[0];
  };
  const streamLeader = vote(
    views.map(
      (v) =>
        v?.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === stream)?.cluster
          ?.leader,
    ),
  );
  const leader = streamLeader ?? vote(views.map((v) => v?.meta_cluster?.leader));
  return leader && test.nodes.includes(leader) ? [leader] : [];
}

/** The servers' version from /varz (`nats-server 2.9.10`; distinct versions joined by `, `). */
export async function natsVersion(test: RunContext): Promise<string | undefined> {
  const answers = await Promise.all(
    test.remotes.map(
      async (r) => ((await monitor(r.ip, '/varz', 5000)) as { version?: string } | undefined)?.version,
    ),
  );
  const versions = [...new Set(answers.filter((v): v is string => typeof v === 'string'))];
  return versions.length ? `nats-server ${versions.join(', ')}` : undefined;
}

/**
 * NATS's `--opt` keys (clients.ts): the queue consumer's ack wait, Nats-Msg-Id on publishes, how a dequeue
 * whose ack stayed unconfirmed completes, and the drain's time budget.
 */
export const natsOptions = optionsSchema({
  natsAckWaitMs: opt.int(500, 600_000, 'ms'),
  natsMsgId: opt.bool(),
  natsUnconfirmedAck: opt.oneOf(['ok', 'info']),
  natsDrainMs: opt.int(100, 600_000, 'ms'),
});

export const natsSystem: SystemDescriptor = {
  options: natsOptions,
  // Before provisioning (exit 254); setup checks again.
  validate: (test) => requireNodes(test.nodes.length),
  name: 'nats',
  description:
    'NATS JetStream (nats-server 2.9, 3-node cluster, R3 streams); queue (work-queue stream, pull consumer) and set',
  modes: ['default'],
  create: () => createNatsSystem(),
};
