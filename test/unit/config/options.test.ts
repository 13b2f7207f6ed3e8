/**
 * The one declaration of a test's options (src/config/options.ts): every field has a CLI flag, every
 * default is valid, CLI text parses to the value a test file would give, and a resolved test round-trips
 * through test.json → --replay unchanged (checkerMemoryLimit, flavour and image included), also when its
 * system came from a test file.
 */
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { loadReplay, mergeFlags } from '../../../src/cli/commands/run.ts';
import { buildProgram, flagAttribute } from '../../../src/cli/main.ts';
import { FLAVOURS } from '../../../src/cluster/docker/image.ts';
import type { ResolvedTest, TestDefinition } from '../../../src/config/define.ts';
import { loadTestFile, validateTest } from '../../../src/config/load.ts';
import { FIELD_NAMES, FIELDS, type TestField } from '../../../src/config/options.ts';
import { UserError } from '../../../src/core/errors.ts';
import { resolveTest } from '../../../src/registry.ts';
import { FILES } from '../../../src/store/run-dir.ts';

const REPO = join(import.meta.dirname, '../../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'faultline-options-'));
const commandOptions = (name: string): Option[] =>
  buildProgram([]).commands.find((c) => c.name() === name)!.options as Option[];

/** What the runner writes as test.json (JSON, so undefined fields vanish), plus the schedule file. */
function storeRun(test: ResolvedTest, schedule: unknown = [{ at: 1, f: 'start-partition', value: null }]) {
  const dir = tmp();
  writeFileSync(join(dir, FILES.test), JSON.stringify({ ...test, argv: ['run'], faultlineVersion: 'x' }));
  writeFileSync(join(dir, FILES.schedule), JSON.stringify(schedule));
  return dir;
}

/** A test with every field away from its default. */
const FULL: TestDefinition = {
  name: 'full-test',
  system: 'etcd',
  mode: undefined,
  workload: 'register',
  nemesis: 'partition,kill',
  nemesisInterval: 3,
  nodes: ['a1', 'a2', 'a3'],
  concurrency: '2n',
  timeLimit: 7,
  rate: 50,
  seed: 4_000_000_000,
  recoveryTime: 1,
  opTimeout: 2,
  nemesisTimeout: 45,
  checkerTimeLimit: 9,
  checkerMemoryLimit: 512,
  resultsDir: 'elsewhere',
  flavour: 'hostroot',
  image: 'faultline/node:custom',
  options: { readMode: 'serializable', valueCount: 7, partitionTargets: 'one,majority', killTargets: 'a1' },
};
delete FULL.mode;

describe('the options table', () => {
  it('every field has a flag on run, with help text, and the flags reach the right field', () => {
    const run = commandOptions('run');
    for (const k of FIELD_NAMES) {
      const flag = FIELDS[k].flag.split(' ')[0]!;
      const o = run.find((x) => x.long === flag);
      expect(o, `run has no ${flag} for ${k}`).toBeDefined();
      expect(o!.description.length).toBeGreaterThan(10);
      // mergeFlags reads the attribute commander stores the flag under.
      expect(o!.attributeName()).toBe(flagAttribute(k));
    }
  });

  it('demo and analyze take exactly the fields the table gives them', () => {
    for (const cmd of ['demo', 'analyze'] as const) {
      const longs = new Set(commandOptions(cmd).map((o) => o.long));
      for (const k of FIELD_NAMES) {
        const f: TestField = FIELDS[k];
        expect(longs.has(f.flag.split(' ')[0]!), `${cmd} ${k}`).toBe(f.commands.includes(cmd));
      }
    }
  });

  it('every default is a valid value, and help shows it', () => {
    const run = commandOptions('run');
    for (const k of FIELD_NAMES) {
      const f: TestField = FIELDS[k];
      if (f.default === undefined) continue;
      expect(f.schema.safeParse(f.default).success, k).toBe(true);
      const o = run.find((x) => x.long === f.flag.split(' ')[0]);
      expect(o!.description).toContain(`default ${String(f.default)}`);
    }
  });

  it('the flavours are the Docker backend’s', () => {
    expect([...FIELDS.flavour.schema.options].sort()).toEqual([...FLAVOURS].sort());
  });

  it('CLI text parses to the value a test file gives, for every field of FULL', () => {
    for (const k of FIELD_NAMES) {
      const v = FULL[k];
      if (v === undefined || k === 'options') continue;
      const text = Array.isArray(v) ? v.join(',') : String(v);
      const f: TestField = FIELDS[k];
      const parsed = f.fromCli ? f.fromCli(text) : text;
      expect(parsed, k).toEqual(v);
      expect(f.schema.safeParse(parsed).success, k).toBe(true);
    }
  });

  it('refuses values out of range, one line naming the field and what it expects', () => {
    const bad: [keyof TestDefinition, unknown][] = [
      ['timeLimit', 1e9],
      ['nemesisInterval', 1e-6],
      ['seed', 99_999_999_999],
      ['seed', 1.5],
      ['nodes', 0],
      ['nodes', ['ok', 'bad\nname']],
      ['nodes', ['n1', 'n1']],
      ['concurrency', '0n'],
      ['rate', -1],
      ['checkerMemoryLimit', 0],
      ['flavour', 'alpine'],
      ['name', '../escape'],
    ];
    for (const [k, v] of bad) {
      let msg = '';
      try {
        validateTest({ [k]: v }, 'test file t.ts');
      } catch (err) {
        expect(err).toBeInstanceOf(UserError);
        msg = (err as Error).message;
      }
      expect(msg, `${k}=${String(v)}`).toMatch(new RegExp(`^test file t\\.ts: ${k}: .*: expected `));
      expect(msg).not.toContain('\n');
    }
  });
});

describe('flags over a test file', () => {
  it('every field given as a flag wins; --opt keys merge', () => {
    const flags: Record<string, unknown> = {};
    for (const k of FIELD_NAMES) if (k !== 'options') flags[flagAttribute(k)] = FULL[k];
    flags.opt = { valueCount: 9 };
    const merged = mergeFlags({ timeLimit: 1, options: { readMode: 'linearizable', casRatio: 0 } }, flags);
    expect(merged).toEqual({ ...FULL, options: { readMode: 'linearizable', casRatio: 0, valueCount: 9 } });
  });
});

describe('test.json → --replay', () => {
  it('a resolved test replays with every field (checkerMemoryLimit, flavour, image included)', async () => {
    const r = resolveTest(FULL);
    expect(r.test).toMatchObject({
      checkerMemoryLimit: 512,
      flavour: 'hostroot',
      image: 'faultline/node:custom',
    });
    const schedule = r.nemesis!.schedule!;
    const dir = storeRun(r.test, schedule);
    const replay = await loadReplay(dir);
    expect(replay.schedule).toEqual(JSON.parse(JSON.stringify(schedule)));
    const again = resolveTest(replay.def, replay);
    expect(again.test).toEqual(r.test);
    expect(again.nemesis!.schedule).toEqual(replay.schedule);
  });

  it('defaults round-trip too (a bare test)', async () => {
    const r = resolveTest({ system: 'etcd', nemesis: 'kill' });
    const replay = await loadReplay(storeRun(r.test));
    expect(resolveTest(replay.def, replay).test).toEqual(r.test);
  });

  it('a system from a test file is loaded from that file again; a moved file is one line', async () => {
    const dir = tmp();
    const file = join(dir, 'custom.ts');
    writeFileSync(
      file,
      [
        `import { memorySystem } from '${join(REPO, 'systems/memory/index.ts')}';`,
        `const custom = { ...memorySystem, name: 'custom-memory', options: undefined };`,
        `export default { system: custom, workload: 'set', nemesis: 'none', timeLimit: 2, seed: 11, options: { anything: 1 } };`,
      ].join('\n'),
    );
    const def = await loadTestFile(file);
    const r = resolveTest(def, undefined, { testFile: file });
    expect(r.test).toMatchObject({ system: 'custom-memory', testFile: file, fromTestFile: ['system'] });
    const runDir = storeRun(r.test);
    const replay = await loadReplay(runDir);
    expect(typeof replay.def.system).toBe('object');
    expect(resolveTest(replay.def, undefined, { testFile: file }).test).toEqual(r.test);

    mkdirSync(join(dir, 'moved'));
    renameSync(file, join(dir, 'moved', 'custom.ts'));
    await expect(loadReplay(runDir)).rejects.toThrow(
      new RegExp(
        `^--replay .*: its system came from the test file ${file.replace(/[.]/g, '\\.')}, which is gone`,
      ),
    );
  });

  it('a nemesis-schedule.json from before the unit rename (`at`, seconds) replays the same; a damaged one is one line', async () => {
    const r = resolveTest({ system: 'etcd', nemesis: 'kill' });
    const old = await loadReplay(storeRun(r.test, [{ at: 1.5, f: 'kill', value: { nodes: ['n1'] } }]));
    expect(old.schedule).toEqual([{ atS: 1.5, f: 'kill', value: { nodes: ['n1'] } }]);
    await expect(loadReplay(storeRun(r.test, [{ atS: '1', f: 'kill' }]))).rejects.toThrow(
      /^--replay .*: nemesis-schedule\.json is not a list of \{atS \(seconds\), f, value\} entries$/,
    );
  });

  it('a damaged test.json is one line naming the field', async () => {
    const r = resolveTest({ system: 'etcd', nemesis: 'kill' });
    const dir = storeRun({ ...r.test, timeLimit: -1 });
    await expect(loadReplay(dir)).rejects.toThrow(/test\.json: timeLimit: -1: expected seconds/);
  });
});
