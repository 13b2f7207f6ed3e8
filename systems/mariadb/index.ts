/**
 * `mariadb`: Debian bookworm's MariaDB 10.11 (mariadbd run as the mysql user through src/cluster/daemon.ts).
 * - `--mode single`: one server on n1; every client connects to it.
 * - `--mode replica`: n1 starts as the primary, the others are async replicas (binlog + GTID,
 *   `MASTER_USE_GTID=slave_pos`). Failover is faultline's own code (failover.ts), run by the `failover`
 *   nemesis family (nemeses/failover.ts), which records each promotion as a nemesis op. Clients always
 *   connect to the primary as that code knows it (a proxy's view, as with MaxScale or ProxySQL).
 * - `--mode galera`: a Galera 4 cluster of 3 or 5 nodes: n1 bootstraps (`--wsrep-new-cluster`), the others
 *   join one after another by rsync state transfer; each client connects to its own node. A restarted node
 *   is waited for a while; at teardown every node is checked (before any is stopped) and each node that is
 *   not Synced in a Primary component is named, with its wsrep state, in the run's teardown problems.
 * `--opt isolation=read-committed|repeatable-read|serializable` (default repeatable-read, MariaDB's).
 */
import { isRunning, signalDaemon, startDaemon, stopDaemon } from '../../src/cluster/daemon.ts';
import { errorText, UserError } from '../../src/core/errors.ts';
import type { NodeRef, RunContext, System, SystemDescriptor } from '../../src/core/index.ts';
import { opt, optionsSchema } from '../../src/core/options.ts';
import type { Remote } from '../../src/core/remote.ts';
import { pollUntil } from '../../src/util/poll.ts';
import { prepareSchema } from '../sql/txn.ts';
import { adminExec, adminQuery, nameValues, slaveStatus } from './admin.ts';
import { mariadbClients } from './clients.ts';
import {
  BASE_DIR,
  CONF_FILE,
  DEFAULT_ISOLATION,
  ISOLATIONS,
  type Isolation,
  LOG_FILE,
  type MariadbMode,
  MODES,
  myCnf,
} from './config.ts';
import { connectMariadb } from './connection.ts';
import { mariadbDialect } from './dialect.ts';
import { changeMasterSql, type FailoverState, failover } from './failover.ts';
import { usersSql } from './schema.ts';

const DAEMON = 'mariadb';
/** How long a restarted Galera node is waited for before the restart returns (it may still rejoin later). */
const REJOIN_WAIT_MS = 30_000;
/** How long teardown waits for every Galera node to be Synced in a Primary component. */
const FINAL_REJOIN_WAIT_MS = 60_000;

/** What a running mariadb system knows across nodes: the mode, isolation, and (replica) the primary. */
export interface MariadbState extends FailoverState {
  mode: MariadbMode;
  isolation: Isolation;
}

/** The isolation level from `--opt isolation`; anything else is a UserError naming the valid ones. */
export function isolationOption(options: Record<string, unknown>): Isolation {
  const v = options.isolation;
  if (v === undefined) return DEFAULT_ISOLATION;
  if (!ISOLATIONS.includes(v as Isolation))
    throw new UserError(
      `mariadb: unknown isolation '${String(v)}': choose one of ${ISOLATIONS.join(', ')} (default ${DEFAULT_ISOLATION})`,
    );
  return v as Isolation;
}

/** Refuses a node count the mode cannot run on (UserError): single 1, galera 3 or 5, replica 2 or more. */
export function checkNodeCount(mode: MariadbMode, n: number): void {
  if (mode === 'single' && n !== 1)
    throw new UserError(`mariadb --mode single runs on one node, not ${n}: use --nodes 1`);
  if (mode === 'galera' && n !== 3 && n !== 5)
    throw new UserError(`mariadb --mode galera needs 3 or 5 nodes, not ${n}: use --nodes 3 or --nodes 5`);
  if (mode === 'replica' && n < 2)
    throw new UserError(`mariadb --mode replica needs at least 2 nodes (a primary and a replica), not ${n}`);
}

function remoteOf(node: NodeRef): Remote {
  if (!node.remote) throw new Error(`mariadb: node ${node.name} has no remote (mariadb needs a cluster)`);
  return node.remote;
}

/** Waits until the server answers on its socket (and, under galera, is Synced in a Primary component). */
async function waitReady(remote: Remote, mode: MariadbMode, timeoutMs: number, signal?: AbortSignal) {
  const r = await pollUntil({ timeoutMs, intervalMs: 300, ...(signal ? { signal } : {}) }, async () => {
    if (mode !== 'galera') {
      const ok = await adminQuery(remote, 'SELECT 1', 2000);
      return ok ? { done: true, value: true } : { done: false, why: 'no answer on its socket' };
    }
    const s = nameValues(
      await adminQuery(
        remote,
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready','wsrep_local_state_comment','wsrep_cluster_status')",
        2000,
      ),
    );
    if (
      s.wsrep_ready === 'ON' &&
      s.wsrep_local_state_comment === 'Synced' &&
      s.wsrep_cluster_status === 'Primary'
    )
      return { done: true, value: true };
    return {
      done: false,
      why: Object.keys(s).length
        ? `wsrep_ready ${s.wsrep_ready}, state ${s.wsrep_local_state_comment}, cluster ${s.wsrep_cluster_status}`
        : 'no answer on its socket',
    };
  });
  if (!r.done)
    throw new Error(`${remote.name}: mariadb not ready after ${timeoutMs} ms (${r.why}; see ${LOG_FILE})`);
}

async function runAdmin(remote: Remote, sql: string, what: string, timeoutMs = 10_000): Promise<void> {
  const r = await adminExec(remote, sql, timeoutMs);
  if (!r.ok) throw new Error(`mariadb ${what} failed: ${r.error}`);
}

export function createMariadbSystem(mode: MariadbMode): System {
  const state: MariadbState = { mode, isolation: DEFAULT_ISOLATION, primary: 'n1', fenced: new Set() };
  let firstReady: Promise<void> | undefined;
  let releaseFirst: (() => void) | undefined;
  let failFirst: ((e: unknown) => void) | undefined;
  let joinChain: Promise<unknown> = Promise.resolve();
  /** Galera nodes that completed setup (teardown checks only those rejoined). */
  const setUp = new Set<string>();
  /** Teardown's one check of every Galera node, shared by the nodes' teardowns (node → problem). */
  let finalCheck: Promise<Map<string, string>> | undefined;

  /** Waits (in parallel, FINAL_REJOIN_WAIT_MS) for every set-up node to be Synced in a Primary component. */
  const rejoinProblems = async (test: RunContext): Promise<Map<string, string>> => {
    const problems = new Map<string, string>();
    if (test.signal.aborted) return problems;
    await Promise.all(
      test.remotes
        .filter((r) => setUp.has(r.name))
        .map((r) =>
          waitReady(r, mode, FINAL_REJOIN_WAIT_MS).catch((err: unknown) => {
            problems.set(r.name, errorText(err));
          }),
        ),
    );
    return problems;
  };

  const launch = async (remote: Remote, bootstrap: boolean) => {
    if (await isRunning(remote, DAEMON)) return;
    await startDaemon(remote, {
      name: DAEMON,
      argv: [
        '/usr/sbin/mariadbd',
        `--defaults-file=${CONF_FILE}`,
        ...(bootstrap ? ['--wsrep-new-cluster'] : []),
      ],
      logFile: LOG_FILE,
      user: 'mysql',
    });
  };

  const system: System & { failover?(test: RunContext): ReturnType<typeof failover> } = {
    name: 'mariadb',
    needsCluster: true,
    packages: ['mariadb-server', 'mariadb-client', 'galera-4', 'rsync', 'lsof'],
    async setup(test, node) {
      const remote = remoteOf(node);
      state.isolation = isolationOption(test.options);
      checkNodeCount(mode, test.remotes.length);
      if (!firstReady)
        firstReady = new Promise<void>((res, rej) => {
          releaseFirst = res;
          failFirst = rej;
        });
      const index = test.remotes.findIndex((r) => r.name === remote.name);
      const first = index === 0;
      if (mode === 'single' && !first) return; // one server, on n1
      await remote.run(['mkdir', '-p', BASE_DIR, '/var/log/faultline', '/run/mysqld']);
      await remote.upload(
        CONF_FILE,
        myCnf({
          mode,
          serverId: index + 1,
          name: remote.name,
          ip: remote.ip,
          clusterIps: test.remotes.map((r) => r.ip),
          isolation: state.isolation,
        }),
      );
      await remote.run(['touch', LOG_FILE]);
      await remote.run(['chown', '-R', 'mysql:mysql', BASE_DIR, '/run/mysqld', LOG_FILE]);
      await remote.run(
        ['mariadb-install-db', `--defaults-file=${CONF_FILE}`, '--user=mysql', '--skip-test-db'],
        { timeoutMs: 120_000 },
      );
      try {
        if (first) {
          await launch(remote, mode === 'galera');
          await waitReady(remote, mode, 90_000, test.signal);
          await runAdmin(remote, usersSql(), 'creating the database and users');
          if (mode === 'replica') await runAdmin(remote, 'SET GLOBAL read_only = OFF', 'opening the primary');
          const conn = await connectMariadb(remote.ip, 10_000, test.signal);
          try {
            await prepareSchema(conn, mariadbDialect, test.options);
          } finally {
            await conn.close();
          }
          releaseFirst?.();
          setUp.add(remote.name);
          return;
        }
      } catch (err) {
        failFirst?.(err);
        throw err;
      }
      await firstReady;
      const primary = test.remotes[0]!;
      if (mode === 'replica') {
        await launch(remote, false);
        await waitReady(remote, mode, 90_000, test.signal);
        await runAdmin(remote, `${changeMasterSql(primary.ip)}; START SLAVE`, 'starting replication');
        const r = await pollUntil({ timeoutMs: 60_000, intervalMs: 300, signal: test.signal }, async () => {
          const s = await slaveStatus(remote);
          const tables = await adminQuery(remote, "SHOW TABLES FROM faultline LIKE 'fl_sets'");
          return s?.Slave_IO_Running === 'Yes' && s.Slave_SQL_Running === 'Yes' && tables?.length
            ? { done: true, value: true }
            : {
                done: false,
                why: `IO ${s?.Slave_IO_Running} SQL ${s?.Slave_SQL_Running} ${s?.Last_Error ?? ''}`,
              };
        });
        if (!r.done) throw new Error(`${remote.name}: replica did not catch up with n1 (${r.why})`);
        return;
      }
      // galera: joiners one at a time, so n1 donates one state transfer at a time.
      const join = joinChain.then(async () => {
        await launch(remote, false);
        await waitReady(remote, mode, 180_000, test.signal);
      });
      joinChain = join.catch(() => {});
      await join;
      setUp.add(remote.name);
    },
    async teardown(test, node) {
      if (!node.remote) return;
      // Galera: a node that never rejoined (after the heal and the recovery time) is a run problem,
      // named in the run's teardown problems, not hidden behind a valid verdict.
      // The runner tears nodes down in parallel: every node is checked before any daemon is stopped,
      // since a joiner still receiving its state transfer loses its donor and its Primary component
      // when the others shut down (seen: n2 left 'Initialized, non-Primary' by n1 and n3 stopping).
      // Every node that did not rejoin throws the same message naming all of them, so the runner's
      // first rejection (Promise.all over the nodes) reports each one.
      let problem: string | undefined;
      if (mode === 'galera' && setUp.has(node.name)) {
        finalCheck ??= rejoinProblems(test);
        const problems = await finalCheck;
        if (problems.has(node.name))
          problem = `did not rejoin the Galera cluster: ${[...problems.values()].join('; ')}`;
      }
      await stopDaemon(node.remote, DAEMON, 10_000);
      if (problem) throw new Error(problem);
    },
    async start(test, node) {
      const remote = remoteOf(node);
      if (mode === 'single' && remote.name !== test.remotes[0]?.name) return;
      await launch(remote, false);
      if (mode === 'galera') {
        // A restarted node rejoins by IST/SST, but only once it reaches a Primary component: a partition
        // still in place (the kill family heals before the partition family) keeps it out. So wait a
        // while, then leave it: teardown checks that every node did rejoin and reports any that did not.
        try {
          await waitReady(remote, mode, REJOIN_WAIT_MS);
        } catch (err) {
          test.log.warn(`mariadb: ${errorText(err)}; checked again at teardown`);
        }
        return;
      }
      await waitReady(remote, mode, 60_000);
      if (mode === 'replica' && remote.name === state.primary && !state.fenced.has(remote.name))
        await runAdmin(remote, 'SET GLOBAL read_only = OFF', 'reopening the primary');
    },
    kill: async (_test, node) => {
      await signalDaemon(remoteOf(node), DAEMON, 'KILL');
    },
    pause: async (_test, node) => {
      await signalDaemon(remoteOf(node), DAEMON, 'STOP');
    },
    resume: async (_test, node) => {
      await signalDaemon(remoteOf(node), DAEMON, 'CONT');
    },
    logFiles: () => [LOG_FILE, CONF_FILE],
    async primaries(test) {
      if (mode === 'galera') return []; // every node takes writes: no leader
      if (mode === 'single') return test.nodes.slice(0, 1);
      return [state.primary];
    },
    async version(test) {
      const first = test.remotes[0];
      if (!first) return undefined;
      const rows = await adminQuery(first, 'SELECT VERSION()', 5000);
      const v = rows?.[0]?.[0];
      return v ? `mariadb ${v}` : undefined;
    },
    // Only replica mode has a primary to fail over (the failover nemesis refuses the other modes).
    ...(mode === 'replica' ? { failover: (test: RunContext) => failover(test, state) } : {}),
    clients: mariadbClients(state),
  };
  return system;
}

/** MariaDB's `--opt` keys. */
export const mariadbOptions = optionsSchema({
  isolation: opt.oneOf(['read-committed', 'repeatable-read', 'serializable']),
});

export const mariadbSystem: SystemDescriptor = {
  name: 'mariadb',
  description:
    'MariaDB 10.11: single server, async GTID replicas with faultline-driven failover, or a Galera 4 cluster; list-append, rw-register, bank, set, register',
  modes: [...MODES],
  options: mariadbOptions,
  validate({ mode, nodes, options }) {
    checkNodeCount(mode as MariadbMode, nodes.length);
    isolationOption(options);
  },
  create: (mode) => createMariadbSystem(mode as MariadbMode),
};
