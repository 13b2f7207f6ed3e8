/**
 * A transactional checker's cycle case in every text output (terminal, summary.md, junit.xml) and in
 * the page's data: the explanation appears, stays readable when long, and values stay exact.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { CycleData } from '../../../checkers/elle/types.ts';
import { formatVerdict } from '../../../src/cli/print.ts';
import type { CheckResult } from '../../../src/core/checker.ts';
import { caseText, cycleData, type StoredCycle, wrapText } from '../../../src/report/anomalies.ts';
import { embedCycle, reportData } from '../../../src/report/data.ts';
import { loadRun, writeReports } from '../../../src/report/index.ts';
import { summarizeRun } from '../../../src/report/summary.ts';
import {
  checkedG2ItemResults,
  G2_ITEM_EXPLANATION,
  g2ItemCase,
  g2ItemCycle,
  g2ItemResults,
  writeG2ItemRun,
} from '../../fixtures/g2-item.ts';
import { removeTempDirs, tempDir } from './helpers.ts';

afterAll(removeTempDirs);

/** A long one-line explanation, as a checker may write for a cycle of many txns. */
const longExplanation = (n: number) =>
  `${Array.from(
    { length: n },
    (_, k) =>
      `T${k + 1} < T${((k + 1) % n) + 1} because T${((k + 1) % n) + 1} read T${k + 1}'s append of ${k} to key ${k + 100}`,
  ).join('; ')}: a contradiction`;

describe('wrapText', () => {
  it('keeps short lines, breaks a long one after each "; " and then between words', () => {
    expect(wrapText('short', 20)).toEqual(['short']);
    expect(wrapText('a\nb', 20)).toEqual(['a', 'b']);
    expect(wrapText('one two; three four five six seven', 14)).toEqual([
      'one two;',
      '  three four',
      '  five six',
      '  seven',
    ]);
    // Indentation is kept, continuations indented two more; a word longer than the width stays whole.
    expect(wrapText('  aaaa bbbb cccc', 10)).toEqual(['  aaaa', '    bbbb', '    cccc']);
    expect(wrapText('x '.repeat(3) + 'y'.repeat(30), 10)).toEqual(['x x x', `  ${'y'.repeat(30)}`]);
  });

  it('loses no word and respects the width for a 2,000-character cycle explanation', () => {
    const text = longExplanation(36);
    expect(text.length).toBeGreaterThan(2000);
    const lines = wrapText(text, 96);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(96);
    expect(lines.join(' ').split(/\s+/).filter(Boolean)).toEqual(text.split(/\s+/));
    // One step a line.
    expect(lines).toHaveLength(36);
  });
});

describe('cycleData / caseText', () => {
  it('reads the checker’s CycleData back, and nothing else', () => {
    const d: CycleData = g2ItemCycle();
    // The report's structural reading accepts the checker's shape as it is.
    const stored: StoredCycle = d;
    expect(
      cycleData({ data: JSON.parse(JSON.stringify(stored, (_k, v) => (typeof v === 'bigint' ? 1 : v))) })
        ?.cycle,
    ).toHaveLength(2);
    expect(cycleData({ data: { lost: [1] } })).toBeUndefined();
    expect(cycleData({ data: { cycle: [] } })).toBeUndefined();
    expect(cycleData({})).toBeUndefined();
    expect(cycleData({ data: { cycle: [], searchTimedOut: true, scc: [4, 9, 12] } })?.scc).toEqual([
      4, 9, 12,
    ]);
  });

  it('says a timed-out search’s SCC size when the explanation does not', () => {
    const data = { cycle: [], searchTimedOut: true, scc: [4, 9, 12] };
    expect(caseText({ ops: [4], explanation: 'G2-item exists', data })).toBe(
      'G2-item exists\n(the search for a short cycle timed out in a strongly connected component of 3 txns)',
    );
    expect(caseText({ ops: [4], explanation: 'search timed out among 3 txns', data })).toBe(
      'search timed out among 3 txns',
    );
    // Only the first txns listed: the size comes from sccSize.
    expect(caseText({ ops: [4], explanation: 'x', data: { ...data, sccSize: 12000 } })).toContain(
      'component of 12000 txns',
    );
    expect(caseText(g2ItemCase())).toBe(G2_ITEM_EXPLANATION);
  });
});

describe('a cycle case in the text outputs', () => {
  const longCase = { ops: [2, 3], explanation: longExplanation(25), data: g2ItemCycle() };

  it('terminal: the explanation, one step a line, within 100 columns', () => {
    const r = g2ItemResults([longCase]);
    const text = formatVerdict(r as never, 3, 'results/x');
    const lines = text.split('\n');
    expect(lines).toContain('  elle: G2-item (2)');
    // Elle-style multi-line explanation: its lines, indented under the type.
    expect(text).toContain(
      "    Let T1 = #2 (process 0 on n1, 0.000–0.005 s) and T2 = #3 (process 1 on n2, 0.001–0.006 s). Then:\n      T1 < T2 because T1 read key :x without T2's append of 9007199254740993, which came later;\n",
    );
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    expect(text).toContain("    T1 < T2 because T2 read T1's append of 0 to key 100;\n      T2 < T3 because");
  });

  it('terminal: the transactional checker’s own G2-item explanation, one step a line', async () => {
    const r = await checkedG2ItemResults();
    const elle = (r.results as Record<string, CheckResult>).elle!;
    const explanation = elle.anomalies['G2-item']![0]!.explanation;
    const text = formatVerdict(r as never, 3, 'results/x');
    const lines = text.split('\n');
    // Every word of the explanation, in order, under the type heading, within 100 columns.
    const at = lines.indexOf('  elle: G2-item (1)');
    expect(at).toBeGreaterThan(0);
    const shown = lines.slice(at + 1).filter((l) => l.startsWith('    '));
    for (const l of shown) expect(l.length).toBeLessThanOrEqual(100);
    expect(shown.join(' ').split(/\s+/).filter(Boolean)).toEqual(explanation.split(/\s+/));
    // Each "Tx < Ty because …" step starts a line.
    const steps = explanation.match(/T\d < T\d because/g) ?? [];
    expect(steps).toHaveLength(2);
    for (const st of steps) expect(shown.some((l) => new RegExp(`^ +(Then )?${st}`).test(l))).toBe(true);
  });

  it('summary.md and junit.xml carry the explanation of a G2-item run', async () => {
    const dir = tempDir('cycle-out');
    writeG2ItemRun(dir, g2ItemResults([longCase]));
    const out = await writeReports(dir);
    const md = readFileSync(out.markdown, 'utf8');
    expect(md).toContain('- G2-item (2)');
    // Each line of the explanation continues the same list item after a hard break.
    expect(md).toContain(
      "  - Let T1 = #2 (process 0 on n1, 0.000–0.005 s) and T2 = #3 (process 1 on n2, 0.001–0.006 s). Then: \\\n    T1 &lt; T2 because T1 read key :x without T2's append of 9007199254740993, which came later; \\\n    T2 &lt; T1 because",
    );
    const xml = readFileSync(out.junit, 'utf8');
    expect(xml).toContain(
      '<failure message="G2-item: not serializable" type="anomaly">G2-item (2):\n  Let T1 = #2',
    );
    expect(xml).toContain(
      '\n    T1 &lt; T2 because T1 read key :x without T2&apos;s append of 9007199254740993',
    );
    const failure = xml.slice(xml.indexOf('<failure'), xml.indexOf('</failure>'));
    for (const l of failure.split('\n').slice(1))
      expect(l.replace(/&[a-z]+;/g, '_').length).toBeLessThanOrEqual(100);
  });
});

describe('a cycle in the page data', () => {
  it('embeds each txn’s micro-ops as exact text and the edge reasons', () => {
    const e = embedCycle(g2ItemCycle());
    expect(e.steps.map((s) => [s.label, s.invokeIndex, s.completeIndex, s.process, s.node])).toEqual([
      ['T1', 0, 2, 0, 'n1'],
      ['T2', 1, 3, 1, 'n2'],
    ]);
    expect(e.steps[1]!.mops).toEqual(['r :y []', 'append :x 9007199254740993']);
    expect(e.steps[0]!.edge).toEqual({
      kind: 'rw',
      text: "T1 read key :x without T2's append of 9007199254740993, which came later",
    });
    expect([e.steps[1]!.invokeUs, e.steps[1]!.completeUs]).toEqual([1000, 6000]);
    expect(e.searchTimedOut).toBe(false);
  });

  it('bounds a huge cycle and a huge txn; a timed-out search keeps the SCC size', () => {
    const base = g2ItemCycle().cycle[0]!;
    const big = embedCycle({
      cycle: Array.from({ length: 250 }, (_, k) => ({
        ...base,
        label: `T${k + 1}`,
        mops: Array.from({ length: 50 }, () => ({
          f: 'r',
          key: 1,
          value: Array.from({ length: 500 }, (_, i) => i),
        })),
      })),
    });
    expect(big.steps).toHaveLength(200);
    expect(big.moreSteps).toBe(50);
    expect(big.steps[0]!.mops).toHaveLength(40);
    expect(big.steps[0]!.moreMops).toBe(10);
    expect(big.steps[0]!.mops[0]!.length).toBeLessThanOrEqual(200);
    const t = embedCycle({ cycle: [], searchTimedOut: true, scc: Array.from({ length: 1000 }, (_, i) => i) });
    expect([t.searchTimedOut, t.sccSize, t.scc.length]).toEqual([true, 1000, 200]);
    const listed = embedCycle({ cycle: [], searchTimedOut: true, scc: [1, 2], sccSize: 50_000 });
    expect([listed.sccSize, listed.scc]).toEqual([50_000, [1, 2]]);
  });

  it('the report data of a G2-item run holds the drawn cycle, not the raw values', async () => {
    const dir = tempDir('cycle-data');
    writeG2ItemRun(dir);
    const run = await loadRun(dir);
    const data = reportData(run, summarizeRun(run));
    const cases = data.checkers.find((c) => c.name === 'elle')?.anomalies?.[0]?.cases;
    expect(cases?.[0]?.explanation).toBe(G2_ITEM_EXPLANATION);
    expect((cases?.[0]?.data as { $cycle?: number } | undefined)?.$cycle).toBe(1);
  });
});
