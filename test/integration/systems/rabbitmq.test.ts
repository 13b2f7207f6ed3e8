/**
 * RabbitMQ 3.10 on a real 3-node Docker cluster (debian flavour: Debian's rabbitmq-server). The queue
 * workload with publisher confirms and manual acks: a quorum queue keeps every confirmed message when
 * its leader is partitioned away and nodes are killed; a classic queue's run is reported (what it does
 * depends on where the faults land), with only what always holds asserted.
 */

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { queueFinding } from '../../../bench/scenarios/rabbitmq.ts';
import type { TotalQueueResult as TotalQueue } from '../../../checkers/total-queue.ts';
import { requireDocker } from '../engine.ts';
import type { FaultKind } from './faults.ts';
import { checkerResult, cleanUpResults, runSut, type SutRun } from './harness.ts';

const hasDocker = await requireDocker();
const resultsDir = mkdtempSync(join(tmpdir(), 'fl-rabbitmq-'));
cleanUpResults(resultsDir, { afterEach, afterAll });

const base = {
  system: 'rabbitmq',
  workload: 'queue',
  flavour: 'debian',
  nodes: 3,
  timeLimitS: 14,
  rate: 50,
  opTimeoutS: 5,
  keepFinalGenerator: true,
  // AMQP delivery is at-least-once: an ack lost in a cut means a redelivery.
  // The FIFO linearizability search is left out: slow on a loaded machine, and not what is asserted.
  options: { queueDelivery: 'at-least-once', queueLinearizableMaxOps: 0 },
  faults: ['partition-primary', 'kill'] as FaultKind[],
  // 1.5 s gap, 3 s fault: partition, kill, partition fit in the 14 s (a 4 s fault in 12 s fits one).
  faultS: 3,
  gapS: 1.5,
  resultsDir,
} as const;

function explain(r: SutRun): string {
  return `${r.outcome.runDir} (seed ${r.seed}): ${r.outcome.error ?? r.outcome.results?.summary ?? ''}`;
}

function confirmed(r: SutRun): Set<unknown> {
  return new Set(r.outcome.history.filter((o) => o.f === 'enqueue' && o.type === 'ok').map((o) => o.value));
}

describe.skipIf(!hasDocker)('rabbitmq cluster (3 nodes, debian)', () => {
  it('quorum queue, leader partitioned and nodes killed: no confirmed message lost', async () => {
    const r = await runSut({ ...base, mode: 'quorum' });
    expect(r.outcome.error, explain(r)).toBeUndefined();
    const tq = checkerResult(r, 'total-queue') as unknown as TotalQueue;
    expect(tq.acknowledgedCount, explain(r)).toBeGreaterThan(20);
    expect(tq.drained, explain(r)).toBe(true);
    expect(tq.lost, explain(r)).toEqual([]);
    expect(tq.unexpected, explain(r)).toEqual([]);
    expect(tq.valid, explain(r)).toBe(true);
    // The faults did happen: a partition of the leader and a kill, each completed ok.
    const done = r.outcome.history.filter((o) => o.process === 'nemesis' && o.type === 'ok').map((o) => o.f);
    expect(done, explain(r)).toContain('start-partition-primary');
    expect(done, explain(r)).toContain('start-kill');
    const test = JSON.parse(readFileSync(join(r.outcome.runDir, 'test.json'), 'utf8'));
    expect(test.systemVersion).toMatch(/^RabbitMQ 3\.10\.\d+/);
  });

  it('classic queue under the same faults: the verdict is reported; lost elements were confirmed', async () => {
    const r = await runSut({ ...base, mode: 'classic' });
    expect(r.outcome.error, explain(r)).toBeUndefined();
    const tq = checkerResult(r, 'total-queue') as unknown as TotalQueue;
    expect(tq.acknowledgedCount, explain(r)).toBeGreaterThan(20);
    // Whatever the verdict: every element called lost was confirmed to a client, and nothing came
    // out that nobody put in.
    const acked = confirmed(r);
    expect(tq.lost.every((x) => acked.has(x))).toBe(true);
    expect(tq.unexpected).toEqual([]);
    console.log(
      `rabbitmq classic: total-queue ${tq.valid}, ${tq.lost.length} of ${tq.acknowledgedCount} confirmed not dequeued${tq.drained ? '' : ' (no drain finished)'}; ${queueFinding(r) ?? ''} — ${explain(r)}`,
    );
  });
});
