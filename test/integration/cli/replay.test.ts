/**
 * `--replay` of a hostroot run replays on hostroot with every option: a short etcd run (2 nodes, 3 s,
 * kill faults every second) on the hostroot flavour with a checker memory limit, then `run --replay` of
 * its folder. The replay's test.json must carry the same test (flavour and checkerMemoryLimit included),
 * and its fault schedule must be the stored one, op for op.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../engine.ts';

const hasDocker = await requireDocker();
const BIN = join(import.meta.dirname, '../../../bin/faultline.js');
const cwd = mkdtempSync(join(tmpdir(), 'fl-replay-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args, '--no-dashboard'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 240_000,
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
};
const json = (dir: string, file: string) => JSON.parse(readFileSync(join(cwd, dir, file), 'utf8'));
/** The test as stored, without what differs between two runs of it. */
// What belongs to one run rather than to the test (times, counts, versions, the run's own id).
const testOf = (t: Record<string, unknown>) => {
  const { argv, startTime, endTime, durationMs, opCount, nodeVersion, faultlineVersion, runId, ...rest } = t;
  return rest;
};

describe.skipIf(!hasDocker)('--replay of a hostroot run', () => {
  it('replays on hostroot with every option and exactly the stored schedule', () => {
    const first = cli([
      'run',
      '--system',
      'etcd',
      '--workload',
      'register',
      '--nodes',
      '2',
      '--time-limit',
      '3',
      '--nemesis',
      'kill',
      '--nemesis-interval',
      '1',
      '--recovery-time',
      '1',
      '--flavour',
      'hostroot',
      '--checker-memory-limit',
      '256',
      '--opt',
      'valueCount=7',
      '--seed',
      '5',
    ]);
    expect([0, 1, 2], first.out).toContain(first.code);
    const original = realpathSync(join(cwd, 'results/latest'));
    const t1 = JSON.parse(readFileSync(join(original, 'test.json'), 'utf8'));
    expect(t1).toMatchObject({ flavour: 'hostroot', checkerMemoryLimit: 256, nodes: ['n1', 'n2'], seed: 5 });

    const again = cli(['run', '--replay', original]);
    expect([0, 1, 2], again.out).toContain(again.code);
    const replayed = realpathSync(join(cwd, 'results/latest'));
    expect(replayed).not.toBe(original);
    expect(testOf(json('results/latest', 'test.json'))).toEqual(testOf(t1));
    expect(json('results/latest', 'nemesis-schedule.json')).toEqual(
      JSON.parse(readFileSync(join(original, 'nemesis-schedule.json'), 'utf8')),
    );
  }, 300_000);
});
