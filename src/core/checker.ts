import type { Op } from './op.ts';

/** true = no anomaly found, false = anomaly found, 'unknown' = could not decide (budget, no data). */
export type Validity = true | false | 'unknown';

/** A checker's verdict with its details; stored in results.json (so it must be JSON-serialisable). */
export interface CheckResult {
  valid: Validity;
  /** One-line human summary, shown in the terminal, JUnit and Markdown. */
  summary?: string;
  /** Why the verdict is unknown (time limit, memory limit, nothing to check…). */
  reason?: string;
  /** Checker-specific details (JSON-serialisable): anomalies, counts, counterexamples. */
  [detail: string]: unknown;
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
