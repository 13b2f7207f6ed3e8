/**
 * `postgres`: Debian bookworm's PostgreSQL 15 (package postgresql-15) on Docker nodes, run as the
 * postgres user through daemon.ts (so kill/pause hit the real processes and the clock shim applies).
 * - `--mode single`: one node; txns at `--opt isolation=read-committed|repeatable-read|serializable`
 *   (default serializable).
 * - `--mode replica`: n1 is the primary, every other node a streaming-replication hot standby cloned
 *   with pg_basebackup (asynchronous: commits do not wait for standbys). There is no failover: n1 stays
 *   the primary, and `primaries` reports it. Writes go to the primary; read-only txns go to the primary
 *   or, with `--opt readFrom=standby`, to a standby (the client's own node when it is one), where
 *   PostgreSQL allows at most REPEATABLE READ, which is what they run at.
 * Clients are the SQL txn layer's (systems/sql) with the PostgreSQL dialect (dialect.ts).
 */
import { isRunning, startDaemon } from '../../src/cluster/daemon.ts';
import { UserError } from '../../src/core/errors.ts';
import type { NodeRef, RunContext, System, SystemDescriptor } from '../../src/core/index.ts';
import { opt, optionsSchema } from '../../src/core/options.ts';
import type { Remote } from '../../src/core/remote.ts';
import { pollUntil } from '../../src/util/poll.ts';
import { type SqlRole, type SqlTarget, sqlClientFactory } from '../sql/client.ts';
import { type Isolation, isolationOf } from '../sql/dialect.ts';
import { prepareSchema, SQL_WORKLOADS } from '../sql/txn.ts';
import { connectPostgres, queryOnce } from './connection.ts';
import { postgresDialect } from './dialect.ts';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const PG_ROOT = '/var/lib/faultline-postgres';
export const PG_DATA = `${PG_ROOT}/data`;
export const PG_LOG = '/var/log/faultline/postgres.log';
export const PG_DAEMON = 'postgres';
export const POSTGRES_MODES = ['single', 'replica'] as const;
export type PostgresMode = (typeof POSTGRES_MODES)[number];

/** How long a client waits for a connection, ms (the op's own timeout cuts it shorter). */
const CONNECT_TIMEOUT_MS = 10_000;

/** Where read-only txns go in replica mode. */
export type ReadFrom = 'primary' | 'standby';

function remoteOf(node: NodeRef): Remote {
  if (!node.remote) throw new Error(`postgres: node ${node.name} has no remote (postgres needs a cluster)`);
  return node.remote;
}

/** The nodes a mode needs, as a one-line error or undefined when `nodeCount` fits. */
export function nodeCountProblem(mode: string, nodeCount: number): string | undefined {
  if (mode === 'single' && nodeCount !== 1)
    return `postgres --mode single runs on one node, not ${nodeCount}: use --nodes 1 (or --mode replica)`;
  if (mode === 'replica' && nodeCount < 3)
    return `postgres --mode replica needs a primary and at least 2 standbys (3 nodes), not ${nodeCount}: use --nodes 3`;
  return undefined;
}

/** The postgres command line: settings on the command line, so a restart after a kill uses the same. */
export function postgresArgv(): string[] {
  const settings: Record<string, string> = {
    listen_addresses: '*',
    port: '5432',
    unix_socket_directories: '/tmp',
    max_connections: '300',
    wal_level: 'replica',
    max_wal_senders: '10',
    // Enough WAL for a standby cut off for a while to catch up without a new base backup.
    wal_keep_size: '512MB',
    hot_standby: 'on',
    // Standby reads are not cancelled by the replay of conflicting WAL for this long.
    max_standby_streaming_delay: '30s',
    log_min_messages: 'warning',
  };
  return [
    `${PG_BIN}/postgres`,
    '-D',
    PG_DATA,
    ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];
}

/** pg_hba.conf: trust every connection, replication included (test clusters on a private network). */
export const PG_HBA = [
  'local all all trust',
  'host all all 0.0.0.0/0 trust',
  'host replication all 0.0.0.0/0 trust',
  '',
].join('\n');

/** Runs argv as the postgres user on the node. */
const asPostgres = (remote: Remote, argv: string[], timeoutMs = 120_000) =>
  remote.run(['runuser', '-u', 'postgres', '--', ...argv], { timeoutMs });

/** Waits until the server on `ip` answers; with `standby`, until it is in recovery (a hot standby). */
async function waitReady(ip: string, standby: boolean, timeoutMs: number, signal?: AbortSignal) {
  const r = await pollUntil({ timeoutMs, intervalMs: 250, ...(signal ? { signal } : {}) }, async () => {
    try {
      const rows = await queryOnce(ip, 'SELECT pg_is_in_recovery() AS r', 2000);
      const inRecovery = rows[0]?.r === true;
      return inRecovery === standby
        ? { done: true, value: true }
        : { done: false, why: standby ? 'not in recovery' : 'still in recovery' };
    } catch (err) {
      return { done: false, why: (err as Error).message };
    }
  });
  if (!r.done) throw new Error(`postgres on ${ip} not ready after ${timeoutMs} ms (${r.why})`);
}

/** Every process of the postgres user on the node gets `signal` (postmaster and its backends). */
async function signalAll(remote: Remote, signal: 'KILL' | 'STOP' | 'CONT' | 'INT') {
  await remote.exec(['pkill', `-${signal}`, '-u', 'postgres']);
}

/** The isolation level of the primary's txns, from `--opt isolation`. */
function isolationFrom(options: Record<string, unknown>): Isolation {
  return isolationOf(options.isolation);
}

function readFromOf(options: Record<string, unknown>): ReadFrom {
  return options.readFrom === 'standby' ? 'standby' : 'primary';
}

/** Where node `node`'s client sends its txns, per mode and readFrom. */
function target(mode: PostgresMode) {
  return (test: RunContext, node: NodeRef): SqlTarget => {
    const primary = test.remotes[0] ?? remoteOf(node);
    const standbys = test.remotes.slice(1);
    const readFrom = mode === 'replica' ? readFromOf(test.options) : 'primary';
    const standby = standbys.find((r) => r.name === node.name) ?? standbys[0];
    const hostFor = (role: SqlRole) =>
      role === 'read' && readFrom === 'standby' && standby ? standby : primary;
    return {
      connect: (role, signal) => connectPostgres(hostFor(role).ip, CONNECT_TIMEOUT_MS, signal),
      // A hot standby refuses SERIALIZABLE; its snapshot reads are REPEATABLE READ.
      isolation: (role) =>
        role === 'read' && readFrom === 'standby' && standby
          ? 'repeatable-read'
          : isolationFrom(test.options),
    };
  };
}

export function createPostgresSystem(mode: PostgresMode): System {
  const start = async (_test: RunContext, node: NodeRef) => {
    const remote = remoteOf(node);
    if (await isRunning(remote, PG_DAEMON)) return;
    await startDaemon(remote, { name: PG_DAEMON, argv: postgresArgv(), user: 'postgres', logFile: PG_LOG });
  };
  return {
    name: 'postgres',
    needsCluster: true,
    packages: ['postgresql-15'],
    async setup(test, node) {
      const remote = remoteOf(node);
      const problem = nodeCountProblem(mode, test.remotes.length);
      if (problem) throw new UserError(problem);
      const primary = test.remotes[0]!;
      const isPrimary = remote.name === primary.name;
      await signalAll(remote, 'KILL');
      await remote.run(['mkdir', '-p', PG_ROOT, '/var/log/faultline']);
      await remote.run(['rm', '-rf', PG_DATA]);
      await remote.run(['touch', PG_LOG]);
      await remote.run(['chown', 'postgres:postgres', PG_ROOT, PG_LOG]);
      if (isPrimary) {
        await asPostgres(remote, [`${PG_BIN}/initdb`, '-D', PG_DATA, '-U', 'postgres', '--auth=trust', '-N']);
        await remote.run(['sh', '-c', `cat > ${PG_DATA}/pg_hba.conf`], { stdin: PG_HBA });
        await start(test, node);
        await waitReady(remote.ip, false, 60_000, test.signal);
        const c = await connectPostgres(remote.ip, 10_000);
        try {
          await prepareSchema(c, postgresDialect, test.options);
        } finally {
          await c.close().catch(() => c.destroy());
        }
      } else {
        // The primary is being set up in parallel: clone it once it answers.
        await waitReady(primary.ip, false, 120_000, test.signal);
        await asPostgres(remote, [
          `${PG_BIN}/pg_basebackup`,
          '-h',
          primary.ip,
          '-U',
          'postgres',
          '-D',
          PG_DATA,
          '-R',
          '-X',
          'stream',
          '-c',
          'fast',
        ]);
        await start(test, node);
        await waitReady(remote.ip, true, 60_000, test.signal);
      }
    },
    async teardown(_test, node) {
      if (!node.remote) return;
      await signalAll(node.remote, 'CONT');
      await signalAll(node.remote, 'KILL');
      await node.remote.exec(['rm', '-f', `/run/faultline/${PG_DAEMON}.pid`]);
    },
    start,
    // The postmaster and every backend: a backend left running would still answer its client.
    async kill(_test, node) {
      await signalAll(remoteOf(node), 'KILL');
    },
    async pause(_test, node) {
      await signalAll(remoteOf(node), 'STOP');
    },
    async resume(_test, node) {
      await signalAll(remoteOf(node), 'CONT');
    },
    logFiles: () => [PG_LOG],
    // No failover: the primary is n1 by configuration, whether or not it answers now.
    primaries: async (test) => (test.remotes[0] ? [test.remotes[0].name] : []),
    version: postgresVersion,
    clients: Object.fromEntries(
      SQL_WORKLOADS.map((w) => [w, sqlClientFactory(w, postgresDialect, target(mode))]),
    ),
  };
}

/** `PostgreSQL 15.x (…)` as the first node that answers within 5 s reports it (SHOW server_version). */
export async function postgresVersion(test: RunContext): Promise<string | undefined> {
  for (const r of test.remotes) {
    try {
      const rows = await queryOnce(r.ip, 'SHOW server_version', 5000);
      const v = rows[0]?.server_version;
      if (v !== undefined) return `PostgreSQL ${String(v)}`;
    } catch {
      // Try the next node.
    }
  }
  return undefined;
}

/** postgres's `--opt` keys. */
export const postgresOptions = optionsSchema({
  isolation: opt.oneOf(['read-committed', 'repeatable-read', 'serializable']),
  readFrom: opt.oneOf(['primary', 'standby']),
});

export const postgresSystem: SystemDescriptor = {
  name: 'postgres',
  description:
    'PostgreSQL 15 (Debian postgresql-15): one node, or a primary with streaming-replication hot standbys; list-append, rw-register, bank, set, register as SQL txns',
  modes: [...POSTGRES_MODES],
  options: postgresOptions,
  validate({ mode, nodes, options }) {
    const problem = nodeCountProblem(mode, nodes.length);
    if (problem) throw new UserError(problem);
    if (mode === 'single' && options.readFrom === 'standby')
      throw new UserError('postgres --opt readFrom=standby needs --mode replica (single has no standby)');
  },
  create: (mode) => createPostgresSystem(mode as PostgresMode),
};
