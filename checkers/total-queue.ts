/**
 * The total-queue checker (Jepsen's jepsen.checker/total-queue): every acknowledged enqueue is dequeued,
 * nothing comes out that was not put in, and (exactly-once delivery) nothing comes out twice.
 *
 * Dequeued elements are the values of `ok` dequeues and the values of every drain, `ok` or `info` (an
 * interrupted drain reports the elements it did receive and acknowledge). Elements are counted as
 * multisets, as Jepsen does (the queue workload enqueues each value once, so counts are 0 or 1 there,
 * but a user's client may enqueue a value twice). Per element:
 * - attempted: some enqueue of it was invoked; acknowledged: some enqueue of it completed `ok`.
 * - lost: dequeued fewer times than acknowledged (never, in the queue workload).
 * - unexpected: dequeued, but no enqueue of it may have happened: never attempted, or every attempt
 *   completed `fail` (which says it certainly was not enqueued; Jepsen counts any attempt, so it would
 *   call this recovered; a `fail` that took effect is a client or system bug, so we flag it).
 * - duplicated: dequeued more times than it may have been enqueued (count kept); invalid under
 *   `exactly-once` (default), reported but allowed under `at-least-once`.
 * - recovered: dequeued though no enqueue of it was acknowledged, only indeterminate ones (`info`, or
 *   never completed): allowed, since an indeterminate op may have happened.
 * When the history has drains and none completed `ok` (or has none at all and `requireDrain`, as the queue
 * workload asks: a run stopped before its final drains), nobody saw the queue empty: elements still in it
 * are indistinguishable from lost ones, so lost elements make the verdict `unknown`, not false.
 * Pure, no I/O.
 */
import {
  type AnomalyCase,
  anomalyFields,
  type Checker,
  type CheckResult,
  noAnomalies,
} from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import { compareNumbers, elementsOf, showValue, stringifyExact, valueKey } from '../src/history/values.ts';

/** The queue workload's op names (docs: the OP SHAPES contract in workloads/queue.ts). */
export const QUEUE_TAKES =
  "enqueue v (v not nil), dequeue → v (ok carries the element; an empty queue is fail with error 'empty'), drain → [v…] (ok carries the list)";

const nil = (v: unknown) => v === null || v === undefined;

/**
 * Why the queue checkers cannot read one call (its f, its value: an ok completion's value, else the
 * invoke's, and its outcome), or undefined when they can: an op the workload does not know, an enqueue
 * of nothing, an ok dequeue without its element (an empty queue is `fail` 'empty'), an ok drain without
 * its list. An `info` drain without a list is readable (it makes lost elements unknown, see checkTotalQueue).
 */
export function queueCallProblem(c: { f: string; value: unknown; outcome: string }): string | undefined {
  // An ok enqueue may omit its element (a completion without value reads as nil): its invoke's counts,
  // which findMalformedQueueOp passes here.
  if (c.f === 'enqueue')
    return nil(c.value) && c.outcome !== 'ok' ? 'an enqueue carries the element it enqueues' : undefined;
  if (c.f === 'dequeue')
    return c.outcome === 'ok' && nil(c.value)
      ? "an ok dequeue carries the element it took (a dequeue of an empty queue is fail with error 'empty')"
      : undefined;
  if (c.f === 'drain')
    return c.outcome === 'ok' && !elementsOf(c.value)
      ? 'an ok drain carries the list of the elements it took'
      : undefined;
  return `${c.f} is not a queue op`;
}

/**
 * The first client op pair of a history the queue checkers cannot read: the op (its completion, else its
 * invoke) and a one-line reason naming it; undefined when there is none. Pure.
 */
export function findMalformedQueueOp(history: readonly Op[]): { op: Op; message: string } | undefined {
  const { pairs } = pairOps(history.filter((o) => o.process !== 'nemesis'));
  for (const { invoke, completion } of pairs) {
    const outcome = completion?.type ?? 'info';
    // An enqueue's element is its invoke's (the completion may omit it); else as the analyze shape check reads it.
    const value =
      invoke.f !== 'enqueue' && outcome === 'ok' && completion?.value !== undefined
        ? completion.value
        : invoke.value;
    const problem = queueCallProblem({
      f: invoke.f,
      value,
      outcome: invoke.f === 'enqueue' ? 'info' : outcome,
    });
    if (problem) {
      const at = completion ?? invoke;
      return {
        op: at,
        message: `op ${at.index} (${outcome} ${invoke.f} ${showValue(value).slice(0, 60)}): ${problem}`,
      };
    }
  }
  return undefined;
}

/** exactly-once: a duplicate delivery is an anomaly; at-least-once: duplicates are reported only. */
export type QueueDelivery = 'exactly-once' | 'at-least-once';

/** One op involved in an element's story, for reports: its history index, process, time and outcome. */
export interface QueueOpRef {
  /** History index of the completion (or of the invocation when it never completed). */
  index: number;
  process: number | string;
  /** Nanoseconds since the run started. */
  timeNs: number;
  f: string;
  type: string;
}

/** The total-queue result: counts, per-kind element lists, and the anomaly cases. */
export interface TotalQueueResult extends CheckResult {
  delivery: QueueDelivery;
  attemptedCount: number;
  acknowledgedCount: number;
  /** Dequeue events (ok dequeues + drained elements), duplicates included. */
  dequeuedCount: number;
  /** Distinct elements dequeued. */
  dequeuedDistinctCount: number;
  lost: unknown[];
  unexpected: unknown[];
  /** The unexpected elements that were attempted, every attempt `fail`. */
  failedButDequeued: unknown[];
  /** Elements dequeued more than once, with how many times. */
  duplicated: { element: unknown; count: number }[];
  recovered: unknown[];
  /** Whether some drain completed ok (someone saw the queue empty after the heal). */
  drained: boolean;
}

interface ElementStory {
  value: unknown;
  enqueues: QueueOpRef[];
  /** Enqueues of it acknowledged, and those that may have happened (ok, info or never completed). */
  okCount: number;
  maybeCount: number;
  dequeues: QueueOpRef[];
}

const refOf = (invoke: Op, completion: Op | undefined): QueueOpRef => {
  const at = completion ?? invoke;
  return {
    index: at.index,
    process: invoke.process,
    timeNs: at.time,
    f: invoke.f,
    type: completion?.type ?? 'info',
  };
};

/** The total-queue checker with the given delivery guarantee (default exactly-once). */
export function totalQueue(opts: { delivery?: QueueDelivery; requireDrain?: boolean } = {}): Checker {
  const delivery = opts.delivery ?? 'exactly-once';
  return {
    name: 'total-queue',
    check(_ctx, history) {
      return checkTotalQueue(history, delivery, opts.requireDrain ?? false);
    },
  };
}

/**
 * Runs the total-queue analysis on a history (see the module comment). Pure. `requireDrain`: a history with
 * no drain at all has not seen the queue empty either (a run stopped before its final phase), so lost
 * elements make it `unknown`; false (Jepsen's reading, for histories whose dequeues emptied the queue) judges
 * them lost.
 */
export function checkTotalQueue(
  history: readonly Op[],
  delivery: QueueDelivery = 'exactly-once',
  requireDrain = false,
): TotalQueueResult {
  const { pairs } = pairOps(history.filter((o) => o.process !== 'nemesis'));
  const stories = new Map<string, ElementStory>();
  const story = (v: unknown): ElementStory => {
    const k = valueKey(v);
    let s = stories.get(k);
    if (!s) {
      s = { value: v, enqueues: [], okCount: 0, maybeCount: 0, dequeues: [] };
      stories.set(k, s);
    }
    return s;
  };
  let drains = 0;
  let okDrains = 0;
  // Drains that may have taken elements nobody saw (info or never completed, without a list).
  const blindDrains: number[] = [];
  let dequeuedCount = 0;
  for (const { invoke, completion } of pairs) {
    const t = completion?.type ?? 'info';
    if (invoke.f === 'enqueue') {
      const s = story(invoke.value);
      s.enqueues.push(refOf(invoke, completion));
      if (t === 'ok') s.okCount++;
      if (t !== 'fail') s.maybeCount++;
    } else if (invoke.f === 'dequeue') {
      if (t !== 'ok' || completion?.value === null || completion?.value === undefined) continue;
      story(completion.value).dequeues.push(refOf(invoke, completion));
      dequeuedCount++;
    } else if (invoke.f === 'drain') {
      drains++;
      if (t === 'ok') okDrains++;
      if (t === 'fail') continue;
      const taken = completion ? elementsOf(completion.value) : undefined;
      if (!taken && t !== 'ok') blindDrains.push((completion ?? invoke).index);
      for (const x of taken ?? []) {
        story(x).dequeues.push(refOf(invoke, completion));
        dequeuedCount++;
      }
    }
  }
  const all = [...stories.values()];
  const lost = all.filter((s) => s.dequeues.length < s.okCount);
  const unexpected = all.filter((s) => s.maybeCount === 0 && s.dequeues.length > 0);
  const duplicated = all.filter((s) => s.maybeCount > 0 && s.dequeues.length > s.maybeCount);
  const recovered = all.filter((s) => s.maybeCount > 0 && s.okCount === 0 && s.dequeues.length > 0);
  // Someone saw the queue empty, and every element taken is known.
  const drained = (okDrains > 0 || (drains === 0 && !requireDrain)) && blindDrains.length === 0;
  const dupInvalid = delivery === 'exactly-once' && duplicated.length > 0;
  const definite = unexpected.length > 0 || dupInvalid || (drained && lost.length > 0);
  const malformed = findMalformedQueueOp(history)?.message;
  const valid = malformed ? 'unknown' : definite ? false : lost.length > 0 ? 'unknown' : true;
  const acked = all.filter((s) => s.okCount > 0).length;
  const attempted = all.filter((s) => s.enqueues.length > 0).length;
  const distinct = all.filter((s) => s.dequeues.length > 0).length;
  const summary = [
    `${acked} acknowledged, ${distinct} dequeued`,
    malformed ? 'unknown: an op the queue checkers cannot read' : '',
    !malformed && lost.length
      ? `${lost.length} LOST${drained ? '' : blindDrains.length ? ' (or taken by a drain that did not say what it took)' : ' (or still queued: no drain completed)'}`
      : '',
    !malformed && unexpected.length ? `${unexpected.length} UNEXPECTED` : '',
    !malformed && duplicated.length
      ? `${duplicated.length} ${dupInvalid ? 'DUPLICATED' : 'duplicated (at-least-once: allowed)'}`
      : '',
    !malformed && recovered.length ? `${recovered.length} recovered` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const cases =
    valid === false
      ? anomalyCases({ lost: drained ? lost : [], unexpected, duplicated: dupInvalid ? duplicated : [] })
      : noAnomalies();
  return {
    valid,
    summary,
    ...(valid === 'unknown'
      ? {
          reason: malformed
            ? malformed
            : blindDrains.length
              ? `${lost.length} acknowledged elements were never dequeued, but drain ${blindDrains.map((i) => `#${i}`).join(', ')} ended without the list of what it took, so they may have been taken there`
              : `${lost.length} acknowledged elements were never dequeued, but no drain completed${drains === 0 ? ' (the history has none: did the run stop before its final phase? --opt queueRequireDrain=false judges them lost)' : ''}, so they may still be queued`,
        }
      : {}),
    delivery,
    attemptedCount: attempted,
    acknowledgedCount: acked,
    dequeuedCount,
    dequeuedDistinctCount: distinct,
    lost: sorted(lost.map((s) => s.value)),
    unexpected: sorted(unexpected.map((s) => s.value)),
    failedButDequeued: sorted(unexpected.filter((s) => s.enqueues.length > 0).map((s) => s.value)),
    duplicated: sortedBy(duplicated, (s) => s.value).map((s) => ({
      element: s.value,
      count: s.dequeues.length,
    })),
    recovered: sorted(recovered.map((s) => s.value)),
    drained,
    ...cases,
  };
}

/** One anomaly case per element, naming its enqueues and dequeues (indices, processes, times). */
function anomalyCases(found: {
  lost: ElementStory[];
  unexpected: ElementStory[];
  duplicated: ElementStory[];
}): Pick<CheckResult, 'anomalyTypes' | 'anomalies' | 'anomalyCounts'> {
  const shown = (x: unknown) => stringifyExact(x) ?? String(x);
  const refs = (xs: QueueOpRef[]) =>
    xs.map((r) => `#${r.index} (${r.f} ${r.type}, process ${r.process}, ${msOf(r.timeNs)} ms)`).join(', ');
  const data = (s: ElementStory) => ({ element: s.value, enqueues: s.enqueues, dequeues: s.dequeues });
  const ops = (s: ElementStory) => [...s.enqueues, ...s.dequeues].map((r) => r.index);
  const lost = sortedBy(found.lost, (s) => s.value).map(
    (s): AnomalyCase => ({
      ops: ops(s),
      explanation: s.dequeues.length
        ? `${shown(s.value)} was enqueued and acknowledged ${s.okCount} times (${refs(s.enqueues.filter((r) => r.type === 'ok'))}) but dequeued only ${s.dequeues.length} times (${refs(s.dequeues)})`
        : `the enqueue of ${shown(s.value)} was acknowledged (${refs(s.enqueues.filter((r) => r.type === 'ok'))}) but it was never dequeued, nor drained after the heal`,
      data: data(s),
    }),
  );
  const unexpected = sortedBy(found.unexpected, (s) => s.value).map(
    (s): AnomalyCase => ({
      ops: ops(s),
      explanation: s.enqueues.length
        ? `${shown(s.value)} was dequeued (${refs(s.dequeues)}) but every enqueue of it failed (${refs(s.enqueues)})`
        : `${shown(s.value)} was dequeued (${refs(s.dequeues)}) but never enqueued`,
      data: data(s),
    }),
  );
  const duplicated = sortedBy(found.duplicated, (s) => s.value).map(
    (s): AnomalyCase => ({
      ops: ops(s),
      explanation: `${shown(s.value)} was dequeued ${s.dequeues.length} times (${refs(s.dequeues)}) but enqueued at most ${s.maybeCount} (${refs(s.enqueues)})`,
      data: { ...data(s), count: s.dequeues.length },
    }),
  );
  return anomalyFields({ lost, unexpected, duplicated });
}

const msOf = (ns: number) => Math.round(ns / 1e6);

function order(a: unknown, b: unknown): number {
  const c = compareNumbers(a, b);
  return Number.isNaN(c) ? valueKey(a).localeCompare(valueKey(b)) : c;
}

function sorted(xs: unknown[]): unknown[] {
  return xs.sort(order);
}

function sortedBy<T>(xs: readonly T[], f: (x: T) => unknown): T[] {
  return [...xs].sort((a, b) => order(f(a), f(b)));
}
