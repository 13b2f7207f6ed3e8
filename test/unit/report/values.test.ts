/**
 * Kind 21: every op value survives the report. Histories hold values of every JSON kind (line and
 * paragraph separators, lone surrogates, `</script>`, long strings, big numbers…); the ops recovered from
 * the data embedded in report.html, and the counts in summary.md and junit.xml, must match the history.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Op } from '../../../src/core/op.ts';
import { parseJsonl } from '../../../src/history/formats/jsonl.ts';
import { HistoryFormatError } from '../../../src/history/formats/types.ts';
import type { ReportData } from '../../../src/report/data.ts';
import { buildReports, loadRun } from '../../../src/report/index.ts';
import { removeTempDirs, tempDir } from './helpers.ts';

const OUTCOMES = ['ok', 'fail', 'info', 'pending'] as const;
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;

/** xmllint's complaint about a document that is not well-formed XML, or '' (also when xmllint is absent). */
function xmlProblems(xml: string): string {
  if (!hasXmllint) return '';
  const r = spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr;
}

/** The data block of a report.html, parsed as the page parses it. */
function embeddedData(html: string): ReportData {
  const m = /<script type="application\/json" id="faultline-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no data block');
  return JSON.parse(m[1]!) as ReportData;
}

/** What the page shows for an embedded value (report.js `json`). */
function shown(v: unknown): string {
  if (
    v &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Object.keys(v).length === 1 &&
    typeof (v as { $truncated?: unknown }).$truncated === 'string'
  )
    return (v as { $truncated: string }).$truncated;
  return JSON.stringify(v) ?? String(v);
}

interface Recovered {
  index: number;
  process: number | 'nemesis';
  f: string;
  outcome: string;
  value: string;
  result: string | undefined;
  node: string | undefined;
  error: string | undefined;
}

/** The ops as the page rebuilds them from the columns. */
function recover(d: ReportData): Recovered[] {
  const O = d.ops;
  let index = 0;
  return O.i.map((delta, k) => {
    index += delta;
    const r = O.r[k];
    return {
      index,
      process: O.p[k] === -1 ? 'nemesis' : O.p[k]!,
      f: O.fs[O.f[k]!]!,
      outcome: OUTCOMES[O.o[k]!]!,
      value: shown(O.v[k]),
      result: O.o[k] === 3 ? undefined : shown(r === 0 ? O.v[k] : (r as unknown[])[0]),
      node: O.nodes[O.n[k]!] || undefined,
      error: O.errs[O.e[k]!] || undefined,
    };
  });
}

/** Equal, or (for values whose JSON exceeds 200 characters) a marked prefix of it. */
function expectShown(got: string | undefined, value: unknown, what: string): void {
  const json = JSON.stringify(value === undefined ? null : value);
  if (json.length <= 200) expect(got, what).toBe(json);
  else {
    expect(got!.startsWith(json.slice(0, 200)), what).toBe(true);
    expect(got, what).toMatch(/…/);
  }
}

/** Writes a run folder the way the runner does (one JSON.stringify line per op) and builds its reports. */
function runFolder(history: Op[]): string {
  const dir = tempDir('values');
  writeFileSync(join(dir, 'test.json'), JSON.stringify({ name: 'values', concurrency: 2, durationMs: 10 }));
  writeFileSync(join(dir, 'history.jsonl'), history.map((o) => `${JSON.stringify(o)}\n`).join(''));
  const invokes = history.filter((o) => o.type === 'invoke').length;
  // A checker whose anomalies are the op values themselves: summary.md and junit.xml then show them.
  const lost = history
    .filter((o) => o.type === 'invoke')
    .map((o) => ({ ops: [o.index], explanation: `lost ${String(JSON.stringify(o.value))}` }));
  writeFileSync(
    join(dir, 'results.json'),
    JSON.stringify({
      valid: false,
      summary: `${invokes} ops`,
      results: {
        stats: { valid: true, summary: `${invokes} ops` },
        set: { valid: false, summary: 'lost values', anomalyTypes: ['lost'], anomalies: { lost } },
      },
    }),
  );
  return dir;
}

async function checkReport(history: Op[]): Promise<void> {
  const dir = runFolder(history);
  const run = await loadRun(dir);
  expect(run.warnings).toEqual([]);
  expect(run.history).toHaveLength(history.length);
  const built = buildReports(run, { reportPath: 'report.html' });
  const invokes = history.filter((o) => o.type === 'invoke');
  const completions = history.filter((o) => o.type !== 'invoke');
  const n = invokes.length;
  const ok = completions.filter((o) => o.type === 'ok').length;
  expect(built.markdown).toContain(
    `| ops | ${n.toLocaleString('en-US')} (ok ${ok.toLocaleString('en-US')} ·`,
  );
  expect(built.junit).toContain(`ops: ${n} (ok ${ok},`);
  expect(xmlProblems(built.junit)).toBe('');
  expect(built.markdown).toContain(`- lost (${n})`);
  // Each anomaly line stays one line, whatever the values hold.
  const lostLines = built.markdown.split('\n').filter((l) => l.startsWith('  - lost '));
  expect(lostLines.length).toBe(Math.min(n, 5));
  for (const l of lostLines) expect(l).not.toMatch(/[\r\u2028\u2029\u0085]/);
  expect(built.junit).toContain('<failure');
  const got = recover(embeddedData(built.html));
  expect(got).toHaveLength(n);
  invokes.forEach((inv, k) => {
    const done = history.find((o) => o.index > inv.index && o.process === inv.process);
    const g = got[k]!;
    expect(g.index).toBe(inv.index);
    expect(g.process).toBe(inv.process);
    expect(g.f).toBe(inv.f);
    expect(g.outcome).toBe(done ? done.type : 'pending');
    expectShown(g.value, inv.value, `value of #${inv.index}`);
    if (done) expectShown(g.result, done.value, `result of #${done.index}`);
    expect(g.node).toBe(done?.node ?? inv.node);
    expect(g.error).toBe(done?.error ?? inv.error);
  });
}

/** Strings that broke or could break a report: separators, surrogates, markup, escapes. */
const NASTY = [
  '\u2028',
  'a\u2029b',
  '\u0085',
  '\r',
  'x\r\ny',
  '\uD800',
  'z\uDFFF',
  '😀',
  '</script><script>alert(1)</script>',
  '<!--',
  '"\\',
  '\u0000',
  '{"$truncated":"no"}',
  'x'.repeat(5000),
];
const BIG = [Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e308, -1e-308, Number.MIN_VALUE, 0, -1];

const nasty = fc.constantFrom(...NASTY);
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  nasty,
  fc.constantFrom(...BIG),
  fc.string({ unit: 'binary' }),
  fc.array(fc.oneof(nasty, fc.constantFrom(...BIG), fc.constant(null), fc.boolean()), { maxLength: 4 }),
  fc.dictionary(fc.oneof(nasty, fc.string({ unit: 'binary' })), fc.oneof(nasty, fc.jsonValue()), {
    maxKeys: 3,
  }),
  fc.constant({ $truncated: 'looks like ours' }),
  fc.constant([0]),
);

/** Well-formed histories: per process, invoke then completion (or never completed at the end). */
const histories = fc
  .array(
    fc.record({
      process: fc.nat(3),
      f: fc.constantFrom('read', 'write', 'cas', 'add', '\u2028f'),
      value,
      result: fc.option(value, { nil: undefined }),
      type: fc.constantFrom('ok', 'fail', 'info', 'pending'),
      node: fc.option(fc.oneof(nasty, fc.string({ unit: 'binary', minLength: 1 })), { nil: undefined }),
      error: fc.option(fc.oneof(nasty, fc.string({ unit: 'binary', minLength: 1 })), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 12 },
  )
  .map((specs) => {
    const h: Op[] = [];
    const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: h.length * 1e6, ...o });
    const pending = new Set<number>();
    for (const s of specs) {
      if (pending.has(s.process)) continue; // one open op per process
      push({ type: 'invoke', process: s.process, f: s.f, value: s.value });
      if (s.type === 'pending') pending.add(s.process);
      else {
        const done: Omit<Op, 'index' | 'time'> = {
          type: s.type,
          process: s.process,
          f: s.f,
          value: s.result === undefined ? s.value : s.result,
        };
        if (s.node !== undefined) done.node = s.node;
        if (s.error !== undefined) done.error = s.error;
        push(done);
      }
    }
    return h;
  });

describe('every value survives the report', () => {
  it('ops with U+2028/U+2029 in their values are all counted and shown (the reported case)', async () => {
    const history: Op[] = [
      { index: 0, time: 0, type: 'invoke', process: 0, f: 'write', value: 'a\u2028b' },
      { index: 1, time: 1, type: 'ok', process: 0, f: 'write', value: 'a\u2028b' },
      { index: 2, time: 2, type: 'invoke', process: 1, f: 'write', value: ['\u2029', { k: '\u2028' }] },
      { index: 3, time: 3, type: 'ok', process: 1, f: 'write', value: ['\u2029', { k: '\u2028' }] },
      { index: 4, time: 4, type: 'invoke', process: 0, f: 'read', value: null },
      { index: 5, time: 5, type: 'ok', process: 0, f: 'read', value: 0 },
    ];
    await checkReport(history);
    const run = await loadRun(runFolder(history));
    expect(run.history.map((o) => o.value)).toEqual(history.map((o) => o.value));
  });

  it("analyze's JSONL reader keeps U+2028/U+2029 values and names a bad line on one line", () => {
    const ops: Op[] = [
      { index: 0, time: 0, type: 'invoke', process: 0, f: 'write', value: 'a\u2028b\u2029c' },
      { index: 1, time: 1, type: 'ok', process: 0, f: 'write', value: 'a\u2028b\u2029c' },
    ];
    const text = ops.map((o) => JSON.stringify(o)).join('\r\n');
    expect(parseJsonl(text).history).toEqual(ops);
    let err: unknown;
    try {
      parseJsonl(`{"bad\u2028line\n${text}`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HistoryFormatError);
    expect((err as Error).message).toMatch(/:1: not valid JSON/);
    expect((err as Error).message).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
  });

  it('a completion value of 0 is kept apart from "same as the invocation"', async () => {
    const dir = runFolder([
      { index: 0, time: 0, type: 'invoke', process: 0, f: 'read', value: null },
      { index: 1, time: 1, type: 'ok', process: 0, f: 'read', value: 0 },
    ]);
    const got = recover(embeddedData(buildReports(await loadRun(dir)).html));
    expect(got[0]!.result).toBe('0');
  });

  it('ops recovered from the embedded data equal the history; summary.md and junit.xml count them all (property)', async () => {
    await fc.assert(fc.asyncProperty(histories, checkReport), { numRuns: 60 });
  });
});

afterAll(removeTempDirs);
