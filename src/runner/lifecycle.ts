/** Pure helpers of the run lifecycle (run.ts): unplanned events, nemesis failures. No I/O. */
import type { Op } from '../core/op.ts';

/** The `f` of the unplanned nemesis-side event recorded when a node disappears mid-run. */
export const NODE_LOST = 'node-lost';
/** The `f` of the unplanned event recorded when the cluster backend (Docker engine) goes away. */
export const ENGINE_LOST = 'engine-lost';

/** Unplanned events are recorded by the run, not performed by a nemesis. */
const UNPLANNED = new Set([NODE_LOST, ENGINE_LOST]);

/**
 * Nemesis completions that are not `ok` (fail, info, or ok-but-fault), other than the unplanned events
 * and faults that had no target (`fault: 'no-target'`, a `fail`: nothing to aim at, e.g. no leader while
 * other faults hold a majority down). Any of them means a fault did not happen as planned, whatever its
 * error text says: the run fails.
 */
export function nemesisFailures(history: readonly Op[]): Op[] {
  return history.filter(
    (o) =>
      o.process === 'nemesis' &&
      o.type !== 'invoke' &&
      !UNPLANNED.has(o.f) &&
      o.fault !== 'no-target' &&
      (o.type !== 'ok' || o.fault !== undefined),
  );
}

/**
 * Which of `names` appear in the values (as a string anywhere inside, or an object key: grudges are
 * `{n1: [n2]}`), sorted. Used to refuse `ok` for a fault naming a node that was lost.
 */
export function namedNodes(values: readonly unknown[], names: readonly string[]): string[] {
  if (names.length === 0) return [];
  const wanted = new Set(names);
  const found = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (wanted.has(v)) found.add(v);
      return;
    }
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (wanted.has(k)) found.add(k);
      walk(x);
    }
  };
  for (const v of values) walk(v);
  return [...found].sort();
}
