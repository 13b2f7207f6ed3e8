/** summary.md: a short Markdown verdict for CI job summaries (GitHub's $GITHUB_STEP_SUMMARY and the like). */
import { anomalyText } from './anomalies.ts';
import { mdCode, mdEscape } from './escape.ts';
import type { LoadedRun } from './load.ts';
import { type RunSummary, verdictWord, versionText } from './summary.ts';

const ICON: Record<string, string> = { true: '✅', false: '❌', unknown: '❓' };
const num = (n: number) => n.toLocaleString('en-US');
/** summary.md feeds CI job summaries, which have size limits: the full list stays in results.json. */
const MAX_PROBLEMS = 100;

/**
 * A sub-list item for a case text that may span lines (a cycle's explanation, one step a line): each
 * line after the first continues the item after a hard line break, its indentation dropped and a
 * leading list or heading marker escaped, so it stays text of this item.
 */
function mdItem(text: string): string {
  const [first = '', ...rest] = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const cont = rest.map(
    (l) =>
      `    ${mdEscape(l.trim())
        .replace(/^([-+#=])/, '\\$1')
        .replace(/^(\d+)([.)])/, '$1\\$2')}`,
  );
  return [`  - ${mdEscape(first)}`, ...cont].join(' \\\n');
}

export function summaryMarkdown(run: LoadedRun, s: RunSummary, opts: { reportPath?: string } = {}): string {
  const lines: string[] = [];
  const icon = ICON[String(s.valid)] ?? '❓';
  lines.push(`## ${icon} faultline: ${mdEscape(s.title)} — ${verdictWord(s.valid)}`, '');
  if (s.summary) lines.push(mdEscape(s.summary), '');
  if (s.runError) lines.push(`**The run itself failed:** ${mdEscape(s.runError)}`, '');
  if (s.historyProblems.length) {
    const n = s.historyProblems.length;
    lines.push(`**The history is malformed** (${num(n)} problem${n === 1 ? '' : 's'}):`, '');
    for (const p of s.historyProblems.slice(0, MAX_PROBLEMS)) lines.push(`- ${mdEscape(p)}`);
    if (n > MAX_PROBLEMS) lines.push(`- … ${num(n - MAX_PROBLEMS)} more in results.json (historyProblems)`);
    lines.push('');
  }
  const c = s.counts;
  const t = run.test;
  const families = new Map<string, number>();
  for (const w of s.faults) families.set(w.key, (families.get(w.key) ?? 0) + 1);
  const faultText = families.size ? [...families].map(([k, n]) => `${mdEscape(k)} ×${n}`).join(', ') : 'none';
  lines.push(
    '| | |',
    '|---|---|',
    `| ops | ${num(c.invokes)} (ok ${num(c.ok)} · fail ${num(c.fail)} · info ${num(c.info)}${c.pending ? ` · pending ${num(c.pending)}` : ''}) |`,
    `| duration | ${s.durationS.toFixed(1)} s |`,
    `| faults | ${faultText} |`,
    ...(t.system
      ? [`| system | ${mdEscape(String(t.system))}${t.mode ? ` (${mdEscape(String(t.mode))})` : ''} |`]
      : []),
    ...(versionText(t.systemVersion)
      ? [`| system version | ${mdEscape(versionText(t.systemVersion))} |`]
      : []),
    ...(t.workload ? [`| workload | ${mdEscape(String(t.workload))} |`] : []),
    ...(t.seed !== undefined ? [`| seed | ${mdEscape(String(t.seed))} |`] : []),
    '',
  );
  if (s.checkers.length) {
    lines.push('| checker | verdict | summary |', '|---|---|---|');
    for (const v of s.checkers) {
      // A summary that already says its reason (the linearizable checker's `unknown: <reason>`) is not repeated.
      const text = [v.summary, v.reason && !v.summary?.includes(v.reason) ? `(${v.reason})` : '']
        .filter(Boolean)
        .join(' ');
      lines.push(
        `| ${mdEscape(v.name)} | ${ICON[String(v.valid)]} ${verdictWord(v.valid)} | ${mdEscape(text)} |`,
      );
    }
    lines.push('');
  }
  const bad = s.checkers.filter((v) => v.valid !== true);
  const withAnomalies = bad.map((v) => [v, anomalyText(v.result)] as const).filter(([, a]) => a.length > 0);
  if (withAnomalies.length) {
    lines.push('### Anomalies', '');
    for (const [v, as] of withAnomalies) {
      lines.push(`**${mdEscape(v.name)}**`, '');
      for (const a of as) {
        lines.push(`- ${mdEscape(a.heading)}`);
        for (const l of a.lines) lines.push(mdItem(l));
      }
      lines.push('');
    }
  }
  if (opts.reportPath) lines.push(`Report: ${mdCode(opts.reportPath)}`, '');
  lines.push('Re-run:', '', '```sh', s.rerun.replace(/```/g, '` ` `'), '```', '');
  return lines.join('\n');
}
