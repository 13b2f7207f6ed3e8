/**
 * NATS JetStream scenarios for bench/queues.ts (debian flavour, 3 nodes, R3 streams;
 * `node bench/queues.ts --only nats-…`):
 *   nats-queue-partition-kill   queue (work-queue stream + pull consumer), partition+kill: total-queue
 *   nats-queue-pause-clock      queue, pause+clock: total-queue
 *   nats-queue-packet           queue, packet loss/delay: total-queue
 *   nats-queue-ack-redelivery   queue, partition+kill: elements whose ack the server confirmed (ackAck)
 *                               delivered again later
 *   nats-queue-fifo-kill        queue, kills, FIFO linearizability on: a dequeue answering "empty" (404 no
 *                               messages) after an acknowledged enqueue, while the element is still queued
 *   nats-set-faults             set (publishes, final read of the stream), partition+kill+pause+clock
 * Queue runs use `--opt queueDelivery=at-least-once`: a JetStream pull consumer redelivers a message whose
 * ack did not land (the ack wait, 2 s here), so a redelivery is counted (as `N redelivered`), not a finding.
 */

import { checkerResult, type SutRun, type SutRunOptions } from '../../test/integration/systems/harness.ts';
import type { BenchSettings, Scenario } from '../lib/scenarios.ts';

interface TotalQueue {
  lost: unknown[];
  unexpected: unknown[];
  duplicated: { element: unknown; count: number }[];
  acknowledgedCount: number;
}

/** Time of op `index` in seconds (1 decimal). */
const at = (r: SutRun, index: number | undefined) => {
  const op = r.outcome.history.find((o) => o.index === index);
  return op ? `${(op.time / 1e9).toFixed(1)}s` : '?';
};

/** Lost or unexpected elements (the first lost with their PubAck time), else undefined. */
export function natsQueueFinding(r: SutRun): string | undefined {
  const tq = checkerResult(r, 'total-queue') as TotalQueue | undefined;
  if (!tq || (!tq.lost.length && !tq.unexpected.length)) return undefined;
  const acked = new Map<unknown, number>();
  for (const o of r.outcome.history) if (o.f === 'enqueue' && o.type === 'ok') acked.set(o.value, o.time);
  const lost = tq.lost
    .slice(0, 5)
    .map((v) => `${JSON.stringify(v)}@${((acked.get(v) ?? 0) / 1e9).toFixed(1)}s`)
    .join(' ');
  return `${tq.lost.length} of ${tq.acknowledgedCount} acknowledged lost (${lost}), ${tq.unexpected.length} unexpected, ${tq.duplicated.length} redelivered`;
}

/**
 * Elements delivered again although a dequeue of them had its ack confirmed by the server (ackAck), with
 * when that ack was confirmed; undefined when every duplicate follows an unconfirmed ack.
 */
export function natsConfirmedRedelivery(r: SutRun): string | undefined {
  const tq = checkerResult(r, 'total-queue') as TotalQueue | undefined;
  if (!tq?.duplicated.length) return undefined;
  const confirmedAt = new Map<unknown, number>();
  for (const o of r.outcome.history)
    if (o.f === 'dequeue' && o.type === 'ok' && !/ack unconfirmed/.test(o.error ?? ''))
      confirmedAt.set(o.value, o.time);
  const again = tq.duplicated.map((d) => d.element).filter((e) => confirmedAt.has(e));
  if (!again.length) return undefined;
  const list = again
    .slice(0, 5)
    .map((e) => `${JSON.stringify(e)} acked@${((confirmedAt.get(e) ?? 0) / 1e9).toFixed(1)}s`)
    .join(' ');
  return `${again.length} redelivered after a confirmed ack (${list}${again.length > 5 ? ' …' : ''})`;
}

/** The non-linearizable dequeue the FIFO check names (the op and when), else undefined. */
export function natsFifoFinding(r: SutRun): string | undefined {
  const lin = checkerResult(r, 'linearizable') as
    | { valid?: unknown; failure?: { op?: { description?: string; index?: number; node?: string } } }
    | undefined;
  if (lin?.valid !== false) return undefined;
  const op = lin.failure?.op;
  return `not FIFO-linearizable: ${op?.description ?? '?'} on ${op?.node ?? '?'} at ${at(r, op?.index)}`;
}

const invalid = (r: SutRun) =>
  r.outcome.valid === true ? undefined : String(r.outcome.results?.summary ?? r.outcome.valid);

export function scenarios(s: BenchSettings): Scenario[] {
  const queue = (nemeses: string[], options: Record<string, unknown> = {}): SutRunOptions => ({
    system: 'nats',
    workload: 'queue',
    flavour: 'debian',
    nodes: s.nodes,
    timeLimitS: s.timeLimitS,
    opTimeoutS: 5,
    // The CLI's defaults: System.awaitRecovery waits for JetStream after the heal.
    recoveryTimeS: 2,
    keepFinalGenerator: true,
    nemeses,
    faultS: 4,
    options: { queueDelivery: 'at-least-once', queueLinearizableMaxOps: 0, ...options },
    resultsDir: s.resultsDir,
  });
  return [
    {
      name: 'nats-queue-partition-kill',
      about: 'queue, partition+kill: every acknowledged element dequeued (at-least-once)',
      opts: queue(['partition', 'kill']),
      finding: natsQueueFinding,
      expect: 'valid',
    },
    {
      name: 'nats-queue-pause-clock',
      about: 'queue, pause+clock: every acknowledged element dequeued',
      opts: queue(['pause', 'clock']),
      finding: natsQueueFinding,
      expect: 'valid',
    },
    {
      name: 'nats-queue-packet',
      about: 'queue, packet loss/delay: every acknowledged element dequeued',
      opts: queue(['packet']),
      finding: natsQueueFinding,
      expect: 'valid',
    },
    {
      name: 'nats-queue-ack-redelivery',
      about: 'queue, partition+kill: elements redelivered although their ack was confirmed (ackAck)',
      opts: queue(['partition', 'kill']),
      finding: natsConfirmedRedelivery,
      expect: 'report',
    },
    {
      name: 'nats-queue-fifo-kill',
      about: 'queue, kills, FIFO linearizability: dequeue says empty after an acknowledged enqueue',
      opts: { ...queue(['kill'], { queueLinearizableMaxOps: 2000 }), timeLimitS: Math.min(s.timeLimitS, 10) },
      finding: natsFifoFinding,
      expect: 'report',
    },
    {
      name: 'nats-set-faults',
      about: 'set, partition+kill+pause+clock: every acknowledged add in the final read',
      opts: {
        system: 'nats',
        workload: 'set',
        flavour: 'debian',
        nodes: s.nodes,
        timeLimitS: s.timeLimitS,
        opTimeoutS: 5,
        recoveryTimeS: 2,
        keepFinalGenerator: true,
        nemeses: ['partition', 'kill', 'pause', 'clock'],
        faultS: 4,
        resultsDir: s.resultsDir,
      },
      finding: invalid,
      expect: 'valid',
    },
  ];
}
