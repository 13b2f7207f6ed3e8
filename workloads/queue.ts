/**
 * The queue workload (Jepsen's jepsen.tests/queue with checker/total-queue): clients enqueue unique
 * integers and dequeue while faults happen; after the heal one client on each node drains the queue.
 * Op shapes (docs/your-system.md):
 * - `{f:'enqueue', value:<int>}` → ok once the system confirmed it; fail only when it certainly was not
 *   enqueued; info when unknown. A client never re-sends an unconfirmed element as if it were new.
 * - `{f:'dequeue', value:null}` → ok with `value:<int>` (received and acknowledged); fail with
 *   `error:'empty'` when the queue was empty; info when unknown.
 * - `{f:'drain', value:null}` (final phase) → ok with `value:<int[]>` every element received until the
 *   queue reported empty; info with `value:<int[]>` the elements taken before it was interrupted.
 * Checked by total-queue (checkers/total-queue.ts) and, when asked for with `--opt queueLinearizableMaxOps=N`,
 * linearizability against a FIFO queue (checkers/queue-linearizable.ts) for histories of at most N queue ops.
 */
import { queueLinearizable } from '../checkers/queue-linearizable.ts';
import { type QueueDelivery, totalQueue } from '../checkers/total-queue.ts';
import type { Context, Generator, OpResult } from '../src/core/generator.ts';
import type { Workload, WorkloadDescriptor, WorkloadOptions } from '../src/core/index.ts';
import type { Op } from '../src/core/op.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import { eachThread, fillIn, fn, mix, once, onThreads } from '../src/generator/index.ts';

/**
 * Default bound on queue ops (invocations) for the FIFO linearizability check: 0, off. The search is
 * exponential in the worst case, and real queue runs hit it: a 15 s RabbitMQ run of 836 queue ops (with
 * indeterminate dequeues and redeliveries) filled a 3.6 GB heap in 106 s. Opt in for short histories.
 */
export const DEFAULT_QUEUE_LINEARIZABLE_MAX_OPS = 0;

class UniqueEnqueues implements Generator {
  readonly next: number;
  constructor(next: number) {
    this.next = next;
  }
  op(ctx: Context): OpResult {
    const op = fillIn({ f: 'enqueue', value: this.next }, ctx);
    return op === 'pending' ? 'pending' : { op, gen: new UniqueEnqueues(this.next + 1) };
  }
  update(_ctx: Context, _event: Op): Generator {
    return this;
  }
}

/** enqueue 0, enqueue 1, … — a pure generator: its state is the next element. */
export function uniqueEnqueues(next = 0): Generator {
  return new UniqueEnqueues(next);
}

/** Final drains: one on each node's thread (thread i talks to node i mod n), after the heal. */
export function drainPerNode(nodeCount: number): Generator {
  return onThreads(
    (t) => typeof t === 'number' && t < nodeCount,
    eachThread(once({ f: 'drain', value: null })),
  );
}

/** The queue workload's `--opt` keys. */
export const queueOptions = optionsSchema({
  /** exactly-once (default: a duplicate delivery is invalid) or at-least-once (reported, allowed). */
  queueDelivery: opt.oneOf(['exactly-once', 'at-least-once']),
  /**
   * N > 0: also check FIFO linearizability for histories of at most N queue ops (past it: skipped, unknown).
   * 0 (default): total-queue alone.
   */
  queueLinearizableMaxOps: opt.int(0, 1e9),
  /**
   * true (default): a history without any drain (a run stopped before its final phase) cannot call an
   * element lost: unknown. false: Jepsen's reading, for histories whose dequeues emptied the queue.
   */
  queueRequireDrain: opt.bool(),
});

const boolOpt = (v: unknown, dflt: boolean): boolean => (v === undefined ? dflt : v === true || v === 'true');

/** The queue workload: enqueues and dequeues, one drain per node at the end. */
export function queueWorkload(o: WorkloadOptions): Workload {
  const delivery = (o.options.queueDelivery ?? 'exactly-once') as QueueDelivery;
  // Off unless asked for (see DEFAULT_QUEUE_LINEARIZABLE_MAX_OPS). Note the FIFO model delivers each element
  // once: under at-least-once delivery a redelivery reads as a FIFO violation.
  const maxOps = Number(o.options.queueLinearizableMaxOps ?? DEFAULT_QUEUE_LINEARIZABLE_MAX_OPS);
  return {
    name: 'queue',
    generator: mix([uniqueEnqueues(), fn(() => ({ f: 'dequeue', value: null }))]),
    finalGenerator: drainPerNode(o.nodes.length),
    checkers: [
      totalQueue({ delivery, requireDrain: boolOpt(o.options.queueRequireDrain, true) }),
      ...(maxOps > 0 ? [queueLinearizable({ maxOps })] : []),
    ],
  };
}

export const queueWorkloadDescriptor: WorkloadDescriptor = {
  name: 'queue',
  description:
    'enqueues of unique ints and dequeues, a drain per node after the heal; total-queue (lost, duplicated, unexpected) and FIFO linearizability',
  options: queueOptions,
  create: queueWorkload,
};
