/**
 * `--replay` of a run whose system came from a declarative system file, end to end on Docker nodes
 * (hostroot): `run --system ../sys/leader-kv.json` from one folder (a path relative to it), then
 * `run --replay <run-dir>` from another folder. The replay loads the same file (test.json records its
 * absolute path), runs the same test and exactly the stored fault schedule.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../engine.ts';

const hasDocker = await requireDocker();
const REPO = join(import.meta.dirname, '../../..');
const BIN = join(REPO, 'bin/faultline.js');
const root = realpathSync(mkdtempSync(join(tmpdir(), 'fl-replay-sysfile-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = (cwd: string, args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args, '--no-dashboard'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 240_000,
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
};
const results = join(root, 'results');
const json = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
/** What belongs to one run rather than to the test. */
const testOf = (t: Record<string, unknown>) => {
  const { argv, startTime, endTime, durationMs, opCount, runId, systemVersion, ...rest } = t;
  return rest;
};

describe.skipIf(!hasDocker)('--replay of a declarative system file', () => {
  it('replays from another folder with the same file, test and fault schedule', () => {
    for (const d of ['sys', 'a', 'b']) mkdirSync(join(root, d));
    for (const f of ['leader-kv.json', 'leader-kv.mjs'])
      copyFileSync(join(REPO, 'examples/maelstrom', f), join(root, 'sys', f));
    const first = cli(join(root, 'a'), [
      'run',
      '--system',
      '../sys/leader-kv.json',
      '--workload',
      'register',
      '--nodes',
      '3',
      '--time-limit',
      '4',
      '--nemesis',
      'kill',
      '--nemesis-interval',
      '1',
      '--flavour',
      'hostroot',
      '--results-dir',
      results,
      '--seed',
      '9',
    ]);
    expect([0, 1, 2], first.out).toContain(first.code);
    const original = realpathSync(join(results, 'latest'));
    const t1 = json(original, 'test.json');
    expect(t1).toMatchObject({
      system: join(root, 'sys/leader-kv.json'),
      name: 'leader-kv-register',
      seed: 9,
    });

    const again = cli(join(root, 'b'), ['run', '--replay', original]);
    expect([0, 1, 2], again.out).toContain(again.code);
    const replayed = realpathSync(join(results, 'latest'));
    expect(replayed).not.toBe(original);
    expect(testOf(json(replayed, 'test.json'))).toEqual(testOf(t1));
    expect(json(replayed, 'nemesis-schedule.json')).toEqual(json(original, 'nemesis-schedule.json'));
  }, 300_000);
});
