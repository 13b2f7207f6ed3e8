import type { Op } from './op.ts';

/** true = no anomaly found, false = anomaly found, 'unknown' = could not decide (budget, no data). */
export type Validity = true | false | 'unknown';

/**
 * One instance of an anomaly: the ops that show it and why, in plain words. Modelled on the cases of
 * Elle's result map (`:anomalies {type [case …]}`, elle/txn.clj), so a transactional checker's G0, G1a…
 * cases fit as they are.
 */
export interface AnomalyCase {
  /**
   * History indices (`Op.index`) of the ops involved, in the order the explanation mentions them. Each
   * is an invocation or a completion, whichever carries the evidence (a read's completion holds the
   * value read); renderers link either to its op. Every index exists in the checked history.
   */
  ops: number[];
  /** What is wrong, in plain words, naming the ops by `#index` (e.g. "acknowledged add of 7 (#12) is missing from the final read (#80)"). */
  explanation: string;
  /** Structured details for tools (the element, the bounds, the balances…), JSON-serialisable. */
  data?: unknown;
}

/**
 * A checker's verdict with its details; stored in results.json (so it must be JSON-serialisable).
 *
 * Findings travel in one shape, Elle's (elle/txn.clj `result-map`): `anomalyTypes` lists the anomaly
 * types found, sorted, and `anomalies` maps each of them to its cases. Both are empty exactly when
 * `valid !== false`: a valid or unknown result has no anomalies (things worth noting that are not
 * anomalies, e.g. a set's recovered elements, stay in the checker's own detail fields). Renderers
 * (report.html, summary.md, junit.xml, the terminal) read only these two fields, `anomalyCounts`,
 * `valid`, `summary` and `reason`; results.json written before this shape has neither field, and is
 * then shown by its summary line only.
 */
export interface CheckResult {
  valid: Validity;
  /** One-line human summary, shown in the terminal, JUnit and Markdown. */
  summary?: string;
  /** Why the verdict is unknown (time limit, memory limit, nothing to check…). */
  reason?: string;
  /** The anomaly types found (keys of `anomalies`), sorted; kebab-case names such as `lost`, `G1a`. */
  anomalyTypes: string[];
  /** Per anomaly type, its cases (at most MAX_CASES_PER_TYPE listed; `anomalyCounts` has the rest). */
  anomalies: Record<string, AnomalyCase[]>;
  /**
   * Per anomaly type, how many cases were found, present only for types where fewer were listed than
   * found (a long run can lose thousands of elements; results.json stays bounded). Absent: all listed.
   */
  anomalyCounts?: Record<string, number>;
  /** Checker-specific details (JSON-serialisable): counts, counterexamples, what the report draws. */
  [detail: string]: unknown;
}

/** Cases listed per anomaly type; past it only the count is kept (`anomalyCounts`). */
export const MAX_CASES_PER_TYPE = 1000;

/** The anomaly fields of a result with nothing found (valid, or unknown). */
export const noAnomalies = (): Pick<CheckResult, 'anomalyTypes' | 'anomalies'> => ({
  anomalyTypes: [],
  anomalies: {},
});

/**
 * The anomaly fields of a result from each type's cases: types without cases are dropped, types are
 * sorted, at most MAX_CASES_PER_TYPE cases are kept per type. `found` gives the true number of cases
 * per type when the checker itself listed fewer than it found; it and any cut here go to
 * `anomalyCounts`. Pure.
 */
export function anomalyFields(
  cases: Record<string, readonly AnomalyCase[]>,
  found: Record<string, number> = {},
): Pick<CheckResult, 'anomalyTypes' | 'anomalies' | 'anomalyCounts'> {
  const anomalies: Record<string, AnomalyCase[]> = {};
  const counts: Record<string, number> = {};
  const byType = Object.entries(cases).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [type, cs] of byType) {
    if (cs.length === 0) continue;
    anomalies[type] = cs.slice(0, MAX_CASES_PER_TYPE);
    const n = Math.max(found[type] ?? 0, cs.length);
    if (n > anomalies[type].length) counts[type] = n;
  }
  return {
    anomalyTypes: Object.keys(anomalies),
    anomalies,
    ...(Object.keys(counts).length ? { anomalyCounts: counts } : {}),
  };
}

/**
 * The anomaly fields of a composed result: every non-valid-false result's anomalies are left out (so
 * the fields stay empty exactly when no result is false), the others' types are prefixed with the
 * checker's name (`set/lost`, `linearizable/nonlinearizable`), so two checkers' `lost` stay apart. Pure.
 */
export function composedAnomalies(
  results: Record<string, Pick<CheckResult, 'valid' | 'anomalies' | 'anomalyCounts'>>,
): Pick<CheckResult, 'anomalyTypes' | 'anomalies' | 'anomalyCounts'> {
  const cases: Record<string, AnomalyCase[]> = {};
  const found: Record<string, number> = {};
  for (const [name, r] of Object.entries(results)) {
    if (r.valid !== false) continue;
    for (const [type, cs] of Object.entries(r.anomalies ?? {})) {
      cases[`${name}/${type}`] = cs;
      const n = r.anomalyCounts?.[type];
      if (n !== undefined) found[`${name}/${type}`] = n;
    }
  }
  return anomalyFields(cases, found);
}

/** What a checker may know about the test (never the cluster: checkers are pure functions of a history). */
export interface CheckContext {
  /** Test name, concurrency, nodes, options — the resolved test.json. */
  test: { name: string; concurrency: number; nodes: string[]; [k: string]: unknown };
}

/** The budget and cancellation a checker must respect. */
export interface CheckOptions {
  /** Wall-clock budget in ms; past it a checker answers 'unknown'. */
  timeLimitMs?: number;
  /** Heap budget in bytes; past it a checker answers 'unknown'. */
  memoryLimitBytes?: number;
  /** Cancellation (e.g. Ctrl-C during checking). */
  signal?: AbortSignal;
}

/** A pure function of a history (never the cluster), so `faultline analyze` can re-check any run. */
export interface Checker {
  name: string;
  check(ctx: CheckContext, history: readonly Op[], opts: CheckOptions): CheckResult | Promise<CheckResult>;
}

/** Combines verdicts: false beats unknown beats true. */
export function mergeValidity(vs: Iterable<Validity>): Validity {
  let out: Validity = true;
  for (const v of vs) {
    if (v === false) return false;
    if (v === 'unknown') out = 'unknown';
  }
  return out;
}
