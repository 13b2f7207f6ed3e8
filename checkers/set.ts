import type { Op } from '../src/history/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import { compareNumbers, elementsOf, valueKey } from '../src/history/values.ts';
import type { Checker, CheckResult } from './checker.ts';

export interface SetResult extends CheckResult {
  attemptCount: number;
  acknowledgedCount: number;
  finalReadSize: number;
  /** Acknowledged adds missing from the final read. */
  lost: unknown[];
  /** Elements read that nobody tried to add. */
  unexpected: unknown[];
  /** Adds that definitely failed, yet are present. */
  failedButPresent: unknown[];
  /** Elements the final read returned more than once. */
  duplicated: unknown[];
  /** Indeterminate (info) adds that turned out to have happened. */
  recovered: unknown[];
  /** Indeterminate adds that did not happen (allowed). */
  neverApplied: number;
}

const key = valueKey;

/**
 * Jepsen's set checker: unique adds, then a final read after the heal. Every acknowledged add must be in
 * the final read; nothing may appear that was not attempted or that definitely failed; an add that
 * ended `info` may be present or not. The final read is the last successful read in the history.
 */
export const setChecker: Checker = {
  name: 'set',
  check(_ctx, history: readonly Op[]): SetResult | CheckResult {
    const { pairs } = pairOps(history.filter((o) => o.process !== 'nemesis'));
    const attempted = new Map<string, unknown>();
    const acked = new Set<string>();
    const failed = new Set<string>();
    const indeterminate = new Set<string>();
    let finalRead: readonly unknown[] | undefined;
    let finalAt = -1;
    for (const { invoke, completion } of pairs) {
      if (invoke.f === 'add') {
        const k = key(invoke.value);
        attempted.set(k, invoke.value);
        const t = completion?.type ?? 'info';
        if (t === 'ok') acked.add(k);
        else if (t === 'fail') failed.add(k);
        else indeterminate.add(k);
      } else if (invoke.f === 'read' && completion?.type === 'ok' && elementsOf(completion.value)) {
        if (completion.index > finalAt) {
          finalRead = elementsOf(completion.value);
          finalAt = completion.index;
        }
      }
    }
    if (!finalRead) return { valid: 'unknown', reason: 'no read succeeded, so the final state is unknown' };
    const seen = new Map<string, number>();
    // Keys back to values exactly (JSON.parse of a key would round bigints).
    const exactOf = new Map<string, unknown>();
    for (const x of finalRead) {
      seen.set(key(x), (seen.get(key(x)) ?? 0) + 1);
      exactOf.set(key(x), x);
    }
    const lost = [...acked].filter((k) => !seen.has(k)).map((k) => attempted.get(k));
    const unexpected = [...seen.keys()].filter((k) => !attempted.has(k)).map((k) => exactOf.get(k));
    const failedButPresent = [...failed].filter((k) => seen.has(k)).map((k) => attempted.get(k));
    const duplicated = [...seen].filter(([, n]) => n > 1).map(([k]) => exactOf.get(k));
    const recovered = [...indeterminate].filter((k) => seen.has(k)).map((k) => attempted.get(k));
    const valid = lost.length + unexpected.length + failedButPresent.length + duplicated.length === 0;
    const parts = [
      `${acked.size} acknowledged, ${seen.size} in final read`,
      lost.length ? `${lost.length} LOST` : '',
      unexpected.length ? `${unexpected.length} unexpected` : '',
      failedButPresent.length ? `${failedButPresent.length} failed-but-present` : '',
      duplicated.length ? `${duplicated.length} duplicated` : '',
    ].filter(Boolean);
    return {
      valid,
      summary: parts.join(', '),
      attemptCount: attempted.size,
      acknowledgedCount: acked.size,
      finalReadSize: seen.size,
      lost: sortValues(lost),
      unexpected: sortValues(unexpected),
      failedButPresent: sortValues(failedButPresent),
      duplicated: sortValues(duplicated),
      recovered: sortValues(recovered),
      neverApplied: indeterminate.size - recovered.length,
    };
  },
};

function sortValues(xs: unknown[]): unknown[] {
  return xs.sort((a, b) =>
    Number.isNaN(compareNumbers(a, b)) ? key(a).localeCompare(key(b)) : compareNumbers(a, b),
  );
}
