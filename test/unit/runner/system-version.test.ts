/**
 * The version of the system under test: read once after setup (System.version) and recorded in test.json
 * (`systemVersion`), the report header, summary.md and junit.xml, on the real run code with the in-process
 * memory system. A hook that is missing, answers nothing, throws or hangs is recorded as unknown (null)
 * and logged, and never fails the run.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunContext, System } from '../../../src/core/index.ts';
import { resolveTest } from '../../../src/registry.ts';
import { reportData } from '../../../src/report/data.ts';
import { buildReports, loadRun } from '../../../src/report/index.ts';
import { summarizeRun } from '../../../src/report/summary.ts';
import { runTest } from '../../../src/runner/run.ts';
import { readSystemVersion } from '../../../src/runner/system-version.ts';
import { silentLogger } from '../../../src/util/log.ts';
import { VERSION } from '../../../src/version.ts';
import { memorySystem } from '../../../systems/memory/index.ts';
import { REFERENCE_SYSTEMS } from '../../../systems/reference/index.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'faultline-sysversion-'));
const json = (runDir: string, file: string) => JSON.parse(readFileSync(join(runDir, file), 'utf8'));
const text = (runDir: string, file: string) => readFileSync(join(runDir, file), 'utf8');

/** A short honest memory run, its system changed by `patch`. */
async function run(patch: (s: System) => System = (s) => s) {
  const r = resolveTest({
    system: 'memory',
    workload: 'set',
    nemesis: 'none',
    nodes: ['a1', 'a2'],
    timeLimit: 0.3,
    rate: 100,
    recoveryTime: 0,
    resultsDir: dir(),
  });
  return runTest(r.test, { system: patch(r.system), workload: r.workload });
}

const ctx = { signal: new AbortController().signal, log: silentLogger } as unknown as RunContext;

describe('the system version is recorded', () => {
  it('memory: test.json, report header, summary.md and junit.xml carry it', async () => {
    const out = await run();
    expect(out.exitCode).toBe(0);
    const expected = `memory (faultline ${VERSION})`;
    expect(json(out.runDir, 'test.json').systemVersion).toBe(expected);
    expect(text(out.runDir, 'summary.md')).toContain(`| system version | memory (faultline ${VERSION}) |`);
    expect(text(out.runDir, 'junit.xml')).toContain(`<property name="systemVersion" value="${expected}"/>`);
    const loaded = await loadRun(out.runDir);
    expect(reportData(loaded, summarizeRun(loaded)).info).toContainEqual(['system version', expected]);
    expect(text(out.runDir, 'report.html')).toContain(expected);
    expect(text(out.runDir, 'faultline.log')).toContain(`system version: ${expected}`);
  });

  it('a version hook that throws is recorded as unknown and logged; the run passes', async () => {
    const out = await run((s) => ({
      ...s,
      version: async () => {
        throw new Error('server said 500');
      },
    }));
    expect(out.exitCode).toBe(0);
    expect(out.error).toBeUndefined();
    expect(json(out.runDir, 'test.json')).toHaveProperty('systemVersion', null);
    expect(text(out.runDir, 'faultline.log')).toMatch(
      /system version unknown: reading the version of memory failed: server said 500/,
    );
    expect(text(out.runDir, 'summary.md')).toContain('| system version | unknown |');
    expect(text(out.runDir, 'junit.xml')).toContain('<property name="systemVersion" value="unknown"/>');
  });

  it('a system without the hook is unknown too', async () => {
    const out = await run(({ version: _v, ...s }) => s);
    expect(out.exitCode).toBe(0);
    expect(json(out.runDir, 'test.json')).toHaveProperty('systemVersion', null);
    expect(text(out.runDir, 'faultline.log')).toContain('system memory does not report a version');
  });

  it('readSystemVersion: a hang times out, an empty answer is unknown, whitespace is folded', async () => {
    const hang: Pick<System, 'name' | 'version'> = { name: 'slow', version: () => new Promise(() => {}) };
    expect(await readSystemVersion(hang, ctx, 50)).toEqual({
      version: null,
      why: 'reading the version of slow failed: no answer within 50 ms',
    });
    expect(await readSystemVersion({ name: 'x', version: async () => '  ' }, ctx)).toMatchObject({
      version: null,
    });
    expect(await readSystemVersion({ name: 'x', version: async () => undefined }, ctx)).toMatchObject({
      version: null,
    });
    expect(await readSystemVersion({ name: 'x', version: async () => ' v1\n  build 7 ' }, ctx)).toEqual({
      version: 'v1 build 7',
    });
    // A hook that throws synchronously (not async) is caught too.
    const sync: Pick<System, 'name' | 'version'> = {
      name: 's',
      version: () => {
        throw new Error('boom');
      },
    };
    expect((await readSystemVersion(sync, ctx)).why).toMatch(/boom/);
  });

  it("memory (every mode) and the reference designs report faultline's version", async () => {
    for (const mode of memorySystem.modes)
      expect(await memorySystem.create(mode).version!(ctx)).toBe(`memory (faultline ${VERSION})`);
    for (const d of REFERENCE_SYSTEMS)
      expect(await d.create(d.modes[0]!).version!(ctx)).toBe(`${d.name} (faultline ${VERSION})`);
  });

  it('older run folders (no systemVersion) show no version row', async () => {
    const out = await run();
    const loaded = await loadRun(out.runDir);
    delete loaded.test.systemVersion;
    const s = summarizeRun(loaded);
    const reports = buildReports(loaded);
    expect(reports.markdown).not.toContain('system version');
    expect(reports.junit).not.toContain('systemVersion');
    expect(reportData(loaded, s).info.map(([k]) => k)).not.toContain('system version');
  });
});
