/**
 * The unique-ids checker (Jepsen's jepsen.checker/unique-ids): every acknowledged `generate` returned a
 * distinct id. Reports attempted and acknowledged counts, the duplicated ids (id → count, with the ops
 * that returned each) and, when the ids are numbers, their range [min, max]. Ids compare by exact value
 * (valueKey), so 1 and "1" differ. Pure, no I/O.
 */
import { type AnomalyCase, anomalyFields, type Checker, type CheckResult } from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import { compareNumbers, stringifyExact, valueKey } from '../src/history/values.ts';

/** An op that returned a duplicated id: its completion's index, process and time. */
export interface IdOpRef {
  index: number;
  process: number | string;
  /** Nanoseconds since the run started. */
  timeNs: number;
}

export interface UniqueIdsResult extends CheckResult {
  attemptedCount: number;
  acknowledgedCount: number;
  /** Ids returned more than once: how many times, and by which ops. */
  duplicated: { id: unknown; count: number; ops: IdOpRef[] }[];
  duplicatedCount: number;
  /** [min, max] of the numeric ids acknowledged; null when none is a number. */
  range: [unknown, unknown] | null;
}

/** The unique-ids checker. */
export const uniqueIdsChecker: Checker = {
  name: 'unique-ids',
  check(_ctx, history) {
    return checkUniqueIds(history);
  },
};

/**
 * Why the unique-ids checker cannot read one call (f, value: an ok completion's, else the invoke's, and
 * outcome), or undefined: an op other than `generate`, or an ok generate that carries no id.
 */
export function uniqueIdsCallProblem(c: { f: string; value: unknown; outcome: string }): string | undefined {
  if (c.f !== 'generate') return `${c.f} is not a unique-ids op`;
  if (c.outcome === 'ok' && (c.value === null || c.value === undefined))
    return 'an ok generate carries the id it returned';
  return undefined;
}

/**
 * The first client op pair the unique-ids checker cannot read (uniqueIdsCallProblem): the op (its
 * completion, else its invoke) and a one-line reason naming it; undefined when there is none. Pure.
 */
export function findMalformedUniqueIdsOp(history: readonly Op[]): { op: Op; message: string } | undefined {
  const { pairs } = pairOps(history.filter((o) => o.process !== 'nemesis'));
  for (const { invoke, completion } of pairs) {
    const outcome = completion?.type ?? 'info';
    const problem = uniqueIdsCallProblem({ f: invoke.f, value: completion?.value, outcome });
    const at = completion ?? invoke;
    if (problem) return { op: at, message: `op ${at.index} (${outcome} ${invoke.f}): ${problem}` };
  }
  return undefined;
}

/**
 * Runs the unique-ids analysis on a history. Pure. Ops it cannot read (uniqueIdsCallProblem: an ok
 * generate without an id, an op other than generate) make the verdict `unknown`, naming them.
 */
export function checkUniqueIds(history: readonly Op[]): UniqueIdsResult {
  const { pairs } = pairOps(history.filter((o) => o.process !== 'nemesis'));
  const seen = new Map<string, { id: unknown; ops: IdOpRef[] }>();
  let attempted = 0;
  let acked = 0;
  let min: unknown;
  let max: unknown;
  const unreadable: string[] = [];
  for (const { invoke, completion } of pairs) {
    const outcome = completion?.type ?? 'info';
    const problem = uniqueIdsCallProblem({ f: invoke.f, value: completion?.value, outcome });
    if (problem) {
      unreadable.push(`op ${(completion ?? invoke).index} (${problem})`);
      continue;
    }
    attempted++;
    if (completion?.type !== 'ok') continue;
    acked++;
    const id = completion.value;
    const k = valueKey(id);
    const e = seen.get(k) ?? { id, ops: [] };
    e.ops.push({ index: completion.index, process: invoke.process, timeNs: completion.time });
    seen.set(k, e);
    if (typeof id === 'number' || typeof id === 'bigint') {
      if (min === undefined || compareNumbers(id, min) < 0) min = id;
      if (max === undefined || compareNumbers(id, max) > 0) max = id;
    }
  }
  const dups = [...seen.values()]
    .filter((e) => e.ops.length > 1)
    .sort((a, b) => a.ops[0]!.index - b.ops[0]!.index);
  const shown = (x: unknown) => stringifyExact(x) ?? String(x);
  const cases = dups.map(
    (e): AnomalyCase => ({
      ops: e.ops.map((r) => r.index),
      explanation: `id ${shown(e.id)} was returned ${e.ops.length} times: ${e.ops.map((r) => `#${r.index} (process ${r.process}, ${Math.round(r.timeNs / 1e6)} ms)`).join(', ')}`,
      data: { id: e.id, count: e.ops.length },
    }),
  );
  const valid = unreadable.length ? 'unknown' : dups.length === 0;
  const shownUnreadable =
    unreadable.slice(0, 5).join(', ') + (unreadable.length > 5 ? `, … (${unreadable.length} in all)` : '');
  return {
    valid,
    summary: unreadable.length
      ? `unknown: ${unreadable.length} ops without a readable id`
      : `${acked} ids acknowledged of ${attempted} attempted${dups.length ? `, ${dups.length} DUPLICATED` : ', all distinct'}`,
    ...(unreadable.length ? { reason: `ops the unique-ids checker cannot read: ${shownUnreadable}` } : {}),
    attemptedCount: attempted,
    acknowledgedCount: acked,
    duplicated: dups.map((e) => ({ id: e.id, count: e.ops.length, ops: e.ops })),
    duplicatedCount: dups.length,
    range: min === undefined ? null : [min, max],
    ...anomalyFields({ duplicated: valid === false ? cases : [] }),
  };
}
