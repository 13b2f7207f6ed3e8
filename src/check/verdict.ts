/**
 * The overall verdict of a check, from the checkers' results and the history's impossibilities.
 * Two rules on top of `compose`'s "false beats unknown beats true":
 * - a malformed history (see src/history/validate.ts) is `unknown` unless the user allowed it, because
 *   checkers that drop unpaired ops could otherwise pass a damaged history;
 * - checkers named `informational` (e.g. stats and exceptions when re-checking another tool's history)
 *   are shown but do not decide: the user asked for a model or workload, and that answers.
 * The top-level anomalies follow the decided verdict: those of the gating checkers when it is false,
 * none otherwise (each checker's own stay in `results`).
 */

import {
  type CheckResult,
  composedAnomalies,
  mergeValidity,
  noAnomalies,
  type Validity,
} from '../core/checker.ts';
import type { HistoryProblem } from '../history/validate.ts';
import { malformedReason } from '../history/validate.ts';

export interface VerdictOptions {
  /** From `validateHistory`; every one is kept in the result as `historyProblems`. */
  historyProblems: readonly HistoryProblem[];
  /** The user accepted a malformed history: the checkers' verdict stands (problems still listed). */
  allowMalformed?: boolean;
  /** Checker names whose verdicts are shown but do not gate the overall verdict. */
  informational?: readonly string[];
}

/** A composed result with the overall verdict decided; `historyProblems` is present only when non-empty. */
export interface DecidedResult extends CheckResult {
  results?: Record<string, CheckResult>;
  historyProblems?: HistoryProblem[];
  /** Checkers whose verdicts did not gate (only when some were informational). */
  informational?: string[];
}

/** Whether checkers need to run at all: not on a malformed history the user did not allow. */
export const shouldCheck = (o: VerdictOptions): boolean =>
  o.historyProblems.length === 0 || o.allowMalformed === true;

/**
 * The final result: `composed` (compose's output, or undefined when the checkers were not run because
 * the history is malformed) with `valid`, `summary`, `reason` and `historyProblems` decided by the
 * rules above. Pure.
 */
export function decideVerdict(composed: CheckResult | undefined, o: VerdictOptions): DecidedResult {
  const problems = [...o.historyProblems];
  const extra = problems.length ? { historyProblems: problems } : {};
  if (!composed || !shouldCheck(o)) {
    const reason = malformedReason(problems);
    const { anomalyCounts: _counts, ...rest } = composed ?? {};
    return {
      ...rest,
      valid: 'unknown',
      summary: `${reason}; checkers not run (pass --allow-malformed to check what pairs)`,
      reason,
      ...noAnomalies(),
      ...extra,
    };
  }
  const per = (composed.results ?? {}) as Record<string, CheckResult>;
  const info = new Set(o.informational ?? []);
  const gating = Object.entries(per).filter(([n]) => !info.has(n));
  let valid: Validity = composed.valid;
  let summary = composed.summary;
  if (info.size > 0 && gating.length > 0) {
    valid = mergeValidity(gating.map(([, r]) => r.valid));
    const bad = gating.filter(([, r]) => r.valid !== true);
    summary =
      bad.length === 0
        ? `${gating.map(([n]) => n).join(', ')} valid`
        : bad.map(([n, r]) => `${n}: ${r.valid === false ? 'INVALID' : 'unknown'}`).join(', ');
  }
  if (problems.length) summary = `${summary ?? ''} (${malformedReason(problems)}; allowed)`.trim();
  const { anomalyCounts, ...rest } = composed;
  const anomalies =
    valid !== false
      ? noAnomalies()
      : info.size > 0 && gating.length > 0
        ? composedAnomalies(Object.fromEntries(gating))
        : {
            anomalyTypes: composed.anomalyTypes ?? [],
            anomalies: composed.anomalies ?? {},
            ...(anomalyCounts ? { anomalyCounts } : {}),
          };
  const out: DecidedResult = { ...rest, valid, ...anomalies, ...extra };
  if (summary !== undefined) out.summary = summary;
  if (info.size > 0) out.informational = [...info].filter((n) => n in per);
  return out;
}
