import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { analyzeCommand } from '../../../src/cli/commands/analyze.ts';
import { writeReports } from '../../../src/report/index.ts';
import { FILES, INCOMPLETE_RUN } from '../../../src/store/run-dir.ts';
import { pollUntil } from '../../../src/util/poll.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

/** A valid set history: two acknowledged adds, both in the final read. */
const HISTORY = [
  { index: 0, time: 1, type: 'invoke', process: 0, f: 'add', value: 1 },
  { index: 1, time: 2, type: 'ok', process: 0, f: 'add', value: 1 },
  { index: 2, time: 3, type: 'invoke', process: 1, f: 'add', value: 2 },
  { index: 3, time: 4, type: 'ok', process: 1, f: 'add', value: 2 },
  { index: 4, time: 5, type: 'invoke', process: 0, f: 'read', value: null },
  { index: 5, time: 6, type: 'ok', process: 0, f: 'read', value: [1, 2] },
];

/** The run's own results: INVALID, with the fields only the run knows. */
const STORED = {
  valid: false,
  summary: 'stored verdict',
  results: { set: { valid: false, summary: 'LOST 3' } },
  runError: 'node n2 disappeared',
  interrupted: true,
  teardownProblems: ['heal failed on n1'],
};

/** A run folder as the runner leaves it; `ended: false` drops the end marker (a SIGKILLed run). */
async function runFolder(opts: { ended: boolean; results?: unknown }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-analyze-'));
  dirs.push(dir);
  const test = {
    name: 'memory-set',
    system: 'memory',
    workload: 'set',
    concurrency: 2,
    nodes: ['n1'],
    rate: 0,
    options: {},
    checkerTimeLimit: 10,
    startTime: '2026-11-30T06:00:00.000Z',
    ...(opts.ended ? { endTime: '2026-11-30T06:00:05.000Z', durationMs: 5000 } : {}),
  };
  writeFileSync(join(dir, FILES.test), JSON.stringify(test));
  writeFileSync(join(dir, FILES.history), `${HISTORY.map((o) => JSON.stringify(o)).join('\n')}\n`);
  if (opts.results) {
    writeFileSync(join(dir, FILES.results), JSON.stringify(opts.results));
    await writeReports(dir);
  }
  return dir;
}

const quiet = () => {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return () => out.mock.calls.map((c) => String(c[0])).join('');
};
const read = (...p: string[]) => readFileSync(join(...p), 'utf8');
const analyses = (dir: string) =>
  readdirSync(join(dir, FILES.analysis)).map((d) => join(dir, FILES.analysis, d));

describe('analyze never destroys a stored verdict (issue 14 kind 17)', () => {
  it('writes a re-analysis beside the run and leaves its results and reports as they were', async () => {
    const dir = await runFolder({ ended: true, results: STORED });
    const before = Object.fromEntries(
      [FILES.results, FILES.report, FILES.junit, FILES.summary].map((f) => [f, read(dir, f)]),
    );
    const stdout = quiet();
    // The re-check says VALID (the stored INVALID came from the run); the exit code is the re-check's.
    expect(await analyzeCommand(dir, {})).toBe(0);
    for (const [f, text] of Object.entries(before)) expect(read(dir, f), f).toBe(text);
    const [a, ...more] = analyses(dir);
    expect(more).toEqual([]);
    const again = JSON.parse(read(a!, FILES.results));
    expect(again).toMatchObject({
      valid: true,
      runError: STORED.runError,
      interrupted: true,
      teardownProblems: STORED.teardownProblems,
    });
    expect(typeof again.analyzedAt).toBe('string');
    for (const f of [FILES.report, FILES.junit, FILES.summary]) expect(existsSync(join(a!, f)), f).toBe(true);
    // The re-analysis's summary still says the run itself failed.
    expect(read(a!, FILES.summary)).toContain('node n2 disappeared');
    // Its page links the run's files from where it sits (analysis/<time>/).
    expect(read(a!, FILES.report)).toContain('"path":"../../history.jsonl"');
    expect(stdout()).toMatch(/re-analysis: .*analysis\/\d{8}T\d{6}\.\d{3}Z\/results\.json/);
    // A second re-analysis gets its own folder.
    await analyzeCommand(dir, {});
    expect(analyses(dir)).toHaveLength(2);
  });

  it('--overwrite replaces results.json but keeps the run-only fields and the replaced file', async () => {
    const dir = await runFolder({ ended: true, results: STORED });
    const old = read(dir, FILES.results);
    quiet();
    expect(await analyzeCommand(dir, { overwrite: true })).toBe(0);
    const now = JSON.parse(read(dir, FILES.results));
    expect(now).toMatchObject({
      valid: true,
      runError: STORED.runError,
      interrupted: true,
      teardownProblems: STORED.teardownProblems,
    });
    const [a] = analyses(dir);
    expect(read(a!, `replaced-${FILES.results}`)).toBe(old);
    expect(read(dir, FILES.summary)).toContain('VALID');
  });

  it('a run that was never checked gets its results in the folder itself', async () => {
    const dir = await runFolder({ ended: true });
    quiet();
    expect(await analyzeCommand(dir, {})).toBe(0);
    expect(JSON.parse(read(dir, FILES.results)).valid).toBe(true);
    expect(existsSync(join(dir, FILES.analysis))).toBe(false);
  });
});

describe('a folder the re-analysis cannot be stored in', () => {
  it('still prints the verdict and exits with it, with a one-line warning', async () => {
    const dir = await runFolder({ ended: true, results: STORED });
    writeFileSync(join(dir, FILES.analysis), 'a file where the analysis folder should go');
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await analyzeCommand(dir, {})).toBe(0);
    expect(out.mock.calls.map((c) => String(c[0])).join('')).toMatch(/^VALID/);
    const warning = err.mock.calls.map((c) => String(c[0])).join('');
    expect(warning).toMatch(
      /^warning: could not store the re-analysis in .*\(E[A-Z]+: .*\); the verdict above stands\n$/,
    );
  });
});

describe('damaged run-folder JSON', () => {
  it('a test.json that is not JSON is one line naming it, exit 254 (UserError)', async () => {
    const dir = await runFolder({ ended: true });
    writeFileSync(join(dir, FILES.test), '{"name": "memory-set", ');
    quiet();
    const err = await analyzeCommand(dir, {}).catch((e: unknown) => e);
    expect((err as Error).name).toBe('UserError');
    expect((err as Error).message).toMatch(/test\.json: not valid JSON \(.*\); restore or delete the file$/);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('a run that never finished says so (issue 14 kind 13)', () => {
  it('no end marker: the verdict text, summary.md, junit.xml and report.html say incomplete', async () => {
    const dir = await runFolder({ ended: false });
    const stdout = quiet();
    expect(await analyzeCommand(dir, {})).toBe(0);
    expect(stdout()).toContain(INCOMPLETE_RUN);
    expect(read(dir, FILES.summary)).toContain(INCOMPLETE_RUN);
    expect(read(dir, FILES.junit)).toContain(INCOMPLETE_RUN);
    expect(read(dir, FILES.report)).toContain(INCOMPLETE_RUN);
  });

  it('with the end marker nothing is said', async () => {
    const dir = await runFolder({ ended: true });
    const stdout = quiet();
    await analyzeCommand(dir, {});
    expect(stdout()).not.toContain('incomplete run');
    expect(read(dir, FILES.summary)).not.toContain('incomplete run');
  });
});

describe('the one history reader', () => {
  it('tolerates a torn last line only; any other bad line is one line naming file:line', async () => {
    const dir = await runFolder({ ended: true });
    const lines = HISTORY.map((o) => JSON.stringify(o));
    writeFileSync(join(dir, FILES.history), `${lines.join('\n')}\n{"index":6,"ti`);
    quiet();
    expect(await analyzeCommand(dir, {})).toBe(0);
    writeFileSync(join(dir, FILES.history), `${lines[0]}\n{"index":1,"ti\n${lines.slice(1).join('\n')}\n`);
    const err = await analyzeCommand(dir, {}).catch((e: unknown) => e);
    expect((err as Error).name).toBe('UserError');
    expect((err as Error).message).toMatch(/history\.jsonl:2: not valid JSON/);
    expect((err as Error).message).not.toContain('\n');
    // The report of such a folder shows the same error instead of ops.
    const r = await writeReports(dir);
    expect(r.warnings.join('\n')).toMatch(/history\.jsonl:2: not valid JSON.*shows no ops/);
  });
});

describe('a SIGKILLed run, end to end (issue 14 kind 13)', () => {
  it('its folder keeps the history and analyze says the run is incomplete', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'faultline-killed-'));
    dirs.push(cwd);
    const bin = join(import.meta.dirname, '../../../bin/faultline.js');
    const child = spawn(
      process.execPath,
      [bin, 'run', '--system', 'memory', '--workload', 'set', '--time-limit', '600', '--rate', '50'],
      { cwd, env: { ...process.env, CI: 'true' }, stdio: 'ignore' },
    );
    const exited = new Promise((ok) => child.on('exit', ok));
    // Wait (no fixed sleep: the machine may be slow) until ops are on disk, then kill without warning.
    const history = () => {
      const base = join(cwd, 'results', 'memory-set');
      if (!existsSync(base)) return undefined;
      const run = readdirSync(base).find((d) => d !== 'latest');
      return run ? join(base, run) : undefined;
    };
    const r = await pollUntil({ timeoutMs: 60_000, intervalMs: 100 }, async () => {
      const dir = history();
      const ops =
        dir && existsSync(join(dir, FILES.history)) ? read(dir, FILES.history).split('\n').length : 0;
      return ops > 10 ? { done: true, value: dir! } : { done: false, why: `${ops} lines` };
    });
    child.kill('SIGKILL');
    await exited;
    expect(r.done).toBe(true);
    const dir = (r as { value: string }).value;
    expect(existsSync(join(dir, FILES.results))).toBe(false);
    const stdout = quiet();
    // Killed before its final reads: the set checker cannot judge (unknown, exit 2), and says why.
    expect(await analyzeCommand(dir, {})).toBe(2);
    expect(stdout()).toContain(INCOMPLETE_RUN);
    expect(read(dir, FILES.summary)).toContain(INCOMPLETE_RUN);
  }, 90_000);
});
