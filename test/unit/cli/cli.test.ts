import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistoryFile } from '../../../src/history/formats/index.ts';
import { pairOps } from '../../../src/history/pairs.ts';

const BIN = join(import.meta.dirname, '../../../bin/faultline.js');
const tmp = () => mkdtempSync(join(tmpdir(), 'faultline-cli-'));

function cli(args: string[], cwd = tmp()) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, cwd };
}

/** A user error is exactly one line on stderr, no stack trace, exit 254. */
function expectOneLineError(r: ReturnType<typeof cli>, pattern: RegExp) {
  expect(r.code).toBe(254);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('(add --help'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('bad input: exit 254 and one line', () => {
  it('unknown option', () => expectOneLineError(cli(['run', '--bogus']), /unknown option '--bogus'/));
  it('unknown command', () => expectOneLineError(cli(['frobnicate']), /unknown command 'frobnicate'/));
  it('unknown system', () =>
    expectOneLineError(cli(['run', '--system', 'nope']), /unknown system 'nope': choose one of memory/));
  it('unknown workload', () =>
    expectOneLineError(cli(['run', '--workload', 'nope']), /unknown workload 'nope'/));
  it('unknown mode', () => expectOneLineError(cli(['run', '--mode', 'weird']), /has no mode 'weird'/));
  it('unknown nemesis', () =>
    expectOneLineError(cli(['run', '--nemesis', 'meteor']), /unknown nemesis 'meteor'/));
  it('bad number', () =>
    expectOneLineError(
      cli(['run', '--time-limit', 'soon']),
      /--time-limit.*'soon' is invalid. expected seconds, a number > 0/,
    ));
  it('bad concurrency', () => expectOneLineError(cli(['run', '--concurrency', 'many']), /thread count/));
  it('missing test file', () => expectOneLineError(cli(['run', 'nope.ts']), /test file nope.ts not found/));
  it('invalid test file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 't.ts'), 'export default { nodes: -3 };\n');
    expectOneLineError(cli(['run', 't.ts'], dir), /test file t.ts: nodes: /);
  });
  it('missing history', () =>
    expectOneLineError(cli(['analyze', 'nowhere.jsonl']), /nowhere.jsonl not found/));
  it('history with a garbage line', () => {
    const dir = tmp();
    const op = (i: number, type: string) =>
      JSON.stringify({ index: i, time: i, type, process: 0, f: 'add', value: i });
    writeFileSync(join(dir, 'h.jsonl'), `${op(0, 'invoke')}\nthis is not json\n${op(1, 'ok')}\n`);
    expectOneLineError(cli(['analyze', 'h.jsonl', '--workload', 'set'], dir), /h\.jsonl:2: not valid JSON/);
  });
  it('bare history without a way to check it', () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'h.jsonl'),
      `${JSON.stringify({ index: 0, time: 0, type: 'invoke', process: 0, f: 'add', value: 1 })}\n`,
    );
    expectOneLineError(cli(['analyze', 'h.jsonl'], dir), /pass --workload/);
  });
});

describe('help and version', () => {
  it('--version prints the version', () => {
    const r = cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
  it('run --help lists the flags', () => {
    const r = cli(['run', '--help']);
    expect(r.code).toBe(0);
    for (const f of [
      '--system',
      '--workload',
      '--nemesis',
      '--nodes',
      '--concurrency',
      '--time-limit',
      '--rate',
      '--seed',
      '--test-count',
      '--results-dir',
    ]) {
      expect(r.stdout).toContain(f);
    }
  });
});

describe('run and analyze the memory system', () => {
  it('honest: valid (exit 0), a complete run folder, and analyze agrees', () => {
    const r = cli([
      'run',
      '--system',
      'memory',
      '--workload',
      'set',
      '--time-limit',
      '1',
      '--recovery-time',
      '0',
      '--seed',
      '7',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^VALID/);
    const latest = join(r.cwd, 'results', 'latest');
    for (const f of ['test.json', 'history.jsonl', 'results.json', 'faultline.log'])
      expect(existsSync(join(latest, f))).toBe(true);
    expect(realpathSync(latest)).toMatch(/results\/memory-set\/\d{8}T\d{6}\.\d{3}Z$/);
    const test = JSON.parse(readFileSync(join(latest, 'test.json'), 'utf8'));
    expect(test).toMatchObject({
      seed: 7,
      system: 'memory',
      workload: 'set',
      concurrency: 10,
      nodes: ['n1', 'n2', 'n3', 'n4', 'n5'],
    });
    expect(test.argv).toContain('--seed');
    const a = cli(['analyze', 'results/latest'], r.cwd);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^VALID/);
  });

  it('lost writes: invalid (exit 1) with the lost elements listed; analyze agrees', () => {
    const r = cli([
      'run',
      '--system',
      'memory',
      '--mode',
      'lost-writes',
      '--workload',
      'set',
      '--time-limit',
      '1',
      '--rate',
      '500',
      '--recovery-time',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^INVALID/);
    expect(r.stdout).toMatch(/set\s+INVALID\s+.*LOST/);
    const results = JSON.parse(readFileSync(join(r.cwd, 'results/latest/results.json'), 'utf8'));
    expect(results.valid).toBe(false);
    expect(results.results.set.lost.length).toBeGreaterThan(0);
    const a = cli(['analyze', 'results/latest/history.jsonl'], r.cwd);
    expect(a.code).toBe(1);
  });

  it('register: honest is linearizable; stale reads and lost writes are caught with a counterexample', () => {
    const run = (mode: string) =>
      cli([
        'run',
        '--system',
        'memory',
        '--workload',
        'register',
        '--mode',
        mode,
        '--time-limit',
        '2',
        '--rate',
        '400',
        '--opt',
        'latencyMs=1',
        '--recovery-time',
        '0',
        '--seed',
        '3',
      ]);
    expect(run('honest').code).toBe(0);
    for (const mode of ['stale-reads', 'lost-writes']) {
      const r = run(mode);
      expect(r.code, `${mode}: ${r.stdout}`).toBe(1);
      expect(r.stdout).toMatch(/linearizable\s+INVALID/);
      expect(r.stdout).toMatch(/minimal failing sub-history/);
    }
  });

  it('a test file: fields apply and flags override them', () => {
    const r = cli([
      'run',
      join(import.meta.dirname, '../../../examples/memory-set.ts'),
      '--time-limit',
      '1',
      '--recovery-time',
      '0',
      '--seed',
      '5',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const test = JSON.parse(readFileSync(join(r.cwd, 'results/latest/test.json'), 'utf8'));
    expect(test).toMatchObject({
      name: 'memory-set-lost-writes',
      mode: 'lost-writes',
      timeLimit: 1,
      rate: 500,
      seed: 5,
      options: { lossRate: 0.01 },
    });
  });

  it('SIGINT about 2 s into the main phase: exit 255, every invoke in history.jsonl paired', async () => {
    const dir = tmp();
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        '--system',
        'memory',
        '--workload',
        'set',
        '--time-limit',
        '60',
        '--rate',
        '0',
        '--opt',
        'latencyMs=20',
      ],
      { cwd: dir, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let signalled = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      // Signal once the run is under way (not after a fixed delay: a loaded machine starts slowly).
      if (!signalled && stderr.includes('phase running')) {
        signalled = true;
        setTimeout(() => child.kill('SIGINT'), 1000);
      }
    });
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    expect(code, stderr).toBe(255);
    const { history, warnings } = readHistoryFile(join(dir, 'results/latest/history.jsonl'));
    expect(warnings).toEqual([]);
    const { pairs, problems } = pairOps(history);
    expect(problems).toEqual([]);
    expect(pairs.length).toBeGreaterThan(100);
    expect(pairs.every((p) => p.completion !== undefined)).toBe(true);
    // It stopped at the signal, not at the time limit.
    expect(history.at(-1)!.time).toBeLessThan(10e9);
    const results = JSON.parse(readFileSync(join(dir, 'results/latest/results.json'), 'utf8'));
    expect(results.interrupted).toBe(true);
  }, 30_000);
});
