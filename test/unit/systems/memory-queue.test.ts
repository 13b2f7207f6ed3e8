/**
 * End to end, no Docker: the queue, unique-ids and long-fork workloads on the memory system through the
 * whole pipeline (generator → workers → journal → checkers), honest and in the modes that break each
 * checker's property: lost-writes loses acknowledged enqueues, duplicated-adds redelivers elements and
 * repeats ids, read-committed lets reads of a group disagree on the order of inserts (long fork).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TotalQueueResult } from '../../../checkers/total-queue.ts';
import type { ResolvedTest } from '../../../src/config/define.ts';
import type { CheckResult } from '../../../src/core/checker.ts';
import { UserError } from '../../../src/core/errors.ts';
import type { WorkloadDescriptor } from '../../../src/core/index.ts';
import { resolveTest } from '../../../src/registry.ts';
import { runTest } from '../../../src/runner/run.ts';
import { memorySystem } from '../../../systems/memory/index.ts';
import { longForkWorkloadDescriptor } from '../../../workloads/long-fork.ts';
import { queueWorkloadDescriptor } from '../../../workloads/queue.ts';
import { uniqueIdsWorkloadDescriptor } from '../../../workloads/unique-ids.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const NODES = ['n1', 'n2', 'n3'];

/** One run of `timeLimitS` seconds, `concurrency` threads, no rate limit; returns the outcome and each checker's result. */
async function run(
  wl: WorkloadDescriptor,
  mode: string,
  options: Record<string, unknown> = {},
  timeLimitS = 1,
  seed = 18,
  concurrency = 6,
) {
  const resultsDir = mkdtempSync(join(tmpdir(), 'fl-memory-queue-'));
  dirs.push(resultsDir);
  const test: ResolvedTest = {
    name: `memory-${wl.name}-${mode}`,
    system: 'memory',
    mode,
    workload: wl.name,
    nemesis: [],
    nodes: NODES,
    concurrency,
    timeLimit: timeLimitS,
    rate: 0,
    seed,
    recoveryTime: 0,
    opTimeout: 5,
    nemesisTimeout: 120,
    nemesisInterval: 5,
    checkerTimeLimit: 60,
    checkerMemoryLimit: undefined,
    resultsDir,
    options,
  };
  const workload = wl.create({ concurrency, nodes: NODES, rate: 0, options });
  const out = await runTest(test, { system: memorySystem.create(mode), workload });
  const results = (out.results as unknown as { results: Record<string, CheckResult> }).results;
  return { out, results };
}

const TIMEOUT_MS = 120_000;

describe('queue on the memory system', () => {
  it(
    'honest: total-queue and FIFO linearizability valid; one drain per node at the end',
    async () => {
      const { out, results } = await run(
        queueWorkloadDescriptor,
        'honest',
        { queueLinearizableMaxOps: 1e9 },
        0.5,
      );
      expect(out.error).toBeUndefined();
      const tq = results['total-queue'] as TotalQueueResult;
      expect(tq.valid).toBe(true);
      expect(tq.acknowledgedCount).toBeGreaterThan(20);
      expect(results.linearizable!.valid).toBe(true);
      const drains = out.history.filter((o) => o.f === 'drain' && o.type === 'invoke');
      expect(drains.map((o) => o.node).sort()).toEqual(NODES);
      expect(out.valid).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    'lost-writes: acknowledged enqueues lost, each listed with its op',
    async () => {
      const { out, results } = await run(queueWorkloadDescriptor, 'lost-writes', { lossRate: 0.2 });
      const tq = results['total-queue'] as TotalQueueResult;
      expect(tq.valid).toBe(false);
      expect(tq.lost.length).toBeGreaterThan(0);
      expect(tq.unexpected).toEqual([]);
      const c = tq.anomalies.lost![0]!;
      expect(out.history[c.ops[0]!]).toMatchObject({ f: 'enqueue', type: 'ok' });
      expect(out.valid).toBe(false);
    },
    TIMEOUT_MS,
  );

  it(
    'duplicated-adds: redelivered elements are invalid exactly-once, allowed at-least-once',
    async () => {
      const once = await run(queueWorkloadDescriptor, 'duplicated-adds', {
        duplicateRate: 0.2,
        queueLinearizableMaxOps: 0,
      });
      const tq = once.results['total-queue'] as TotalQueueResult;
      expect(tq.valid).toBe(false);
      expect(tq.duplicated.length).toBeGreaterThan(0);
      expect(once.results.linearizable).toBeUndefined();
      const least = await run(queueWorkloadDescriptor, 'duplicated-adds', {
        duplicateRate: 0.2,
        queueDelivery: 'at-least-once',
        queueLinearizableMaxOps: 0,
      });
      const tq2 = least.results['total-queue'] as TotalQueueResult;
      expect(tq2.valid).toBe(true);
      expect(tq2.duplicated.length).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );

  it(
    'a history longer than queueLinearizableMaxOps: FIFO check skipped as unknown, total-queue still judged',
    async () => {
      const { out, results } = await run(
        queueWorkloadDescriptor,
        'honest',
        { queueLinearizableMaxOps: 5 },
        0.3,
      );
      expect(results['total-queue']!.valid).toBe(true);
      expect(results.linearizable).toMatchObject({ valid: 'unknown', skipped: true });
      expect(out.valid).toBe('unknown');
    },
    TIMEOUT_MS,
  );
});

describe('unique-ids on the memory system', () => {
  it(
    'honest: valid; duplicated-adds: duplicated ids listed with their ops',
    async () => {
      const ok = await run(uniqueIdsWorkloadDescriptor, 'honest', {}, 0.5);
      expect(ok.results['unique-ids']).toMatchObject({ valid: true, duplicatedCount: 0 });
      const bad = await run(uniqueIdsWorkloadDescriptor, 'duplicated-adds', { duplicateRate: 0.2 }, 0.5);
      expect(bad.results['unique-ids']!.valid).toBe(false);
      const c = bad.results['unique-ids']!.anomalies.duplicated![0]!;
      for (const i of c.ops) expect(bad.out.history[i]).toMatchObject({ f: 'generate', type: 'ok' });
    },
    TIMEOUT_MS,
  );
});

describe('long-fork on the memory system (through its rw-register client)', () => {
  it(
    'serializable: no long fork',
    async () => {
      const { out, results } = await run(longForkWorkloadDescriptor, 'serializable', {}, 1);
      expect(out.error).toBeUndefined();
      expect(results['long-fork']).toMatchObject({ valid: true, forkCount: 0 });
      expect(results['long-fork']!.readsCount as number).toBeGreaterThan(50);
    },
    TIMEOUT_MS,
  );

  it(
    'read-committed: long forks in at least two of three runs (12 threads, groups of 4)',
    async () => {
      let found = 0;
      for (const seed of [1, 2, 3]) {
        const opts = { txnStepMs: 10, longForkGroupSize: 4 };
        const { results } = await run(longForkWorkloadDescriptor, 'read-committed', opts, 1, seed, 12);
        if (results['long-fork']!.valid === false) {
          found++;
          expect(results['long-fork']!.anomalyTypes).toEqual(['long-fork']);
        }
      }
      expect(found).toBeGreaterThanOrEqual(2);
    },
    TIMEOUT_MS,
  );

  it('registry: long-fork resolves against a system with an rw-register client, names it when missing', () => {
    expect(
      resolveTest({ system: 'memory', mode: 'read-committed', workload: 'long-fork', seed: 1 }).test.workload,
    ).toBe('long-fork');
    let err: unknown;
    try {
      resolveTest({ system: 'memory', mode: 'lost-writes', workload: 'long-fork', seed: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain('needs an rw-register client');
  });
});
