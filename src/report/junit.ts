/**
 * junit.xml for CI: one testsuite per run, one testcase per checker (plus "run" when the run itself
 * failed). Verdicts map as: valid → pass, invalid → <failure type="anomaly">, unknown → <error
 * type="unknown">. Unknown is an error rather than skipped on purpose: a check that could not decide is
 * not a pass, and CI dashboards hide skipped tests. Follows the Ant/Jenkins junit-10.xsd layout.
 */
import { hostname } from 'node:os';
import { anomalyText, wrapText } from './anomalies.ts';
import { xmlEscape } from './escape.ts';
import type { LoadedRun } from './load.ts';
import { type RunSummary, versionText } from './summary.ts';

const attr = (name: string, v: string | number) => ` ${name}="${xmlEscape(String(v))}"`;
const secs = (s: number) => (Number.isFinite(s) && s > 0 ? s.toFixed(3) : '0');

/** The schema's timestamp: ISO 8601 without zone or fraction (UTC here). */
export function junitTimestamp(iso: string | undefined): string {
  const d = iso ? new Date(iso) : new Date();
  return (Number.isNaN(d.getTime()) ? new Date() : d).toISOString().slice(0, 19);
}

export function junitXml(run: LoadedRun, s: RunSummary, opts: { reportPath?: string } = {}): string {
  const suite = `faultline.${s.title}`;
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  const testcase = (name: string, timeS: number, body: string) =>
    `    <testcase${attr('name', name)}${attr('classname', suite)}${attr('time', secs(timeS))}>${body ? `\n${body}\n    ` : ''}</testcase>`;
  for (const c of s.checkers) {
    // results.json of runs before the unit rename say `ms`.
    const stats = c.result.stats as { elapsedMs?: unknown; ms?: unknown } | undefined;
    const elapsedMs = stats?.elapsedMs ?? stats?.ms;
    const t = typeof elapsedMs === 'number' ? elapsedMs / 1000 : 0;
    if (c.valid === true) {
      cases.push(testcase(c.name, t, ''));
      continue;
    }
    const detail = anomalyText(c.result)
      .map((a) =>
        [`${a.heading}:`, ...a.lines.flatMap((l) => wrapText(l, 98).map((w) => `  ${w}`))].join('\n'),
      )
      .join('\n');
    if (c.valid === false) {
      failures++;
      const msg = c.summary || 'anomaly found';
      cases.push(
        testcase(
          c.name,
          t,
          `      <failure${attr('message', msg)}${attr('type', 'anomaly')}>${xmlEscape(detail || msg)}</failure>`,
        ),
      );
    } else {
      errors++;
      const msg = `unknown: ${c.reason ?? c.summary ?? 'the checker could not decide'}`;
      cases.push(
        testcase(
          c.name,
          t,
          `      <error${attr('message', msg)}${attr('type', 'unknown')}>${xmlEscape(detail || msg)}</error>`,
        ),
      );
    }
  }
  if (s.runError) {
    errors++;
    cases.push(
      testcase(
        'run',
        s.durationS,
        `      <error${attr('message', s.runError)}${attr('type', 'run-error')}>${xmlEscape(s.runError)}</error>`,
      ),
    );
  }
  if (cases.length === 0) {
    // No results at all: still one testcase, so CI shows the run as broken rather than empty.
    errors++;
    cases.push(
      testcase(
        'check',
        0,
        `      <error${attr('message', s.summary || 'no results')}${attr('type', 'unknown')}/>`,
      ),
    );
  }
  const t = run.test;
  const props: [string, unknown][] = [
    ['system', t.system],
    ['mode', t.mode],
    ['workload', t.workload],
    ['nemesis', Array.isArray(t.nemesis) ? t.nemesis.join(',') : t.nemesis],
    ['nodes', Array.isArray(t.nodes) ? t.nodes.join(',') : undefined],
    ['concurrency', t.concurrency],
    ['seed', t.seed],
    ['systemVersion', versionText(t.systemVersion)],
    ['faultlineVersion', t.faultlineVersion],
    ['nodeVersion', t.nodeVersion],
    ['rerun', s.rerun],
  ];
  const properties = props
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `      <property${attr('name', k)}${attr('value', String(v))}/>`)
    .join('\n');
  const c = s.counts;
  const out = [
    `verdict: ${String(s.valid)}${s.summary ? ` (${s.summary})` : ''}`,
    `ops: ${c.invokes} (ok ${c.ok}, fail ${c.fail}, info ${c.info}, pending ${c.pending})`,
    `faults: ${s.faults.length}`,
    `re-run: ${s.rerun}`,
    ...(opts.reportPath ? [`report: ${opts.reportPath}`] : []),
  ].join('\n');
  const n = cases.length;
  const head = `${attr('tests', n)}${attr('failures', failures)}${attr('errors', errors)}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attr('name', 'faultline')}${head}${attr('time', secs(s.durationS))}>`,
    `  <testsuite${attr('name', suite)}${head}${attr('skipped', 0)}${attr('time', secs(s.durationS))}${attr('timestamp', junitTimestamp(t.startTime))}${attr('hostname', hostname() || 'localhost')}>`,
    ...(properties ? ['    <properties>', properties, '    </properties>'] : []),
    ...cases,
    `    <system-out>${xmlEscape(out)}</system-out>`,
    '    <system-err/>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
