/**
 * End to end without Docker: a real run (memory system, set workload) with a hand-written nemesis package
 * stores its fault declarations in test.json, and the report draws windows from them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sequenceGenerator } from '../../../nemeses/schedule.ts';
import type { FaultKind, NemesisPackage } from '../../../src/core/nemesis.ts';
import { BUILTIN_FAULTS, resolveTest } from '../../../src/registry.ts';
import { loadRun, summarizeRun } from '../../../src/report/index.ts';
import { runTest } from '../../../src/runner/run.ts';
import { removeTempDirs, tempDir } from './helpers.ts';

const flood: FaultKind = {
  family: 'flood',
  start: ['flood'],
  stop: ['drain'],
  events: ['compact'],
  value: { kind: 'none' },
  valueDoc: 'nothing: a stand-in fault that does nothing',
  color: '#123456',
};

/** A nemesis that performs flood, compact, drain (doing nothing), with or without declaring them. */
function floodPackage(declare: boolean): NemesisPackage {
  return {
    nemesis: { name: 'flood', fs: ['flood', 'drain', 'compact'], invoke: async () => ({ type: 'ok' }) },
    generator: sequenceGenerator([
      { f: 'flood', value: null },
      { f: 'compact', value: null },
      { f: 'drain', value: null },
    ]),
    ...(declare ? { faults: [flood] } : {}),
  };
}

async function run(nemesis: NemesisPackage) {
  const r = resolveTest({
    system: 'memory',
    workload: 'set',
    timeLimit: 0.5,
    recoveryTime: 0,
    rate: 200,
    seed: 3,
    resultsDir: tempDir('run-faults'),
  });
  const out = await runTest(r.test, { system: r.system, workload: r.workload, nemesis });
  return { out, test: JSON.parse(readFileSync(join(out.runDir, 'test.json'), 'utf8')) };
}

describe('a run stores its declared faults, and the report reads them', () => {
  it('declared: test.json has them, and the flood is a window with a compact event', async () => {
    const { out, test } = await run(floodPackage(true));
    expect(out.error).toBeUndefined();
    expect(test.faults).toEqual([flood]);
    const s = summarizeRun(await loadRun(out.runDir));
    expect(s.faults.map((w) => [w.key, w.f, w.endF])).toEqual([['flood', 'flood', 'drain']]);
    expect(s.faultEvents.map((e) => [e.f, e.family])).toEqual([['compact', 'flood']]);
  });

  it("undeclared: the built-in families' declarations are stored, and its fs are only events", async () => {
    const { out, test } = await run(floodPackage(false));
    expect(test.faults).toEqual(BUILTIN_FAULTS);
    const s = summarizeRun(await loadRun(out.runDir));
    expect(s.faults).toEqual([]);
    expect(s.faultEvents.map((e) => [e.f, e.family])).toEqual([
      ['flood', undefined],
      ['compact', undefined],
      ['drain', undefined],
    ]);
  });
});

afterAll(removeTempDirs);
