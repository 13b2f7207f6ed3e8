import { type Checker, type CheckResult, noAnomalies } from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';

export interface FStats {
  count: number;
  ok: number;
  fail: number;
  info: number;
}

/** Per-f counts of client completions. */
export function opStats(history: readonly Op[]): { total: FStats; byF: Record<string, FStats> } {
  const total: FStats = { count: 0, ok: 0, fail: 0, info: 0 };
  const byF: Record<string, FStats> = {};
  for (const op of history) {
    if (op.type === 'invoke' || op.process === 'nemesis') continue;
    let s = byF[op.f];
    if (!s) {
      s = { count: 0, ok: 0, fail: 0, info: 0 };
      byF[op.f] = s;
    }
    s.count++;
    s[op.type]++;
    total.count++;
    total[op.type]++;
  }
  return { total, byF };
}

/**
 * Jepsen's stats checker: counts per op function. An f that never once succeeded makes the verdict
 * unknown — the test could not have observed anything about it.
 */
export const stats: Checker = {
  name: 'stats',
  check(_ctx, history): CheckResult {
    const { total, byF } = opStats(history);
    const never = Object.entries(byF)
      .filter(([, s]) => s.ok === 0)
      .map(([f]) => f);
    const valid = total.count === 0 || never.length > 0 ? 'unknown' : true;
    const reason =
      total.count === 0
        ? 'no client op completed'
        : never.length
          ? `no ${never.join(', ')} op ever succeeded`
          : undefined;
    return {
      valid,
      ...(reason ? { reason } : {}),
      summary: `${total.count} ops: ${total.ok} ok, ${total.fail} fail, ${total.info} info`,
      total,
      byF,
      // Never false: an f that never succeeded makes the verdict unknown, which is not an anomaly.
      ...noAnomalies(),
    };
  },
};
