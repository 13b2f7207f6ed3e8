/** Terminal output of verdicts, shared by `run` and `analyze`. */

import type { CheckResult } from '../core/checker.ts';
import { formatLinearizabilityResult, type LinearizabilityResult } from '../registry.ts';
import { anomalyText, wrapText } from '../report/anomalies.ts';

export const VERDICT = { true: 'VALID', false: 'INVALID', unknown: 'UNKNOWN' } as const;
export const verdictWord = (v: unknown): string => VERDICT[String(v) as keyof typeof VERDICT] ?? String(v);

const indent = (s: string, by = '    ') =>
  s
    .split('\n')
    .map((l) => by + l)
    .join('\n');

/** Columns the anomaly explanations are wrapped to. */
const TEXT_WIDTH = 100;

/**
 * `VERDICT  N ops  where`, then a line per checker, then each non-valid checker's anomalies (per type,
 * its count and the first cases' explanations wrapped to 100 columns, from the result's `anomalies`), then linearizability's
 * full counterexample when there is one, then every impossibility in the history (`historyProblems`,
 * see src/history/validate.ts). A result without the anomaly fields shows its summary line only.
 */
export function formatVerdict(
  composed: Pick<CheckResult, 'valid'> & Partial<CheckResult>,
  opCount: number,
  where: string,
): string {
  const out = [`${verdictWord(composed.valid)}  ${opCount} ops  ${where}`];
  const per = (composed.results ?? {}) as Record<string, CheckResult>;
  if (Object.keys(per).length === 0 && composed.summary) out.push(`  ${composed.summary}`);
  for (const [name, r] of Object.entries(per)) {
    out.push(
      `  ${name.padEnd(14)} ${(r.skipped === true ? 'SKIPPED' : verdictWord(r.valid)).padEnd(8)} ${r.summary ?? ''}${r.reason && !r.summary?.includes(r.reason) ? ` (${r.reason})` : ''}`,
    );
  }
  const bad = Object.keys(per).length ? Object.entries(per) : [['', composed] as const];
  for (const [name, r] of bad) {
    if (r.valid !== false) continue;
    for (const a of anomalyText(r)) {
      out.push(`  ${name ? `${name}: ` : ''}${a.heading}`);
      // A cycle's explanation runs to thousands of characters: wrapped, one step a line.
      for (const l of a.lines) for (const w of wrapText(l, TEXT_WIDTH - 4)) out.push(`    ${w}`);
    }
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
