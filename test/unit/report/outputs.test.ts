import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRun, writeReports } from '../../../src/report/index.ts';
import { junitTimestamp, junitXml } from '../../../src/report/junit.ts';
import { summaryMarkdown } from '../../../src/report/markdown.ts';
import { rerunCommand, summarizeRun } from '../../../src/report/summary.ts';
import { syntheticRun, XSS } from '../../fixtures/synthetic.ts';
import { removeTempDirs, tempDir } from './helpers.ts';

const XSD = new URL('./fixtures/junit-10.xsd', import.meta.url).pathname;
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
if (!hasXmllint) {
  const msg =
    '\n*** xmllint not found (apt-get install libxml2-utils): junit.xml schema checks SKIPPED ***\n';
  if (process.env.CI === 'true') throw new Error(`xmllint is required under CI=true${msg}`);
  process.stderr.write(msg);
}

/** Validates against the JUnit schema; returns xmllint's complaint, or '' when valid. */
function xsdErrors(xml: string): string {
  const dir = tempDir('xsd');
  const file = join(dir, 'junit.xml');
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr;
}

/** A run folder with given results, and a tiny history. */
function folder(results: unknown, test: Record<string, unknown> = {}): string {
  const dir = tempDir('out');
  writeFileSync(
    join(dir, 'test.json'),
    JSON.stringify({
      name: 'unit',
      seed: 7,
      concurrency: 1,
      startTime: '2026-11-23T10:00:00.123Z',
      durationMs: 1500,
      ...test,
    }),
  );
  const h = [
    { index: 0, time: 0, type: 'invoke', process: 0, f: 'add', value: 1 },
    { index: 1, time: 1e6, type: 'ok', process: 0, f: 'add', value: 1 },
    { index: 2, time: 2e6, type: 'invoke', process: 'nemesis', f: 'start-partition', value: 'x' },
    { index: 3, time: 3e6, type: 'ok', process: 'nemesis', f: 'start-partition', value: 'x' },
  ];
  writeFileSync(join(dir, 'history.jsonl'), `${h.map((o) => JSON.stringify(o)).join('\n')}\n`);
  if (results !== undefined) writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
  return dir;
}

const composed = {
  valid: false,
  summary: 'set: INVALID, counter: unknown',
  results: {
    set: {
      valid: false,
      summary: '2 LOST | <b>bold</b>',
      anomalyTypes: ['duplicated', 'lost'],
      anomalies: {
        duplicated: [
          { ops: [9], explanation: 'the final read (#9) has 9 more than once', data: { element: 9 } },
        ],
        lost: [
          { ops: [1, 9], explanation: 'the add of 3 was acknowledged (#1) but the final read (#9) lacks it' },
          {
            ops: [5, 9],
            explanation: `the add of ${XSS} was acknowledged (#5) but the final read (#9) lacks it`,
          },
        ],
      },
      // A detail field that is not an anomaly: no renderer may list it as one.
      recovered: [4],
    },
    counter: {
      valid: 'unknown',
      reason: 'time limit \u0001 of 300 s exceeded & "quoted"',
      anomalyTypes: [],
      anomalies: {},
    },
    stats: { valid: true, summary: '1 ops', stats: { elapsedMs: 250 }, anomalyTypes: [], anomalies: {} },
  },
};

/** results.json of a run from before the anomaly fields: checker-specific lists only. */
const legacy = {
  valid: false,
  summary: 'set: INVALID',
  results: { set: { valid: false, summary: '1 LOST', lost: [3], unexpected: [], recovered: [4] } },
};

describe('junit.xml', () => {
  it('has a testcase per checker: failure for anomalies, error for unknown, with counts that add up', async () => {
    const run = await loadRun(folder(composed));
    const xml = junitXml(run, summarizeRun(run));
    expect(xml).toMatch(/<testsuites name="faultline" tests="3" failures="1" errors="1"/);
    expect(xml).toMatch(
      /<testsuite name="faultline\.unit" tests="3" failures="1" errors="1" skipped="0" time="1\.500" timestamp="2026-11-23T10:00:00"/,
    );
    expect(xml).toContain('<testcase name="stats" classname="faultline.unit" time="0.250"></testcase>');
    // results.json written before the unit rename says `ms`: read the same.
    const old = structuredClone(composed);
    old.results.stats.stats = { ms: 250 } as never;
    const oldRun = await loadRun(folder(old));
    expect(junitXml(oldRun, summarizeRun(oldRun))).toContain(
      '<testcase name="stats" classname="faultline.unit" time="0.250"></testcase>',
    );
    expect(xml).toContain('<failure message="2 LOST | &lt;b&gt;bold&lt;/b&gt;" type="anomaly">');
    expect(xml).toContain(
      'lost (2):\n  the add of 3 was acknowledged (#1) but the final read (#9) lacks it\n  the add of &lt;img src=x onerror=alert(1)&gt; was',
    );
    expect(xml).toContain('duplicated (1):\n  the final read (#9) has 9 more than once');
    expect(xml).not.toContain('recovered');
    expect(xml).toContain(
      '<error message="unknown: time limit \uFFFD of 300 s exceeded &amp; &quot;quoted&quot;" type="unknown">',
    );
    expect(xml).not.toContain(XSS);
    expect(xml).toContain('<property name="seed" value="7"/>');
    if (hasXmllint) expect(xsdErrors(xml)).toBe('');
  });

  it('reports a run that failed, and a folder without results, as errors', async () => {
    const failed = await loadRun(folder({ ...composed, runError: 'docker went away' }));
    const xml = junitXml(failed, summarizeRun(failed));
    expect(xml).toContain('<testcase name="run"');
    expect(xml).toContain('type="run-error"');
    const none = await loadRun(folder(undefined));
    const xml2 = junitXml(none, summarizeRun(none));
    expect(xml2).toMatch(/tests="1" failures="0" errors="1"/);
    if (hasXmllint) {
      expect(xsdErrors(xml)).toBe('');
      expect(xsdErrors(xml2)).toBe('');
    }
  });

  it.runIf(hasXmllint)('the schema really rejects malformed reports', () => {
    expect(
      xsdErrors('<testsuites><testsuite tests="1"><testcase name="x"/></testsuite></testsuites>'),
    ).toMatch(/name|classname/);
    expect(
      xsdErrors(
        '<testsuites><testsuite name="s" tests="1" timestamp="2026-11-23T10:00:00.123Z"/></testsuites>',
      ),
    ).toMatch(/timestamp/);
  });

  it('formats timestamps the schema accepts', () => {
    expect(junitTimestamp('2026-11-23T10:52:00.123Z')).toBe('2026-11-23T10:52:00');
    expect(junitTimestamp('garbage')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });
});

describe('summary.md', () => {
  it('gives the verdict, key numbers, anomalies per checker and the report path', async () => {
    const run = await loadRun(folder(composed));
    const md = summaryMarkdown(run, summarizeRun(run), { reportPath: 'results/unit/x/report.html' });
    expect(md).toMatch(/^## ❌ faultline: unit — INVALID/);
    expect(md).toContain('| ops | 1 (ok 1 · fail 0 · info 0) |');
    expect(md).toContain('| duration | 1.5 s |');
    expect(md).toContain('| faults | partition ×1 |');
    expect(md).toContain(
      '| set | ❌ INVALID | 2 LOST \\| &lt;b\\> bold&lt;/b\\> |'.replace('\\> bold', '\\>bold'),
    );
    expect(md).toContain('| counter | ❓ UNKNOWN |');
    expect(md).toContain(
      '- lost (2)\n  - the add of 3 was acknowledged (#1) but the final read (#9) lacks it\n',
    );
    expect(md).toContain('  - the add of &lt;img src=x onerror=alert(1)\\> was acknowledged (#5)');
    expect(md).toContain('- duplicated (1)\n  - the final read (#9) has 9 more than once');
    expect(md).not.toContain('recovered');
    expect(md).toContain('Report: `results/unit/x/report.html`');
    expect(md).toContain('npx faultline run --concurrency 1 --seed 7');
    expect(md).toContain('(time limit   of 300 s exceeded');
    // Every table row keeps its column count: no unescaped pipe from the data.
    for (const line of md.split('\n').filter((l) => l.startsWith('| set'))) {
      expect(line.replace(/\\\|/g, '').split('|')).toHaveLength(5);
    }
  });

  it('says VALID with a tick when every checker passed', async () => {
    const run = await loadRun(
      folder({
        valid: true,
        summary: 'all 1 checkers valid',
        results: { set: { valid: true, summary: 'ok' } },
      }),
    );
    const md = summaryMarkdown(run, summarizeRun(run));
    expect(md).toMatch(/^## ✅ faultline: unit — VALID/);
    expect(md).not.toContain('### Anomalies');
  });
});

describe('anomalies in text outputs', () => {
  it('lists the first cases per type and says how many more results.json has', async () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ ops: [i], explanation: `element ${i} lost` }));
    const run = await loadRun(
      folder({
        valid: false,
        summary: 'set: INVALID',
        results: {
          set: {
            valid: false,
            summary: '2000 LOST',
            anomalyTypes: ['lost'],
            anomalies: { lost: many },
            anomalyCounts: { lost: 2000 },
          },
        },
      }),
    );
    const s = summarizeRun(run);
    const md = summaryMarkdown(run, s);
    expect(md).toContain('- lost (2000)\n  - element 0 lost\n');
    expect(md).toContain('  - element 4 lost\n  - … 1995 more in results.json\n');
    expect(md).not.toContain('element 5 lost');
    expect(junitXml(run, s)).toContain('lost (2000):\n  element 0 lost');
  });

  it('derives nothing from a results.json without anomaly fields: the summary line only', async () => {
    const run = await loadRun(folder(legacy));
    const s = summarizeRun(run);
    const md = summaryMarkdown(run, s);
    expect(md).toContain('| set | ❌ INVALID | 1 LOST |');
    expect(md).not.toContain('### Anomalies');
    const xml = junitXml(run, s);
    expect(xml).toContain('<failure message="1 LOST" type="anomaly">1 LOST</failure>');
    expect(xml).not.toContain('lost (');
  });
});

describe('re-run command', () => {
  it('replays the recorded argv with this run’s seed', () => {
    expect(
      rerunCommand({
        argv: ['run', 'examples/t.ts', '--seed', '1', '--test-count', '5', '--rate', '50'],
        seed: 3,
      }),
    ).toBe('npx faultline run examples/t.ts --rate 50 --seed 3');
  });
  it('rebuilds from the fields when argv is missing, quoting for the shell', () => {
    expect(
      rerunCommand({
        system: 'memory',
        workload: 'set',
        nemesis: [],
        nodes: ['n1', 'n2'],
        seed: 9,
        options: { note: "it's" },
      }),
    ).toBe(
      "npx faultline run --system memory --workload set --nemesis none --nodes n1,n2 --opt 'note=it'\\''s' --seed 9",
    );
  });
});

describe('writeReports', () => {
  it('writes the three files, tolerating a truncated history and a missing results.json', async () => {
    const dir = tempDir('write');
    await syntheticRun(dir, { ops: 300, truncate: true, xss: true });
    const out = await writeReports(dir);
    expect(out.warnings.join('\n')).toMatch(/truncated/);
    for (const p of [out.html, out.junit, out.markdown])
      expect(readFileSync(p, 'utf8').length).toBeGreaterThan(100);
    const html = readFileSync(out.html, 'utf8');
    expect(html).not.toContain(XSS);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/i);

    const bare = tempDir('bare');
    mkdirSync(bare, { recursive: true });
    writeFileSync(
      join(bare, 'history.jsonl'),
      '{"index":0,"time":0,"type":"invoke","process":0,"f":"read","value":null}\n{"index":1,"ti',
    );
    const out2 = await writeReports(bare);
    expect(out2.warnings.join('\n')).toMatch(
      /test\.json is missing[\s\S]*truncated[\s\S]*results\.json is missing/,
    );
    expect(readFileSync(out2.markdown, 'utf8')).toContain('UNKNOWN');
    if (hasXmllint)
      execFileSync('xmllint', ['--noout', '--schema', XSD, out.junit, out2.junit], { stdio: 'pipe' });
  });
});

afterAll(removeTempDirs);
