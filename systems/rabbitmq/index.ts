/**
 * `rabbitmq`: Debian's RabbitMQ 3.10 (Erlang/OTP 25), every node joined into one cluster.
 *
 * Nodes are named by IP with Erlang long names (`rabbit@<ip>`, RABBITMQ_USE_LONGNAME), so they reach
 * each other without any name resolution; they share one Erlang cookie (in $HOME of the server and
 * of rabbitmqctl). n1 starts alone; every other node starts, then `stop_app`, `reset`, `join_cluster
 * rabbit@<n1>`, `start_app`, one node at a time (concurrent joins abort each other's schema merge).
 * `cluster_partition_handling = pause_minority`: a node that sees itself in a minority stops serving (closes its clients' connections) until it rejoins a majority, so a healed
 * cluster is one cluster again without an operator (the default, `ignore`, leaves it split until a
 * restart; `autoheal` restarts the losing side and throws away what it accepted). The Erlang
 * distribution tick is shortened (net_ticktime, `--opt rabbitNetTicktimeS`) so a cut is noticed
 * within seconds instead of a minute.
 *
 * Modes: `quorum` (a quorum queue: Raft, one replica per node) and `classic` (a durable classic
 * queue with persistent messages, hosted on n1, not mirrored). The queue is declared once after the
 * cluster formed; clients never declare it (clients.ts). The server runs as a daemon (beam.smp itself:
 * RUNNING_UNDER_SYSTEMD makes the start script exec instead of supervising), so kill/pause signal
 * the broker process.
 */
import amqp from 'amqplib';
import { isRunning, signalDaemon, startDaemon, stopDaemon } from '../../src/cluster/daemon.ts';
import { errorText, UserError } from '../../src/core/errors.ts';
import type { NodeRef, RunContext, System, SystemDescriptor } from '../../src/core/index.ts';
import { opt, optionsSchema } from '../../src/core/options.ts';
import type { Remote } from '../../src/core/remote.ts';
import { pollUntil } from '../../src/util/poll.ts';
import { amqpUrl, rabbitQueueClient } from './clients.ts';

export const AMQP_PORT = 5672;
export const RABBIT_DIR = '/var/lib/faultline-rabbitmq';
export const RABBIT_LOG_DIR = '/var/log/faultline';
export const RABBIT_STDOUT = `${RABBIT_LOG_DIR}/rabbitmq.out`;
const CONF = `${RABBIT_DIR}/rabbitmq.conf`;
const CTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
/** A fixed cookie: every node of a run must share it, and the nodes are private to the run. */
const COOKIE = 'FAULTLINERABBITMQCOOKIE';

/** The queue each mode uses (its name says its type, so a run's logs are unambiguous). */
export const QUEUE_MODES = ['quorum', 'classic'] as const;
export type QueueMode = (typeof QUEUE_MODES)[number];
export const queueName = (mode: QueueMode): string => `faultline-${mode}`;

/** The Erlang node name of a host: long names by IP. */
export const nodeName = (ip: string): string => `rabbit@${ip}`;

function remoteOf(node: NodeRef): Remote {
  if (!node.remote) throw new Error(`rabbitmq: node ${node.name} has no remote (rabbitmq needs a cluster)`);
  return node.remote;
}

/** rabbitmq.conf: guest may log in from other hosts; pause_minority (see the module doc). */
export function rabbitConf(): string {
  return [
    `listeners.tcp.default = ${AMQP_PORT}`,
    'loopback_users = none',
    'cluster_partition_handling = pause_minority',
    // A full disk would block publishers: the nodes are small containers, so never trip the alarm.
    'disk_free_limit.absolute = 1',
    '',
  ].join('\n');
}

/** The environment of the server and of rabbitmqctl on a node (paths, long names, cookie in HOME). */
export function rabbitEnv(ip: string, netTicktimeS: number): Record<string, string> {
  return {
    HOME: RABBIT_DIR,
    RABBITMQ_USE_LONGNAME: 'true',
    RABBITMQ_NODENAME: nodeName(ip),
    RABBITMQ_MNESIA_BASE: `${RABBIT_DIR}/mnesia`,
    RABBITMQ_LOG_BASE: RABBIT_LOG_DIR,
    RABBITMQ_CONFIG_FILE: CONF,
    RABBITMQ_ENABLED_PLUGINS_FILE: `${RABBIT_DIR}/enabled_plugins`,
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-kernel net_ticktime ${netTicktimeS}`,
    // Makes rabbitmq-server exec the VM instead of supervising it from a shell (the pid is beam's).
    RUNNING_UNDER_SYSTEMD: 'true',
  };
}

const netTicktimeS = (test: RunContext): number => Number(test.options.rabbitNetTicktimeS ?? 4);

/** Runs rabbitmqctl on the node against its own broker; undefined on failure or timeout. */
export async function rabbitmqctl(
  test: RunContext,
  remote: Remote,
  args: string[],
  timeoutMs = 15_000,
): Promise<string | undefined> {
  const r = await remote.exec([CTL, '-n', nodeName(remote.ip), ...args], {
    env: rabbitEnv(remote.ip, netTicktimeS(test)),
    timeoutMs,
  });
  return r.exitCode === 0 && !r.timedOut ? r.stdout.trim() : undefined;
}

/** The running cluster members as `node`'s broker sees them (cluster_status JSON). */
async function runningNodes(test: RunContext, remote: Remote): Promise<string[] | undefined> {
  const out = await rabbitmqctl(test, remote, ['cluster_status', '--formatter', 'json'], 15_000);
  if (!out) return undefined;
  try {
    const j = JSON.parse(out) as { running_nodes?: string[] };
    return j.running_nodes ?? [];
  } catch {
    return undefined;
  }
}

/** Waits (up to `timeoutMs`) until the node's broker runs: await_startup fails at once while the VM boots. */
async function awaitBooted(test: RunContext, remote: Remote, timeoutMs = 180_000): Promise<void> {
  const r = await pollUntil({ timeoutMs, intervalMs: 1000, signal: test.signal }, async () => {
    const out = await rabbitmqctl(test, remote, ['await_startup', '--timeout', '20'], 30_000);
    return out !== undefined ? { done: true, value: true } : { done: false, why: 'not started' };
  });
  if (!r.done)
    throw new Error(
      `${remote.name}: rabbitmq did not start within ${timeoutMs / 1000} s (see ${RABBIT_STDOUT})`,
    );
}

/** Runs rabbitmqctl; the first lines of its complaint when it fails, undefined when it succeeds. */
async function ctlTry(test: RunContext, remote: Remote, args: string[], timeoutMs: number) {
  const r = await remote.exec([CTL, '-n', nodeName(remote.ip), ...args], {
    env: rabbitEnv(remote.ip, netTicktimeS(test)),
    timeoutMs,
  });
  if (r.exitCode === 0 && !r.timedOut) return undefined;
  const why = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(0, 2).join(' ');
  return `${args[0]}: ${r.timedOut ? 'timed out' : why || `exit ${r.exitCode}`}`;
}

/**
 * Joins `remote`'s broker to `first`'s cluster: stop_app, reset, join_cluster, start_app, the whole
 * sequence tried again (≤ 300 s) when a step fails. n1 may still be booting; and on a loaded machine
 * a join cut short by a timeout leaves a half-made schema (start_app: `cannot_create_schema,
 * has_no_disc`) that only a reset clears. Throws a one-line error naming the node and the last failure.
 */
async function joinCluster(test: RunContext, remote: Remote, first: Remote): Promise<void> {
  const r = await pollUntil({ timeoutMs: 300_000, intervalMs: 2000, signal: test.signal }, async () => {
    const stop = await ctlTry(test, remote, ['stop_app'], 120_000);
    if (stop) return { done: false, why: stop };
    if (await ctlTry(test, remote, ['reset'], 120_000)) await ctlTry(test, remote, ['force_reset'], 120_000);
    const join = await ctlTry(test, remote, ['join_cluster', nodeName(first.ip)], 180_000);
    const start = await ctlTry(test, remote, ['start_app'], 180_000);
    const why = join ?? start;
    return why ? { done: false, why } : { done: true, value: true };
  });
  if (!r.done) throw new Error(`${remote.name}: joining ${nodeName(first.ip)} failed: ${r.why}`);
}

async function startRabbit(test: RunContext, node: NodeRef): Promise<void> {
  const remote = remoteOf(node);
  if (await isRunning(remote, 'rabbitmq')) return;
  await startDaemon(remote, {
    name: 'rabbitmq',
    argv: [SERVER],
    env: rabbitEnv(remote.ip, netTicktimeS(test)),
    cwd: RABBIT_DIR,
    logFile: RABBIT_STDOUT,
  });
}

/**
 * How long (ms) a heal's `start` waits by default (`--opt rabbitStartWaitS`, 0 = not at all) for the
 * broker to finish booting before it returns anyway. A
 * broker whose peers are up boots in 5–8 s here (15 s under heavy load); one that was not the last
 * node down waits for its peers' Mnesia tables (10 × 30 s) and cannot finish while they are cut off
 * or down. Waiting longer would only push the fault schedule past the run's time limit.
 */
export const START_BOOT_WAIT_MS = 20_000;

/**
 * Why a broker has not finished booting, read from its log since it was started (`logSinceStart`,
 * RabbitMQ 3.10's rabbit_table:wait lines): waiting for its peers' Mnesia tables when the last
 * "Waiting for Mnesia tables" has no "Successfully synced tables" after it (naming the cluster's nodes
 * when an "Error while waiting" lists them); undefined when the log shows no such wait.
 */
export function bootStall(logSinceStart: string): string | undefined {
  const lines = logSinceStart.split('\n');
  let waitAt = -1;
  let syncedAt = -1;
  lines.forEach((l, i) => {
    if (l.includes('Waiting for Mnesia tables')) waitAt = i;
    if (l.includes('Successfully synced tables')) syncedAt = i;
  });
  if (waitAt < 0 || syncedAt > waitAt) return undefined;
  const retries = /(\d+) retries left/.exec(lines[waitAt]!)?.[1];
  // The error spans lines (Erlang's pretty printer); its node list of quoted atoms ends at `']` (each
  // line's `[warning]` prefix has brackets too).
  const before = lines.slice(0, waitAt + 1).join('\n');
  const err = before.lastIndexOf('timeout_waiting_for_tables');
  const nodes =
    err < 0
      ? undefined
      : before
          .slice(err, before.indexOf("']", err) + 1)
          .match(/rabbit@[\w.-]+/g)
          ?.join(', ');
  return `waiting for its peers' Mnesia tables${nodes ? ` (cluster nodes: ${nodes})` : ''}${retries ? `, ${retries} retries of 30 s left` : ''}: it was not the last node down and cannot finish booting until they are reachable`;
}

/** The boot wait of a heal's start in ms: `--opt rabbitStartWaitS`, else START_BOOT_WAIT_MS. */
export const startWaitMs = (test: Pick<RunContext, 'options'>): number =>
  test.options.rabbitStartWaitS === undefined
    ? START_BOOT_WAIT_MS
    : Number(test.options.rabbitStartWaitS) * 1000;

/** The bytes in a node's file (0 when missing): where its new log lines begin. */
async function fileSize(remote: Remote, path: string): Promise<number> {
  const r = await remote.exec(['sh', '-c', `wc -c < ${path} 2>/dev/null || echo 0`], { timeoutMs: 10_000 });
  return Number.parseInt(r.stdout.trim(), 10) || 0;
}

/**
 * A heal's start: runs the broker (startDaemon) and waits up to startWaitMs for its boot
 * (`rabbitmqctl await_startup`, each try bounded by the time left). Not booted by then is no failed
 * start: the process runs and goes on booting, and the final drain waits for its node; a warning says
 * why (bootStall on the log written since the start). Returns whether the broker finished booting.
 */
export async function startAndWait(test: RunContext, node: NodeRef): Promise<boolean> {
  const remote = remoteOf(node);
  const log = `${RABBIT_LOG_DIR}/${nodeName(remote.ip)}.log`;
  const from = await fileSize(remote, log);
  const waitMs = startWaitMs(test);
  const t0 = performance.now();
  await startRabbit(test, node);
  if (waitMs === 0) return false;
  const booted = await pollUntil({ timeoutMs: waitMs, intervalMs: 1000, signal: test.signal }, async () => {
    const leftMs = waitMs - (performance.now() - t0);
    const tryS = Math.max(1, Math.min(5, Math.floor(leftMs / 1000) - 1));
    const out = await rabbitmqctl(
      test,
      remote,
      ['await_startup', '--timeout', String(tryS)],
      (tryS + 3) * 1000,
    );
    return out !== undefined ? { done: true, value: true } : { done: false, why: 'not booted' };
  });
  if (booted.done) return true;
  const tail = await remote.exec(['sh', '-c', `tail -c +${from + 1} ${log} 2>/dev/null | tail -n 200`], {
    timeoutMs: 10_000,
  });
  const why = bootStall(tail.stdout) ?? `still starting (see ${log})`;
  test.log.warn(
    `rabbitmq start ${node.name}: the broker runs but has not finished booting after ${waitMs / 1000} s, ${why}; it goes on booting (the final drain waits for its node)`,
  );
  return false;
}

/** Declares the mode's queue through n1 (durable; quorum: one replica per cluster node). */
async function declareQueue(test: RunContext, mode: QueueMode): Promise<void> {
  const first = test.remotes[0]!;
  const conn = await amqp.connect(amqpUrl(first.ip), { timeout: 10_000 });
  conn.on('error', () => {});
  try {
    const ch = await conn.createChannel();
    await ch.assertQueue(queueName(mode), {
      durable: true,
      ...(mode === 'quorum' ? { arguments: { 'x-queue-type': 'quorum' } } : {}),
    });
    await ch.close();
  } finally {
    await conn.close().catch(() => {});
  }
}

/**
 * Checks a test's shape before anything runs: `--mode quorum` needs ≥ 3 nodes (a quorum queue on fewer
 * tolerates no failure). Throws a one-line UserError (exit 254). The descriptor's `validate` hook (before
 * provisioning); setup calls it too.
 */
export function validateRabbitmq(test: { mode: string; nodes: readonly string[] }): void {
  if (test.mode === 'quorum' && test.nodes.length < 3)
    throw new UserError(
      `rabbitmq --mode quorum needs at least 3 nodes (a quorum queue on ${test.nodes.length} tolerates no failure): use --nodes 3 or more`,
    );
}

export function createRabbitSystem(mode: QueueMode): System {
  return {
    name: 'rabbitmq',
    needsCluster: true,
    packages: ['rabbitmq-server'],
    async setup(test, node) {
      const remote = remoteOf(node);
      validateRabbitmq({ mode, nodes: test.nodes });
      const first = test.remotes[0]!;
      await remote.run(['mkdir', '-p', RABBIT_DIR, RABBIT_LOG_DIR]);
      await remote.upload(CONF, rabbitConf());
      await remote.upload(`${RABBIT_DIR}/enabled_plugins`, '[].\n');
      await remote.upload(`${RABBIT_DIR}/.erlang.cookie`, COOKIE, 0o400);
      await startRabbit(test, node);
      await awaitBooted(test, remote);
      const all = test.remotes.map((r) => nodeName(r.ip));
      if (remote.name !== first.name) {
        // One join at a time: nodes joining together under load abort each other's Mnesia schema merge
        // (`combine_error, schema`), leaving a node that never starts.
        const before = test.remotes.slice(1, test.remotes.indexOf(remote)).map((r) => nodeName(r.ip));
        const turn = await pollUntil(
          { timeoutMs: 300_000, intervalMs: 1000, signal: test.signal },
          async () => {
            const running = await runningNodes(test, first);
            const waiting = before.filter((n) => !running?.includes(n));
            return waiting.length === 0
              ? { done: true, value: true }
              : { done: false, why: `waiting for ${waiting.join(', ')} to join first` };
          },
        );
        if (!turn.done) throw new Error(`${remote.name}: ${turn.why}`);
        await joinCluster(test, remote, first);
      } else {
        // n1 declares the queue once every node runs in its cluster (a quorum queue's members are fixed
        // at declaration: the cluster's nodes then).
        const formed = await pollUntil(
          { timeoutMs: 420_000, intervalMs: 1000, signal: test.signal },
          async () => {
            const running = await runningNodes(test, remote);
            const missing = all.filter((n) => !running?.includes(n));
            return missing.length === 0
              ? { done: true, value: true }
              : { done: false, why: running ? `not yet running: ${missing.join(', ')}` : 'no answer' };
          },
        );
        if (!formed.done) throw new Error(`rabbitmq: the cluster did not form within 420 s (${formed.why})`);
        await declareQueue(test, mode);
      }
    },
    async teardown(_test, node) {
      if (!node.remote) return;
      await stopDaemon(node.remote, 'rabbitmq', 3000);
    },
    // The heal: the broker process runs again; its boot is waited for only START_BOOT_WAIT_MS (see
    // startAndWait), so a node that cannot finish booting (its peers cut off) never stalls the schedule.
    async start(test, node) {
      await startAndWait(test, node);
    },
    kill: async (_test, node) => {
      await signalDaemon(remoteOf(node), 'rabbitmq', 'KILL');
    },
    pause: async (_test, node) => {
      await signalDaemon(remoteOf(node), 'rabbitmq', 'STOP');
    },
    resume: async (_test, node) => {
      await signalDaemon(remoteOf(node), 'rabbitmq', 'CONT');
    },
    logFiles: (_test, node) => [RABBIT_STDOUT, `${RABBIT_LOG_DIR}/${nodeName(remoteOf(node).ip)}.log`],
    primaries: (test) => rabbitPrimaries(test, mode),
    version: rabbitVersion,
    clients: { queue: rabbitQueueClient(mode) },
  };
}

/**
 * The holder of the mode's queue in `list_queues name leader pid` table output (tab-separated): a quorum
 * queue's leader column; a classic queue's home node, read from its pid (`<rabbit@10.0.0.2.170….0>`:
 * classic queues have no leader column value). Undefined when the queue is not listed.
 */
export function queueHolder(table: string, mode: QueueMode): string | undefined {
  for (const line of table.split('\n')) {
    const [name, leader, pid] = line.split('\t');
    if (name !== queueName(mode)) continue;
    if (mode === 'quorum') return leader?.trim() || undefined;
    return /^<(rabbit@\d+\.\d+\.\d+\.\d+)\./.exec(pid?.trim() ?? '')?.[1];
  }
  return undefined;
}

/**
 * The node holding the queue: a quorum queue's Raft leader, a classic queue's home node, as a majority
 * of the brokers report it (`rabbitmqctl list_queues name leader pid`); none when they disagree or
 * too few answer (a paused or cut-off broker does not).
 */
export async function rabbitPrimaries(test: RunContext, mode: QueueMode): Promise<string[]> {
  const answers = await Promise.all(
    test.remotes.map(async (r) => {
      const out = await rabbitmqctl(
        test,
        r,
        ['list_queues', 'name', 'leader', 'pid', '--quiet', '--no-table-headers', '--timeout', '5'],
        8000,
      );
      return out === undefined ? undefined : queueHolder(out, mode);
    }),
  );
  const votes = new Map<string, number>();
  for (const a of answers) if (a) votes.set(a, (votes.get(a) ?? 0) + 1);
  const quorum = Math.floor(test.remotes.length / 2) + 1;
  const winner = [...votes].find(([, n]) => n >= quorum)?.[0];
  const node = test.remotes.find((r) => nodeName(r.ip) === winner);
  return node ? [node.name] : [];
}

/**
 * The broker version as the servers announce it in the AMQP handshake (server properties `product`
 * and `version`): `RabbitMQ 3.10.8`, distinct versions joined by `, `; undefined when none answers.
 */
export async function rabbitVersion(test: RunContext): Promise<string | undefined> {
  const answers = await Promise.all(
    test.remotes.map(async (r) => {
      try {
        const conn = await amqp.connect(amqpUrl(r.ip), { timeout: 5000 });
        conn.on('error', () => {});
        const props = (conn as unknown as { connection: { serverProperties?: Record<string, unknown> } })
          .connection.serverProperties;
        await conn.close().catch(() => {});
        return props?.version ? `${String(props.product ?? 'RabbitMQ')} ${String(props.version)}` : undefined;
      } catch (err) {
        test.log.debug(`rabbitmq version from ${r.name}: ${errorText(err)}`);
        return undefined;
      }
    }),
  );
  const versions = [...new Set(answers.filter((v): v is string => v !== undefined))];
  return versions.length ? versions.join(', ') : undefined;
}

/**
 * RabbitMQ's `--opt` keys: the Erlang distribution tick (how fast a cut is noticed); how long a heal's
 * start waits for the broker's boot (0: returns once the process runs).
 */
export const rabbitOptions = optionsSchema({
  rabbitNetTicktimeS: opt.int(1, 120, 's'),
  rabbitStartWaitS: opt.int(0, 300, 's'),
});

export const rabbitmqSystem: SystemDescriptor = {
  validate: validateRabbitmq,
  options: rabbitOptions,
  name: 'rabbitmq',
  description:
    'RabbitMQ 3.10 cluster (pause_minority); queue against a quorum queue (Raft) or a classic durable queue',
  modes: [...QUEUE_MODES],
  create: (mode) => createRabbitSystem(mode as QueueMode),
};
