import {
  type CheckContext,
  type Checker,
  type CheckOptions,
  type CheckResult,
  composedAnomalies,
  mergeValidity,
  noAnomalies,
} from '../src/core/checker.ts';
import { errorText } from '../src/core/errors.ts';
import type { Op } from '../src/core/op.ts';

/** The combined verdict and, under `results`, each checker's own result by name. */
export interface ComposedResult extends CheckResult {
  results: Record<string, CheckResult>;
}

/**
 * Runs several checkers on one history and combines their verdicts (false beats unknown beats true).
 * The composed anomalies are those of the false results, each type prefixed with its checker's name
 * (`set/lost`; see composedAnomalies); every result keeps its own under `results`.
 * A checker that throws yields `unknown` with the error as the reason: one broken checker must not hide
 * the verdicts of the others.
 */
export function compose(checkers: readonly Checker[]): Checker {
  return {
    name: 'compose',
    async check(ctx: CheckContext, history: readonly Op[], opts: CheckOptions): Promise<ComposedResult> {
      const results: Record<string, CheckResult> = {};
      for (const c of checkers) {
        if (opts.signal?.aborted) {
          results[c.name] = { valid: 'unknown', reason: 'checking was interrupted', ...noAnomalies() };
          continue;
        }
        try {
          results[c.name] = await c.check(ctx, history, opts);
        } catch (err) {
          results[c.name] = {
            valid: 'unknown',
            reason: `checker crashed: ${errorText(err)}`,
            ...noAnomalies(),
          };
        }
      }
      const valid = mergeValidity(Object.values(results).map((r) => r.valid));
      const bad = Object.entries(results).filter(([, r]) => r.valid !== true);
      const summary =
        bad.length === 0
          ? `all ${checkers.length} checkers valid`
          : bad.map(([n, r]) => `${n}: ${r.valid === false ? 'INVALID' : 'unknown'}`).join(', ');
      return { valid, summary, ...composedAnomalies(results), results };
    },
  };
}
