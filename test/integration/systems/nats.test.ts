/**
 * NATS JetStream (Debian's nats-server 2.9, 3 nodes, R3 streams) on a real Docker cluster (debian flavour):
 * the queue (work-queue stream + durable pull consumer) and set workloads, each once under faultline's
 * partition, kill, pause and clock families together. JetStream kept every acknowledged element in every
 * run we made (bench/scenarios/nats.ts), so both must be valid; the queue with at-least-once delivery,
 * since a JetStream pull consumer redelivers (duplicates are allowed, not asserted).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NemesisPackage, System } from '../../../src/core/index.ts';
import { once, seq, sleep } from '../../../src/generator/index.ts';
import { requireDocker } from '../engine.ts';
import { checkerResult, cleanUpResults, loadTolerantOpTimeoutS, runSut } from './harness.ts';

const hasDocker = await requireDocker();
const resultsDir = mkdtempSync(join(tmpdir(), 'fl-nats-'));
cleanUpResults(resultsDir, { afterEach, afterAll });
const FAMILIES = ['partition', 'kill', 'pause', 'clock'];
const base = {
  system: 'nats',
  nodes: 3,
  resultsDir,
  // The CLI's defaults (op timeout 5 s, recovery time 2 s) and the workloads' own final ops: the system's
  // awaitRecovery, not a longer --recovery-time, gives JetStream its time after the heal.
  opTimeoutS: 5,
  recoveryTimeS: 2,
  keepFinalGenerator: true,
  flavour: 'debian',
  timeLimitS: 12,
  nemeses: FAMILIES,
  faultS: 3,
} as const;

/** Kills every server 3 s in and leaves them down; the heal restarts all of them just before the drains. */
function killAllUntilHeal(system: System): NemesisPackage {
  const each = async (test: Parameters<System['setup']>[0], hook: 'kill' | 'start') => {
    await Promise.all(test.remotes.map((remote) => system[hook]?.(test, { name: remote.name, remote })));
    return { type: 'ok' as const, value: test.nodes };
  };
  return {
    nemesis: {
      name: 'kill-all-until-heal',
      fs: ['kill', 'start'],
      invoke: (test, op) => each(test, op.f === 'kill' ? 'kill' : 'start'),
    },
    generator: seq(sleep(3), once({ f: 'kill', value: 'all' })),
    finalGenerator: once({ f: 'start', value: 'all' }),
  };
}

/**
 * Queue options: at-least-once, and a drain budget (ms) of 4/5 of the op timeout as the harness stretches
 * it on a loaded machine (loadTolerantOpTimeoutS). With the fixed 4 s default, on 2 busy cores the drains
 * ran out while the consumer still counted deliveries awaiting their ack wait, so no drain completed and
 * the verdict was unknown (loop q).
 */
function queueOptions(): Record<string, unknown> {
  return {
    queueDelivery: 'at-least-once',
    queueLinearizableMaxOps: 0,
    natsDrainMs: Math.round(loadTolerantOpTimeoutS(base.opTimeoutS * 0.8) * 1000),
  };
}

function explain(r: Awaited<ReturnType<typeof runSut>>): string {
  return `${r.outcome.runDir} (seed ${r.seed}): ${r.outcome.error ?? r.outcome.results?.summary ?? ''}`;
}

/** The fault families whose ops completed ok in the run's history. */
function faultsApplied(r: Awaited<ReturnType<typeof runSut>>): string[] {
  return r.outcome.history.filter((o) => o.process === 'nemesis' && o.type === 'ok').map((o) => o.f);
}

describe.skipIf(!hasDocker)('nats jetstream (3 nodes, debian)', () => {
  it('queue under partition, kill, pause, clock: every acknowledged element dequeued', async () => {
    const r = await runSut({
      ...base,
      workload: 'queue',
      options: queueOptions(),
    });
    expect(r.outcome.error, explain(r)).toBeUndefined();
    expect(r.outcome.valid, explain(r)).toBe(true);
    const tq = checkerResult(r, 'total-queue') as {
      lost: unknown[];
      unexpected: unknown[];
      acknowledgedCount: number;
    };
    expect(tq.acknowledgedCount, explain(r)).toBeGreaterThan(20);
    expect(tq.lost).toEqual([]);
    expect(tq.unexpected).toEqual([]);
    // Duplicates are allowed (at-least-once) and not asserted: besides redeliveries after an unconfirmed
    // ack, nats-server 2.9 redelivers some elements whose ack it confirmed when a partition and kills
    // follow (5 of 15 partition+kill bench runs; systems/nats/README.md).
    expect(faultsApplied(r).length, explain(r)).toBeGreaterThan(0);
    // The version the servers report (/varz) is in test.json: Debian's nats-server 2.9.
    const test = JSON.parse(readFileSync(join(r.outcome.runDir, 'test.json'), 'utf8'));
    expect(test.systemVersion).toMatch(/^nats-server 2\.9\.\d+/);
  });

  it('queue, all servers killed until the heal: the drains succeed with the default 2 s recovery time', async () => {
    // Before System.awaitRecovery every drain ended `info … drain incomplete`: 6 s after the restart the
    // queue's consumer had no leader yet, so the queue's verdict was unknown.
    const r = await runSut({
      ...base,
      workload: 'queue',
      timeLimitS: 8,
      nemesis: killAllUntilHeal,
      options: queueOptions(),
    });
    expect(r.outcome.error, explain(r)).toBeUndefined();
    const drains = r.outcome.history.filter((o) => o.f === 'drain' && o.type !== 'invoke');
    expect(
      drains.map((o) => o.type),
      explain(r),
    ).toEqual(['ok', 'ok', 'ok']);
    expect(r.outcome.valid, explain(r)).toBe(true);
  });

  it('set under partition, kill, pause, clock: every acknowledged add in the final reads', async () => {
    // killTargets=all: the heal may restart every server right before the final reads.
    const r = await runSut({ ...base, workload: 'set', options: { killTargets: 'all' } });
    expect(r.outcome.error, explain(r)).toBeUndefined();
    expect(r.outcome.valid, explain(r)).toBe(true);
    const set = checkerResult(r, 'set') as { acknowledgedCount: number; lost: unknown[] };
    expect(set.acknowledgedCount, explain(r)).toBeGreaterThan(50);
    expect(set.lost).toEqual([]);
    expect(faultsApplied(r).length, explain(r)).toBeGreaterThan(0);
  });
});
