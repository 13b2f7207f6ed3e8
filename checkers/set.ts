import {
  type AnomalyCase,
  anomalyFields,
  type Checker,
  type CheckResult,
  noAnomalies,
} from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import { compareNumbers, elementsOf, stringifyExact, valueKey } from '../src/history/values.ts';

export interface SetResult extends CheckResult {
  /** Distinct elements with at least one add attempt (failed attempts included). */
  attemptCount: number;
  /** Distinct elements with at least one acknowledged add. */
  acknowledgedCount: number;
  finalReadSize: number;
  /** Elements with an acknowledged add, missing from the final read. */
  lost: unknown[];
  /** Elements read that no add which may have happened could explain (failed-only ones included). */
  unexpected: unknown[];
  /** The unexpected elements that were attempted, but every attempt failed. */
  failedButPresent: unknown[];
  /** Elements the final read returned more than once. */
  duplicated: unknown[];
  /** Elements with no acknowledged add, only indeterminate ones, that turned out to have happened. */
  recovered: unknown[];
  /** Elements with only indeterminate (and failed) adds that are absent (allowed). */
  neverApplied: number;
}

const key = valueKey;

/** How the add attempts of one element ended: any acknowledged, any that may have happened, any at all. */
interface Attempts {
  value: unknown;
  ok: boolean;
  maybe: boolean;
  /** Invocation indices of its ok attempts and of its failed ones. */
  okIndices: number[];
  failedIndices: number[];
}

/**
 * Jepsen's set checker (jepsen.checker/set): adds, then a final read after the heal. An element may be
 * added more than once (a retry after a failure, two attempts); it is judged by all its attempts:
 * present is fine when any attempt may have happened (ok, info, or never completed); it is lost when
 * an attempt was acknowledged and the final read lacks it; it is unexpected when present and no attempt
 * may have happened (none, or only `fail`ed ones, which certainly did not). The final read is the last
 * successful read in the history.
 */
export const setChecker: Checker = {
  name: 'set',
  check(_ctx, history: readonly Op[]): SetResult | CheckResult {
    const { pairs } = pairOps(history.filter((o) => o.process !== 'nemesis'));
    const attempts = new Map<string, Attempts>();
    let finalRead: readonly unknown[] | undefined;
    let finalIndex = -1;
    for (const { invoke, completion } of pairs) {
      if (invoke.f === 'add') {
        const k = key(invoke.value);
        const a = attempts.get(k) ?? {
          value: invoke.value,
          ok: false,
          maybe: false,
          okIndices: [],
          failedIndices: [],
        };
        const t = completion?.type ?? 'info';
        if (t === 'ok') a.ok = true;
        if (t !== 'fail') a.maybe = true;
        if (t === 'ok') a.okIndices.push(invoke.index);
        if (t === 'fail') a.failedIndices.push(invoke.index);
        attempts.set(k, a);
      } else if (invoke.f === 'read' && completion?.type === 'ok' && elementsOf(completion.value)) {
        if (completion.index > finalIndex) {
          finalRead = elementsOf(completion.value);
          finalIndex = completion.index;
        }
      }
    }
    if (!finalRead)
      return {
        valid: 'unknown',
        reason: 'no read succeeded, so the final state is unknown',
        ...noAnomalies(),
      };
    const seen = new Map<string, number>();
    // Keys back to values exactly (JSON.parse of a key would round bigints).
    const exactOf = new Map<string, unknown>();
    for (const x of finalRead) {
      seen.set(key(x), (seen.get(key(x)) ?? 0) + 1);
      exactOf.set(key(x), x);
    }
    const all = [...attempts];
    const lost = all.filter(([k, a]) => a.ok && !seen.has(k)).map(([, a]) => a.value);
    const unexpected = [...seen.keys()]
      .filter((k) => !attempts.get(k)?.maybe)
      .map((k) => attempts.get(k)?.value ?? exactOf.get(k));
    const failedButPresent = all.filter(([k, a]) => !a.maybe && seen.has(k)).map(([, a]) => a.value);
    const duplicated = [...seen].filter(([, n]) => n > 1).map(([k]) => exactOf.get(k));
    const recovered = all.filter(([k, a]) => a.maybe && !a.ok && seen.has(k)).map(([, a]) => a.value);
    const indeterminate = all.filter(([, a]) => a.maybe && !a.ok).length;
    const acked = all.filter(([, a]) => a.ok).length;
    const valid = lost.length + unexpected.length + duplicated.length === 0;
    const parts = [
      `${acked} acknowledged, ${seen.size} in final read`,
      lost.length ? `${lost.length} LOST` : '',
      unexpected.length
        ? `${unexpected.length} unexpected${failedButPresent.length ? ` (${failedButPresent.length} of them only ever failed)` : ''}`
        : '',
      duplicated.length ? `${duplicated.length} duplicated` : '',
    ].filter(Boolean);
    return {
      valid,
      summary: parts.join(', '),
      attemptCount: attempts.size,
      acknowledgedCount: acked,
      finalReadSize: seen.size,
      lost: sortValues(lost),
      unexpected: sortValues(unexpected),
      failedButPresent: sortValues(failedButPresent),
      duplicated: sortValues(duplicated),
      recovered: sortValues(recovered),
      neverApplied: indeterminate - recovered.length,
      ...setAnomalies(attempts, { lost, unexpected, duplicated }, finalIndex),
    };
  },
};

/**
 * The set's findings as anomaly cases (one per element): `lost`, `unexpected` (its explanation says
 * when every attempt failed) and `duplicated`; each names the element's add attempts and the final read.
 */
function setAnomalies(
  attempts: ReadonlyMap<string, Attempts>,
  found: { lost: unknown[]; unexpected: unknown[]; duplicated: unknown[] },
  finalIndex: number,
): Pick<SetResult, 'anomalyTypes' | 'anomalies' | 'anomalyCounts'> {
  const shown = (x: unknown) => stringifyExact(x) ?? String(x);
  const refs = (xs: number[]) => xs.map((i) => `#${i}`).join(', ');
  const lost = found.lost.map((x): AnomalyCase => {
    const a = attempts.get(key(x))!;
    return {
      ops: [...a.okIndices, finalIndex],
      explanation: `the add of ${shown(x)} (${refs(a.okIndices)}) was acknowledged but the final read (#${finalIndex}) lacks it`,
      data: { element: x },
    };
  });
  const unexpected = found.unexpected.map((x): AnomalyCase => {
    const a = attempts.get(key(x));
    const failed = a?.failedIndices ?? [];
    return {
      ops: [...failed, finalIndex],
      explanation: failed.length
        ? `the final read (#${finalIndex}) has ${shown(x)}, but every add of it failed (${refs(failed)})`
        : `the final read (#${finalIndex}) has ${shown(x)}, which was never added`,
      data: { element: x },
    };
  });
  const duplicated = found.duplicated.map(
    (x): AnomalyCase => ({
      ops: [finalIndex],
      explanation: `the final read (#${finalIndex}) has ${shown(x)} more than once`,
      data: { element: x },
    }),
  );
  return anomalyFields({ lost, unexpected, duplicated });
}

function sortValues(xs: unknown[]): unknown[] {
  return xs.sort((a, b) =>
    Number.isNaN(compareNumbers(a, b)) ? key(a).localeCompare(key(b)) : compareNumbers(a, b),
  );
}
