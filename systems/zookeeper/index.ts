/**
 * `zookeeper`: a ZAB ensemble of Debian bookworm's ZooKeeper 3.8, one server per node (n1…nN, myid i),
 * its zoo.cfg and myid written by faultline and the JVM started directly through daemon.ts (not the init
 * script), so kill/pause signal the real server and node-wide hooks (the clock shim) apply. Short ticks
 * (500 ms, syncLimit 4) make a cut-off or paused server notice within about two seconds. Clients hold one
 * session with their own node's server (clients.ts, zk.ts).
 */
import { isRunning, signalDaemon, startDaemon, stopDaemon } from '../../src/cluster/daemon.ts';
import { UserError } from '../../src/core/errors.ts';
import type { NodeRef, RunContext, System, SystemDescriptor } from '../../src/core/index.ts';
import { opt, optionsSchema } from '../../src/core/options.ts';
import type { Remote } from '../../src/core/remote.ts';
import { pollUntil } from '../../src/util/poll.ts';
import { zkRegisterClient, zkSetClient, zkUniqueIdsClient } from './clients.ts';
import { fourLetterWord } from './zk.ts';

export const ZK_DAEMON = 'zookeeper';
export const ZK_DIR = '/var/lib/faultline-zookeeper';
export const ZK_LOG = '/var/log/faultline/zookeeper.log';
const ZK_CONF = `${ZK_DIR}/zoo.cfg`;
/**
 * Debian's class path (its log4j.properties, zookeeper.jar whose manifest names the other jars) plus
 * SLF4J's log4j binding: without it the server logs nothing at all.
 */
const CLASSPATH = [
  '/etc/zookeeper/conf',
  '/usr/share/java/zookeeper.jar',
  '/usr/share/java/slf4j-log4j12.jar',
  '/usr/share/java/log4j-1.2.jar',
].join(':');
/** The smallest ensemble that survives one fault (a majority of 3). */
export const MIN_NODES = 3;

export interface ZkTuning {
  tickMs: number;
  /** Ticks a follower may lag or be silent before the leader drops it (and it drops the leader). */
  syncLimit: number;
}

function tuning(options: Record<string, unknown>): ZkTuning {
  return { tickMs: Number(options.zkTickMs ?? 500), syncLimit: Number(options.zkSyncLimit ?? 4) };
}

function remoteOf(node: NodeRef): Remote {
  if (!node.remote) throw new Error(`zookeeper: node ${node.name} has no remote (zookeeper needs a cluster)`);
  return node.remote;
}

/** zoo.cfg for the ensemble `remotes` (server.i is the i-th node, myid i). */
export function zooCfg(remotes: readonly Pick<Remote, 'ip'>[], t: ZkTuning): string {
  return [
    `tickTime=${t.tickMs}`,
    'initLimit=20',
    `syncLimit=${t.syncLimit}`,
    `dataDir=${ZK_DIR}/data`,
    'clientPort=2181',
    'maxClientCnxns=0',
    // The four-letter words primaries() and version() use; the admin server is not needed.
    '4lw.commands.whitelist=srvr,mntr,ruok',
    'admin.enableServer=false',
    // A quorum member must be in the ensemble, never a standalone server with its own history.
    'standaloneEnabled=false',
    ...remotes.map((r, i) => `server.${i + 1}=${r.ip}:2888:3888`),
    '',
  ].join('\n');
}

/** The server's command line: the JVM running QuorumPeerMain on zoo.cfg, logging to stdout. */
export function zkArgv(): string[] {
  return [
    '/usr/bin/java',
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-Dzookeeper.root.logger=INFO,CONSOLE',
    '-Dzookeeper.log.dir=/var/log/faultline',
    '-cp',
    CLASSPATH,
    'org.apache.zookeeper.server.quorum.QuorumPeerMain',
    ZK_CONF,
  ];
}

/** The `Mode:` a server's srvr answer gives (leader, follower, …), undefined when it does not serve. */
export async function zkMode(ip: string, timeoutMs: number): Promise<string | undefined> {
  const srvr = await fourLetterWord(ip, 'srvr', timeoutMs);
  return srvr ? /^Mode:\s*(\S+)/m.exec(srvr)?.[1] : undefined;
}

/** Waits until the server serves as leader or follower (it is then in a quorum); throws after `timeoutMs`. */
async function waitServing(remote: Remote, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const r = await pollUntil({ timeoutMs, intervalMs: 250, signal }, async () => {
    const mode = await zkMode(remote.ip, 1000);
    return mode === 'leader' || mode === 'follower'
      ? { done: true, value: mode }
      : { done: false, why: mode ? `mode ${mode}` : 'no answer to srvr' };
  });
  if (!r.done)
    throw new Error(`${remote.name}: zookeeper not serving after ${timeoutMs} ms (${r.why}; see ${ZK_LOG})`);
}

export function createZookeeperSystem(): System {
  const start = async (_test: RunContext, node: NodeRef) => {
    const remote = remoteOf(node);
    if (await isRunning(remote, ZK_DAEMON)) return;
    await startDaemon(remote, { name: ZK_DAEMON, argv: zkArgv(), logFile: ZK_LOG });
  };
  const signal = (node: NodeRef, s: 'KILL' | 'STOP' | 'CONT') => signalDaemon(remoteOf(node), ZK_DAEMON, s);
  return {
    name: 'zookeeper',
    needsCluster: true,
    packages: ['zookeeper'],
    async setup(test, node) {
      const remote = remoteOf(node);
      const remotes = test.remotes.length ? test.remotes : [remote];
      validateZookeeper({ nodes: remotes.map((r) => r.name) });
      const myid = remotes.findIndex((r) => r.name === remote.name) + 1;
      await remote.run(['rm', '-rf', `${ZK_DIR}/data`]);
      await remote.run(['mkdir', '-p', `${ZK_DIR}/data`, '/var/log/faultline']);
      await remote.upload(ZK_CONF, zooCfg(remotes, tuning(test.options)));
      await remote.upload(`${ZK_DIR}/data/myid`, `${myid}\n`);
      await start(test, node);
      // Every server waits for a quorum, which needs the others: all nodes' setups run in parallel.
      await waitServing(remote, 90_000, test.signal);
    },
    async teardown(_test, node) {
      if (node.remote) await stopDaemon(node.remote, ZK_DAEMON, 2000);
    },
    start,
    async kill(_test, node) {
      await signal(node, 'KILL');
    },
    async pause(_test, node) {
      await signal(node, 'STOP');
    },
    async resume(_test, node) {
      await signal(node, 'CONT');
    },
    logFiles: () => [ZK_LOG],
    primaries: zkLeaders,
    version: zkVersion,
    clients: { register: zkRegisterClient, set: zkSetClient, 'unique-ids': zkUniqueIdsClient },
  };
}

/**
 * The leader: every server that answers `srvr` within a second with `Mode: leader`. A cut-off old leader
 * stops serving (it loses its quorum after syncLimit ticks), so two claims are rare and brief.
 */
export async function zkLeaders(test: RunContext): Promise<string[]> {
  const modes = await Promise.all(test.remotes.map((r) => zkMode(r.ip, 1000)));
  return test.remotes.filter((_, i) => modes[i] === 'leader').map((r) => r.name);
}

/**
 * The server version as the servers report it (`srvr`: "Zookeeper version: 3.8.0-…, built on …"):
 * `zookeeper 3.8.0-…`, or the distinct versions joined by `, `; undefined when none answers within 5 s.
 */
export async function zkVersion(test: RunContext): Promise<string | undefined> {
  const answers = await Promise.all(test.remotes.map((r) => fourLetterWord(r.ip, 'srvr', 5000)));
  return versionFromSrvr(answers);
}

/** `zookeeper <version>` from servers' srvr answers (undefined: no answer), distinct versions joined. */
export function versionFromSrvr(answers: readonly (string | undefined)[]): string | undefined {
  // Debian's build leaves the git id unexpanded (`3.8.0-${mvngit.commit.id}`): drop that placeholder.
  const versions = answers.map((a) =>
    a ? /^Zookeeper version:\s*([^,\s]+)/m.exec(a)?.[1]?.replace(/-\$\{[^}]*\}$/, '') : undefined,
  );
  const distinct = [...new Set(versions.filter((v): v is string => v !== undefined))];
  return distinct.length ? `zookeeper ${distinct.join(', ')}` : undefined;
}

/** ZooKeeper's `--opt` keys: ZAB timing, and sync before reads (clients.ts). */
export const zookeeperOptions = optionsSchema({
  zkTickMs: opt.int(50, 60_000, 'ms'),
  zkSyncLimit: opt.int(1, 1000),
  syncReads: opt.bool(),
});

/**
 * Checks the node count before anything is provisioned (the descriptor's `validate`; setup calls it too):
 * fewer than 3 nodes leave no quorum that survives a fault. Throws a one-line UserError (exit 254).
 */
export function validateZookeeper(test: { nodes: readonly string[] }): void {
  if (test.nodes.length < MIN_NODES)
    throw new UserError(
      `zookeeper needs at least ${MIN_NODES} nodes for a quorum that survives a fault (got ${test.nodes.length}): use --nodes n1,n2,n3`,
    );
}

export const zookeeperSystem: SystemDescriptor = {
  validate: validateZookeeper,
  options: zookeeperOptions,
  name: 'zookeeper',
  description:
    'ZooKeeper 3.8 ZAB ensemble (Debian zookeeper), 3+ nodes; register (cas by znode version, sync reads), set, unique-ids',
  modes: ['default'],
  create: () => createZookeeperSystem(),
};

/**
 * A partitionGrudge (JSON, nemeses/partition.ts) that cuts n1 off from n2…nN: a follower, since n1
 * never leads a fresh ensemble (ZooKeeper elects the highest server id among equally recent ones), so
 * the majority keeps writing while n1's clients read what n1 has.
 */
export function isolateN1Grudge(nodeCount: number): string {
  const others = Array.from({ length: nodeCount - 1 }, (_, i) => `n${i + 2}`);
  return JSON.stringify({ n1: others, ...Object.fromEntries(others.map((n) => [n, ['n1']])) });
}
