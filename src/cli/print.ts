/** Terminal output of verdicts, shared by `run` and `analyze`. */

import type { CheckResult } from '../core/checker.ts';
import { formatLinearizabilityResult, type LinearizabilityResult } from '../registry.ts';

export const VERDICT = { true: 'VALID', false: 'INVALID', unknown: 'UNKNOWN' } as const;
export const verdictWord = (v: unknown): string => VERDICT[String(v) as keyof typeof VERDICT] ?? String(v);

const indent = (s: string, by = '    ') =>
  s
    .split('\n')
    .map((l) => by + l)
    .join('\n');

/**
 * `VERDICT  N ops  where`, then a line per checker, then the explanation of each anomaly, then every
 * impossibility in the history (`historyProblems`, see src/history/validate.ts).
 */
export function formatVerdict(composed: CheckResult, opCount: number, where: string): string {
  const out = [`${verdictWord(composed.valid)}  ${opCount} ops  ${where}`];
  const per = (composed.results ?? {}) as Record<string, CheckResult>;
  if (Object.keys(per).length === 0 && composed.summary) out.push(`  ${composed.summary}`);
  for (const [name, r] of Object.entries(per)) {
    out.push(
      `  ${name.padEnd(14)} ${(r.skipped === true ? 'SKIPPED' : verdictWord(r.valid)).padEnd(8)} ${r.summary ?? ''}${r.reason ? ` (${r.reason})` : ''}`,
    );
  }
  const lin = per.linearizable as LinearizabilityResult | undefined;
  if (lin && lin.valid !== true && 'failure' in lin) out.push(indent(formatLinearizabilityResult(lin)));
  const problems = (composed.historyProblems ?? []) as { message: string }[];
  if (problems.length) {
    out.push(`  the history is malformed (${problems.length} problem${problems.length === 1 ? '' : 's'}):`);
    for (const p of problems) out.push(`    ${p.message}`);
  }
  return `${out.join('\n')}\n`;
}

export const invocationCount = (history: readonly { type: string }[]): number =>
  history.reduce((n, op) => n + (op.type === 'invoke' ? 1 : 0), 0);
