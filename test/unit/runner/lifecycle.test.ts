/**
 * runTest's verdict rules on the in-process memory system, with nemeses and clusters made in the test
 * (the real run code; only the fault injector and the cluster are stand-ins, because the memory system
 * has nothing to fault): a nemesis op that is not `ok` fails the run whatever its error text, a node
 * lost mid-run is recorded as an unplanned nemesis event and fails the run, and a lost backend stops it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sequenceGenerator } from '../../../nemeses/schedule.ts';
import type { Completion, Nemesis, NemesisPackage } from '../../../src/core/index.ts';
import type { Op } from '../../../src/core/op.ts';
import type { Cluster, ClusterEvent, Remote } from '../../../src/core/remote.ts';
import { pairOps } from '../../../src/history/pairs.ts';
import { resolveTest } from '../../../src/registry.ts';
import { NODE_LOST, namedNodes, nemesisFailures } from '../../../src/runner/lifecycle.ts';
import { runTest } from '../../../src/runner/run.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'faultline-lifecycle-unit-'));

function memoryTest() {
  const r = resolveTest({
    system: 'memory',
    workload: 'set',
    nemesis: 'none',
    nodes: ['a1', 'a2', 'a3'],
    timeLimit: 1,
    rate: 200,
    recoveryTime: 0,
    resultsDir: dir(),
  });
  return r;
}

/** A nemesis that answers each op with the given completion (the op's f picks it). */
function scripted(answers: Record<string, Completion>, ops: { f: string; value: unknown }[]): NemesisPackage {
  const nemesis: Nemesis = {
    name: 'scripted',
    fs: Object.keys(answers),
    invoke: async (_t, op) => answers[op.f] ?? { type: 'ok' },
  };
  return { nemesis, generator: sequenceGenerator(ops) };
}

describe('nemesis ops that are not ok fail the run, whatever the error says', () => {
  it.each<[string, Completion]>([
    ['info with any text', { type: 'info', error: 'node a1 has no remote' }],
    ['fail', { type: 'fail', error: 'bad target' }],
    ['info with the structured fault field', { type: 'info', error: 'x', fault: 'not-in-effect' }],
    ['ok flagged heal-failed', { type: 'ok', fault: 'heal-failed' }],
  ])('%s → exit 255', async (_what, answer) => {
    const r = memoryTest();
    const out = await runTest(r.test, {
      system: r.system,
      workload: r.workload,
      nemesis: scripted({ 'start-x': answer }, [{ f: 'start-x', value: { nodes: ['a1'] } }]),
    });
    expect(out.exitCode).toBe(255);
    expect(out.error).toMatch(/nemesis: 1 fault op\(s\) did not complete ok; first: #\d+ start-x/);
    const done = out.history.find((o) => o.f === 'start-x' && o.type !== 'invoke')!;
    if (answer.fault) expect(done.fault).toBe(answer.fault);
  });

  it('all ok → the verdict decides (exit 0)', async () => {
    const r = memoryTest();
    const out = await runTest(r.test, {
      system: r.system,
      workload: r.workload,
      nemesis: scripted({ 'start-x': { type: 'ok' } }, [{ f: 'start-x', value: { nodes: ['a1'] } }]),
    });
    expect(out.error).toBeUndefined();
    expect(out.exitCode).toBe(0);
  });
});

/** A cluster with no machines behind it: remotes that do nothing, and a watch the test drives. */
function fakeCluster(names: readonly string[]) {
  let emit: ((e: ClusterEvent) => void) | undefined;
  let unwatched = false;
  const cluster: Cluster = {
    runId: 'fake-run-1',
    async provision(spec) {
      const ns = spec.names ?? [];
      expect(ns).toEqual(names);
      return ns.map((name) => ({ name, ip: '127.0.0.1' }) as unknown as Remote);
    },
    collect: async () => [],
    destroy: async () => [],
    watch(on) {
      emit = on;
      return () => {
        unwatched = true;
      };
    },
  };
  return { cluster, fire: (e: ClusterEvent) => emit?.(e), unwatched: () => unwatched };
}

function clusterMemory() {
  const r = memoryTest();
  return { ...r, system: { ...r.system, needsCluster: true } };
}

describe('a node lost mid-run', () => {
  it('is recorded as a node-lost event, later faults naming it are not ok, exit 255', async () => {
    const r = clusterMemory();
    const fake = fakeCluster(['a1', 'a2', 'a3']);
    // The nemesis "loses" a2 from inside its first op (while that op is open), then faults a2 and a3.
    let fired = false;
    const nemesis: Nemesis = {
      name: 'scripted',
      fs: ['start-x', 'stop-x'],
      async invoke(_t, op) {
        if (!fired) {
          fired = true;
          fake.fire({ kind: 'node-lost', node: 'a2', detail: 'its container was removed, not by faultline' });
        }
        return { type: 'ok', value: op.value };
      },
    };
    const out = await runTest(r.test, {
      system: r.system,
      workload: r.workload,
      cluster: fake.cluster,
      nemesis: {
        nemesis,
        generator: sequenceGenerator([
          { f: 'start-x', value: { nodes: ['a1'] } },
          { f: 'stop-x', value: null },
          { f: 'start-x', value: { grudge: { a2: ['a3'] } } },
          { f: 'start-x', value: { nodes: ['a3'] } },
        ]),
      },
    });
    expect(out.exitCode).toBe(255);
    expect(out.error).toMatch(/node a2 lost during running at [\d.]+ s \(its container was removed/);
    const h = out.history;
    expect(pairOps(h).problems).toEqual([]);
    expect(h.map((o) => o.index)).toEqual(h.map((_, i) => i));
    const lostAt = h.findIndex((o) => o.f === NODE_LOST);
    // Recorded after the open nemesis op completed, as an invoke + info pair.
    expect(h[lostAt - 1]).toMatchObject({ process: 'nemesis', f: 'start-x', type: 'ok' });
    expect(h[lostAt]).toMatchObject({ type: 'invoke', process: 'nemesis', value: { nodes: ['a2'] } });
    expect(h[lostAt + 1]).toMatchObject({
      type: 'info',
      f: NODE_LOST,
      error: expect.stringMatching(/a2 lost/),
    });
    const after = h.slice(lostAt + 2).filter((o) => o.process === 'nemesis' && o.type !== 'invoke');
    expect(after.map((o) => [o.type, o.fault])).toEqual([
      ['ok', undefined], // stop-x names no node
      ['info', 'not-in-effect'], // the grudge names a2
      ['ok', undefined], // a3 only
    ]);
    expect(fake.unwatched()).toBe(true);
  });

  it('after the final reads (teardown): recorded, but the verdict stands', async () => {
    const r = clusterMemory();
    const fake = fakeCluster(['a1', 'a2', 'a3']);
    const system = {
      ...r.system,
      async teardown() {
        fake.fire({ kind: 'node-lost', node: 'a3', detail: 'its container died (exit 137)' });
      },
    };
    const out = await runTest(r.test, { system, workload: r.workload, cluster: fake.cluster });
    expect(out.error).toBeUndefined();
    expect(out.exitCode).toBe(0);
    expect(out.history.filter((o) => o.f === NODE_LOST)).toHaveLength(2);
  });

  it('the backend going away stops the run at once and names the clean command', async () => {
    const r = clusterMemory();
    const fake = fakeCluster(['a1', 'a2', 'a3']);
    const test = { ...r.test, timeLimit: 60 };
    setTimeout(
      () => fake.fire({ kind: 'engine-lost', detail: 'the Docker engine went away (ECONNREFUSED)' }),
      300,
    );
    const t0 = performance.now();
    const out = await runTest(test, { system: r.system, workload: r.workload, cluster: fake.cluster });
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(out.exitCode).toBe(255);
    expect(out.error).toMatch(/Docker engine went away .*faultline clean --run-id fake-run-1/);
    expect(pairOps(out.history).problems).toEqual([]);
  });
});

describe('pure helpers', () => {
  const op = (o: Partial<Op>): Op => ({
    index: 0,
    time: 0,
    type: 'ok',
    process: 'nemesis',
    f: 'x',
    value: null,
    ...o,
  });
  it('nemesisFailures: every non-ok nemesis completion except unplanned events and no-target faults', () => {
    const h = [
      op({ type: 'invoke' }),
      op({ type: 'ok' }),
      op({ type: 'fail' }),
      op({ type: 'info' }),
      op({ type: 'ok', fault: 'heal-failed' }),
      op({ type: 'info', f: NODE_LOST }),
      op({ type: 'info', process: 3 }),
      // A fault on the primaries while other faults hold a majority down: nothing to aim at.
      op({ type: 'fail', fault: 'no-target', error: 'no primaries known' }),
      op({ type: 'fail', fault: 'not-in-effect' }),
    ];
    expect(nemesisFailures(h).map((o) => h.indexOf(o))).toEqual([2, 3, 4, 8]);
  });
  it('namedNodes finds names as values and as grudge keys, nowhere else', () => {
    expect(namedNodes([{ grudge: { a2: ['a3'] } }], ['a2', 'a9'])).toEqual(['a2']);
    expect(namedNodes([{ nodes: ['a1', 'a3'] }, 'all'], ['a3', 'a1'])).toEqual(['a1', 'a3']);
    expect(namedNodes([{ topology: 'a2x' }, null, 5], ['a2'])).toEqual([]);
  });
});
