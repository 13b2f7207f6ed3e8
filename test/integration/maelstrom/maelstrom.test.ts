/**
 * Maelstrom nodes on real Docker nodes (hostroot, 3 nodes) under real faults, through the declarative
 * system files of examples/maelstrom/ (`--system examples/maelstrom/<x>.json`):
 * - leader-kv (JavaScript, one leader serialises, state saved before answering) is linearizable under
 *   partitions (2 of 2 runs), and its g-set loses nothing under kills, pauses and partitions;
 * - its txn-list-append is strict-serializable under partitions and kills (Elle);
 * - local-kv (Python, local reads, async replication) is caught not linearizable under partitions
 *   (in at least 2 of up to 4 runs; stops once 2 did), and its txn-list-append is caught too (1 of up
 *   to 3: divergent replicas order appends differently, so it shows in every run seen so far).
 * And pause and kill reach the whole process group: the shim and the node binary it runs; a plain
 * (non-Maelstrom) program gets its placeholders, environment, data folder and TCP readiness check.
 * Runs share the reference designs' harness (repeat: a run ending `unknown` on a starved machine is
 * replaced, at most twice).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DockerCluster } from '../../../src/cluster/docker/index.ts';
import type { RunContext } from '../../../src/core/index.ts';
import type { Remote } from '../../../src/core/remote.ts';
import { declarativeSystem } from '../../../systems/declarative/index.ts';
import { findSystem } from '../../../systems/index.ts';
import { requireDocker } from '../engine.ts';
import { explain, gate, repeat, type Scenario } from '../reference/harness.ts';

const hasDocker = await requireDocker();
const resultsDir = mkdtempSync(join(tmpdir(), 'fl-maelstrom-'));
let failed = false;
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});
afterAll(() => {
  if (!failed && process.env.FAULTLINE_KEEP_RESULTS !== '1')
    rmSync(resultsDir, { recursive: true, force: true });
});

const file = (f: string) => new URL(`../../../examples/maelstrom/${f}`, import.meta.url).pathname;
const base = { nodes: 3, rate: 100, recoveryTime: 2, opTimeout: 5, checkerTimeLimit: 60 } as const;

const SCENARIOS: (Scenario & { tries: number; need: number })[] = [
  {
    label: 'leader-kv lin-kv under partitions: linearizable',
    expect: true,
    tries: 2,
    need: 2,
    def: {
      ...base,
      system: file('leader-kv.json'),
      workload: 'register',
      nemesis: ['partition'],
      timeLimit: 10,
      nemesisInterval: 3,
    },
  },
  {
    label: 'leader-kv g-set under kill, pause, partition: nothing lost',
    expect: true,
    tries: 1,
    need: 1,
    def: {
      ...base,
      system: file('leader-kv.json'),
      workload: 'set',
      nemesis: ['kill', 'pause', 'partition'],
      timeLimit: 10,
      nemesisInterval: 3,
    },
  },
  {
    label: 'leader-kv txn-list-append under partitions and kills: strict-serializable',
    expect: true,
    tries: 1,
    need: 1,
    def: {
      ...base,
      system: file('leader-kv.json'),
      workload: 'list-append',
      nemesis: ['partition', 'kill'],
      timeLimit: 10,
      nemesisInterval: 3,
    },
  },
  {
    label: 'local-kv txn-list-append under partitions: anomalies caught',
    expect: false,
    tries: 3,
    need: 1,
    def: {
      ...base,
      system: file('local-kv.json'),
      workload: 'list-append',
      nemesis: ['partition'],
      timeLimit: 10,
      nemesisInterval: 3,
    },
  },
  {
    label: 'local-kv lin-kv under partitions: stale reads caught',
    expect: false,
    tries: 4,
    need: 2,
    def: {
      ...base,
      system: file('local-kv.json'),
      workload: 'register',
      nemesis: ['partition'],
      timeLimit: 10,
      nemesisInterval: 3,
    },
  },
];

/** A run context for calling a system's setup/kill/start/teardown directly on `remotes`. */
const contextFor = (remotes: Remote[]): RunContext => ({
  name: 'maelstrom-direct',
  nodes: remotes.map((r) => r.name),
  remotes,
  concurrency: 1,
  seed: 1,
  mode: 'default',
  options: {},
  runDir: resultsDir,
  log: { debug() {}, info() {}, warn() {}, error() {} },
  signal: new AbortController().signal,
});

const slot = gate(Number(process.env.FAULTLINE_REFERENCE_PARALLEL ?? 2));

describe.skipIf(!hasDocker).concurrent('declarative systems and Maelstrom nodes on Docker (hostroot)', () => {
  for (const s of SCENARIOS) {
    it(s.label, async () => {
      const { runs, hits } = await slot(() => repeat(s, resultsDir, { tries: s.tries, need: s.need }));
      const lines = runs.map(explain).join('\n');
      for (const r of runs) expect(r.outcome.error, lines).toBeUndefined();
      expect(hits, lines).toBeGreaterThanOrEqual(s.need);
    }, 600_000);
  }

  it('a plain program: placeholders, env, data folder, TCP readiness, kill and restart', async ({
    expect,
  }) => {
    // A shell that records its environment in the data folder, then becomes Python's HTTP server on {ip}:{port}.
    const system = declarativeSystem({
      name: 'web',
      packages: ['python3'],
      start: [
        '/bin/sh',
        '-c',
        'echo "$WHO" > {dataDir}/who && exec /usr/bin/python3 -m http.server {port} --bind {ip} --directory {dataDir}',
      ],
      env: { WHO: '{node} of {nodes}' },
      port: 8123,
      ready: { tcp: 8123, timeoutS: 30 },
      version: ['/usr/bin/python3', '--version'],
    }).create('default');
    const cluster = new DockerCluster({ flavour: 'hostroot', packages: system.packages ?? [] });
    try {
      const remotes = await slot(() => cluster.provision({ count: 2 }));
      const test = contextFor(remotes);
      const [n1] = remotes.map((remote) => ({ name: remote.name, remote }));
      const get = async (path: string) => {
        try {
          const r = await fetch(`http://${n1!.remote.ip}:8123${path}`, { signal: AbortSignal.timeout(2000) });
          return (await r.text()).trim();
        } catch {
          return 'unreachable';
        }
      };
      await system.setup(test, n1!);
      expect(await get('/who')).toBe('n1 of n1,n2');
      await system.kill?.(test, n1!);
      await expect.poll(() => get('/who'), { timeout: 10_000 }).toBe('unreachable');
      await system.start?.(test, n1!);
      expect(await get('/who')).toBe('n1 of n1,n2');
      await system.teardown(test, n1!);
      expect(await get('/who')).toBe('unreachable');
      expect(system.logFiles?.(test, n1!)).toEqual(['/var/log/faultline/web.log']);
    } finally {
      await cluster.destroy();
    }
  }, 300_000);

  // Concurrent tests take `expect` from their context (expect.poll needs it).
  it('pause and kill reach the node binary too, and a start brings both back', async ({ expect }) => {
    const system = findSystem(file('local-kv.json')).create('default');
    const cluster = new DockerCluster({ flavour: 'hostroot', packages: system.packages ?? [] });
    try {
      const remotes = await slot(() => cluster.provision({ count: 1 }));
      const remote = remotes[0]!;
      const test = contextFor(remotes);
      const node = { name: remote.name, remote };
      // "<state> <args>" of the shim and the Python node.
      const programs = async () =>
        (await remote.run(['ps', '-eo', 'stat=,args=']))
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l.includes('shim.mjs') || l.includes('local-kv.py'));
      const states = async () => (await programs()).map((l) => l[0]);
      await system.setup(test, node);
      expect(await programs()).toHaveLength(2);
      expect(await system.version?.(test)).toMatch(/^Python 3\./);
      // Pause stops both (a STOP of the shim alone would leave the Python node running: state S).
      await system.pause?.(test, node);
      await expect.poll(states, { timeout: 10_000 }).toEqual(['T', 'T']);
      await system.resume?.(test, node);
      await expect.poll(states, { timeout: 10_000 }).not.toContain('T');
      await system.kill?.(test, node);
      await expect.poll(programs, { timeout: 10_000 }).toEqual([]);
      await system.start?.(test, node);
      expect(await programs()).toHaveLength(2);
      await system.teardown(test, node);
      await expect.poll(programs, { timeout: 10_000 }).toEqual([]);
    } finally {
      await cluster.destroy();
    }
  }, 300_000);

  it('a program that exits at start fails setup at once, with its exit and last words', async ({
    expect,
  }) => {
    const boom = ['/bin/sh', '-c', 'echo boom >&2; exit 3'];
    const plain = declarativeSystem({ name: 'boom', start: boom, port: 8124, ready: { tcp: 8124 } }).create(
      'default',
    );
    const shimmed = declarativeSystem({ name: 'mboom', protocol: 'maelstrom', start: boom }).create(
      'default',
    );
    const packages = [...new Set([...(plain.packages ?? []), ...(shimmed.packages ?? [])])];
    const cluster = new DockerCluster({ flavour: 'hostroot', packages });
    try {
      const remotes = await slot(() => cluster.provision({ count: 1 }));
      const test = contextFor(remotes);
      const node = { name: remotes[0]!.name, remote: remotes[0]! };
      // Without the check each would wait the whole 60 s ready timeout, then say "not accepting connections".
      const logCopy = (name: string) => join(resultsDir, 'nodes', node.name, `var/log/faultline/${name}.log`);
      await expect(shimmed.setup(test, node)).rejects.toThrow(
        `mboom on ${node.name} (see ${logCopy('mboom')}): the node program exited with code 3: boom`,
      );
      await expect(plain.setup(test, node)).rejects.toThrow(
        `boom on ${node.name} (see ${logCopy('boom')}): the program exited: boom`,
      );
    } finally {
      await cluster.destroy();
    }
  }, 300_000);
});
