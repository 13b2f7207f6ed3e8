/**
 * Which nodes the crash family has (possibly) crashed and not yet restarted, shared between the fault
 * families of one run. A node that does not answer is excused by another family (kill's start, a
 * partition's heal, …) only when it is in this set: its namespace, processes and rules went with the
 * crash, and restart-node brings the node back. Any other unreachable node is a fault or heal that did
 * not happen, never an `ok` (on an SSH host, a node that stops answering is not crashed — it still holds
 * whatever faultline put there).
 *
 * Keyed by the run's RunContext (one object per run, passed to every family), so runs never share it.
 */
import type { RunContext } from '../src/core/index.ts';

const crashed = new WeakMap<RunContext, Set<string>>();

/** Records that the crash family is crashing `node` (from before the crash: it may half-happen). */
export function markCrashed(test: RunContext, node: string): void {
  const s = crashed.get(test) ?? new Set<string>();
  s.add(node);
  crashed.set(test, s);
}

/** Records that the crash family brought `node` back (its container runs again). */
export function markRestarted(test: RunContext, node: string): void {
  crashed.get(test)?.delete(node);
}

/** Did the crash family crash `node` in this run, without restarting it since? */
export function isCrashed(test: RunContext, node: string): boolean {
  return crashed.get(test)?.has(node) ?? false;
}
