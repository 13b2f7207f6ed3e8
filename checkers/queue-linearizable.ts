/**
 * Linearizability of a queue workload's history against a FIFO queue (checkers/linearizable with the
 * drain-queue model), for short histories. The queue workload's op shapes are mapped onto the model:
 * - `enqueue v`: as is. `dequeue` ok → v: as is; `fail` with `error:'empty'` → a dequeue that saw the
 *   queue empty (a completed dequeue of nil); other fails are dropped (they did not happen); `info` →
 *   a crashed dequeue (took the head, if it happened).
 * - `drain` ok → [v1…vk]: k drain-steps taking v1…vk in that order, then one that sees the queue empty,
 *   each anywhere inside the drain's invoke–completion window (a drain is many dequeues, not one atomic
 *   op: drains on several nodes run concurrently). `info` → [v1…vk]: those k steps, then one crashed
 *   step (one more element may have been received and removed while its acknowledgement was lost;
 *   as any indeterminate op, it may take effect at any time after the drain's invocation).
 *   A drain that never completed, or completed `info` without a list, took an unknown number of
 *   elements: the history cannot be checked, the verdict is `unknown`.
 * A history of more than `maxOps` queue ops (enqueue, dequeue and drain invocations) is not searched:
 * the result is `unknown` with `skipped: true` and the reason, never `valid: true`; the run's verdict is
 * then at best unknown, while total-queue's own result stays in `results`. Pass
 * `--opt queueLinearizableMaxOps=0` to leave this checker out of long runs altogether.
 * Pure, no I/O (the search runs in this thread: the model is an object).
 */
import type { Checker, CheckResult } from '../src/core/checker.ts';
import { noAnomalies } from '../src/core/checker.ts';
import type { Op, Process } from '../src/core/op.ts';
import { elementsOf } from '../src/history/values.ts';
import { checkLinearizable, type LinearizableOptions } from './linearizable/index.ts';
import { type DrainStep, drainQueueModel } from './linearizable/models/drain-queue.ts';
import { findMalformedQueueOp } from './total-queue.ts';

const QUEUE_FS = new Set(['enqueue', 'dequeue', 'drain']);

/** The FIFO linearizability checker for queue histories of at most `maxOps` queue ops. */
export function queueLinearizable(opts: { maxOps: number }): Checker {
  return {
    name: 'linearizable',
    check(_ctx, history, checkOpts) {
      return checkQueueLinearizable(history, opts.maxOps, checkOpts);
    },
  };
}

/** Checks a queue history against the FIFO model (see the module comment). */
export async function checkQueueLinearizable(
  history: readonly Op[],
  maxOps: number,
  opts: LinearizableOptions = {},
): Promise<CheckResult> {
  const count = history.filter(
    (o) => o.type === 'invoke' && o.process !== 'nemesis' && QUEUE_FS.has(o.f),
  ).length;
  if (count > maxOps)
    return {
      valid: 'unknown',
      skipped: true,
      reason: `not checked: ${count} queue ops > queueLinearizableMaxOps ${maxOps} (the search is exponential in the worst case; total-queue judged the history)`,
      summary: `skipped: ${count} queue ops > ${maxOps}`,
      opCount: count,
      ...noAnomalies(),
    };
  const malformed = findMalformedQueueOp(history)?.message;
  if (malformed)
    return { valid: 'unknown', reason: malformed, summary: 'unknown: malformed queue op', ...noAnomalies() };
  const expanded = expandQueueHistory(history);
  if (typeof expanded === 'string')
    return {
      valid: 'unknown',
      reason: expanded,
      summary: 'unknown: a drain took an unknown set',
      ...noAnomalies(),
    };
  // No delta debugging: dropping queue ops changes what the others mean (drop an enqueue and its
  // dequeue fails for another reason), so the failure is shown as the failing op and its concurrent ops.
  return checkLinearizable(expanded, drainQueueModel(), { ...opts, minimize: false });
}

/**
 * The history with queue ops as the drain-queue model takes them (see the module comment), or a string
 * saying why it cannot be checked. Synthetic drain-step ops keep the drain's history indices (so
 * explanations point at the drain) and get fresh negative processes (so they pair among themselves).
 */
export function expandQueueHistory(history: readonly Op[]): Op[] | string {
  const pending = new Map<Process, number>();
  // First pass: each invoke's completion, to know how many steps a drain expands to at its invoke.
  const completions = new Map<number, Op>();
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (op.process === 'nemesis') continue;
    if (op.type === 'invoke') pending.set(op.process, i);
    else {
      const at = pending.get(op.process);
      if (at !== undefined) completions.set(at, op);
      pending.delete(op.process);
    }
  }
  const out: Op[] = [];
  let nextProcess = -1;
  // Open enqueues by process: an ok enqueue without a value enqueued its invoke's value.
  const openEnqueue = new Map<Process, Op>();
  const drainSteps = new Map<number, Op[]>();
  const openDrain = new Map<Process, number>();
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (op.process === 'nemesis') continue;
    if (op.f === 'drain') {
      if (op.type === 'invoke') {
        const done = completions.get(i);
        if (done?.type === 'fail') {
          openDrain.set(op.process, i);
          continue;
        }
        const elems = done ? elementsOf(done.value) : undefined;
        if (!done || !elems)
          return `drain #${op.index} (process ${op.process}) ${done ? `completed ${done.type} without the list of what it took` : 'never completed'}, so what it took is unknown`;
        const steps: DrainStep[] = elems.map((elem, pos) => ({
          drain: op.index,
          pos,
          elem,
          process: op.process,
        }));
        steps.push({ drain: op.index, pos: elems.length, elem: null, process: op.process });
        const invokes = steps.map((s): Op => ({ ...op, process: nextProcess--, f: 'drain-step', value: s }));
        out.push(...invokes);
        drainSteps.set(i, invokes);
        openDrain.set(op.process, i);
      } else {
        const at = openDrain.get(op.process);
        openDrain.delete(op.process);
        if (at === undefined || op.type === 'fail') continue;
        const steps = drainSteps.get(at)!;
        steps.forEach((inv, k) => {
          const last = k === steps.length - 1;
          // An interrupted drain's last step is the element that may have gone while its ack was lost.
          const type = op.type === 'info' && last ? 'info' : 'ok';
          out.push({ ...op, process: inv.process, f: 'drain-step', type, value: inv.value });
        });
      }
      continue;
    }
    if (op.f === 'enqueue') {
      if (op.type === 'invoke') openEnqueue.set(op.process, op);
      else {
        const inv = openEnqueue.get(op.process);
        openEnqueue.delete(op.process);
        if (inv && (op.value === null || op.value === undefined)) {
          out.push({ ...op, value: inv.value });
          continue;
        }
      }
    }
    if (op.f === 'dequeue' && op.type === 'fail' && op.error === 'empty') {
      out.push({ ...op, type: 'ok', value: null });
      continue;
    }
    out.push(op);
  }
  return out;
}
