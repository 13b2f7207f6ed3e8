/**
 * RabbitMQ scenarios for bench/queues.ts: the queue workload against a quorum queue and a classic
 * durable queue (3 nodes, debian flavour), under partitions of the queue's leader/home node and kills,
 * and under every fault family together. The finding is total-queue's: confirmed enqueues lost
 * (elements listed with when they were confirmed), or unexpected elements. Duplicates are allowed
 * (at-least-once: an ack lost in a cut means a redelivery) and counted in the line.
 */

import type { TotalQueueResult as TotalQueue } from '../../checkers/total-queue.ts';
import { checkerResult, type SutRun, type SutRunOptions } from '../../test/integration/systems/harness.ts';
import type { BenchSettings, Scenario } from '../lib/scenarios.ts';

/**
 * Lost or unexpected elements (with the confirm time of the first lost ones) when total-queue's verdict
 * is false; undefined otherwise (also when it is unknown: no drain finished, so elements not seen may
 * still be queued).
 */
export function queueFinding(r: SutRun): string | undefined {
  const tq = checkerResult(r, 'total-queue') as TotalQueue | undefined;
  if (!tq) return undefined;
  const dup = tq.duplicated.length ? `, ${tq.duplicated.length} redelivered` : '';
  if (!tq.lost.length && !tq.unexpected.length) return undefined;
  // No drain saw the queue empty: missing elements may still be in it (total-queue says unknown).
  if (tq.valid !== false) return undefined;
  const confirmedAt = new Map<unknown, number>();
  for (const o of r.outcome.history)
    if (o.f === 'enqueue' && o.type === 'ok') confirmedAt.set(o.value, o.time);
  const lostAt = tq.lost
    .slice(0, 5)
    .map((v) => `${JSON.stringify(v)}@${((confirmedAt.get(v) ?? 0) / 1e9).toFixed(1)}s`)
    .join(' ');
  return `${tq.lost.length} of ${tq.acknowledgedCount} confirmed lost (${lostAt}${tq.lost.length > 5 ? ' …' : ''}), ${tq.unexpected.length} unexpected${dup}`;
}

export function scenarios(s: BenchSettings): Scenario[] {
  const base = (mode: 'quorum' | 'classic'): SutRunOptions => ({
    system: 'rabbitmq',
    mode,
    workload: 'queue',
    flavour: 'debian',
    nodes: s.nodes,
    timeLimitS: s.timeLimitS,
    rate: 50,
    opTimeoutS: 5,
    keepFinalGenerator: true,
    // FIFO linearizability left out: every redelivery breaks FIFO, and its search dominates wall time.
    options: { queueDelivery: 'at-least-once', queueLinearizableMaxOps: 0 },
    resultsDir: s.resultsDir,
  });
  const partitionKill = { faults: ['partition-primary', 'kill'] as SutRunOptions['faults'], faultS: 5 };
  // packet runs on its own: the pause and kill families also stop packet's delay helper (fl-delay) and
  // then report the fault as not in effect (a cross-family problem of nemeses/process.ts).
  const allFamilies = { nemeses: ['partition', 'kill', 'pause', 'clock'], faultS: 5 };
  const packet = { nemeses: ['packet'], faultS: 5 };
  return [
    {
      name: 'rabbitmq-quorum-partition-kill',
      about: 'quorum queue, leader partitioned away / killed: every confirmed message kept',
      opts: { ...base('quorum'), ...partitionKill },
      finding: queueFinding,
      expect: 'valid',
    },
    {
      name: 'rabbitmq-classic-partition-kill',
      about: 'classic durable queue on n1 (not mirrored), home node partitioned away / killed',
      opts: { ...base('classic'), ...partitionKill },
      finding: queueFinding,
      expect: 'report',
    },
    {
      name: 'rabbitmq-quorum-all-faults',
      about: 'quorum queue under partition, kill, pause and clock faults',
      opts: { ...base('quorum'), ...allFamilies },
      finding: queueFinding,
      expect: 'valid',
    },
    {
      name: 'rabbitmq-classic-all-faults',
      about: 'classic durable queue under partition, kill, pause and clock faults',
      opts: { ...base('classic'), ...allFamilies },
      finding: queueFinding,
      expect: 'report',
    },
    {
      name: 'rabbitmq-quorum-packet',
      about: 'quorum queue under packet loss/delay/duplication/reordering (nemeses/packet.ts)',
      opts: { ...base('quorum'), ...packet },
      finding: queueFinding,
      expect: 'valid',
    },
    {
      name: 'rabbitmq-classic-packet',
      about: 'classic queue under packet loss/delay/duplication/reordering (nemeses/packet.ts)',
      opts: { ...base('classic'), ...packet },
      finding: queueFinding,
      expect: 'report',
    },
  ];
}
