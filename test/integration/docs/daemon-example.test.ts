/**
 * docs/your-system.md's cluster example (docs/examples/daemon-system.ts) on a real Docker node (hostroot
 * flavour): a Python key-value server started with startDaemon, under the example's own nemesis package
 * (kill -9 and restart every few seconds) and under the built-in kill and pause families, stays
 * linearizable; its version, its log file and its fault windows are recorded; `--replay` of the run
 * loads the system and the nemesis package from the test file again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../engine.ts';

const hasDocker = await requireDocker();
const REPO = join(import.meta.dirname, '../../..');
const BIN = join(REPO, 'bin/faultline.js');
const FILE = join(REPO, 'docs/examples/daemon-system.ts');
const cwd = mkdtempSync(join(tmpdir(), 'fl-guide-daemon-'));
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
const latest = () => realpathSync(join(cwd, 'results/latest'));
const json = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
const history = (dir: string) =>
  readFileSync(join(dir, 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { process: unknown; type: string; f: string });

describe.skipIf(!hasDocker)('the guide cluster example (Python server on a Docker node)', () => {
  it('under its own nemesis package: valid, version and logs recorded, and --replay reruns it', () => {
    const first = cli(['run', FILE, '--flavour', 'hostroot']);
    expect(first.code, first.out).toBe(0);
    const dir = latest();
    expect(json(dir, 'test.json')).toMatchObject({
      system: 'tinykv-py',
      systemVersion: 'tinykv-py 1.0',
      fromTestFile: ['system', 'nemesis'],
      testFile: FILE,
    });
    const faults = history(dir).filter((o) => o.process === 'nemesis' && o.type === 'ok');
    expect(faults.map((o) => o.f)).toEqual(expect.arrayContaining(['kill', 'start']));
    expect(existsSync(join(dir, 'nodes/n1/var/log/tinykv.log'))).toBe(true);
    expect(readFileSync(join(dir, 'nodes/n1/var/log/tinykv.log'), 'utf8')).toContain('tinykv listening');

    const again = cli(['run', '--replay', dir]);
    expect(again.code, again.out).toBe(0);
    expect(latest()).not.toBe(dir);
    expect(json(latest(), 'test.json')).toMatchObject({
      seed: json(dir, 'test.json').seed,
      system: 'tinykv-py',
      fromTestFile: ['system', 'nemesis'],
    });
  }, 300_000);

  it('under the built-in kill and pause families (flags override the file): valid', () => {
    // One family per run: on this 1-node example a pause that lands on the killed node is (rightly) a
    // `no-target` fail, so together they may leave no pause in effect at all.
    for (const family of ['kill', 'pause']) {
      const r = cli(['run', FILE, '--flavour', 'hostroot', '--nemesis', family, '--nemesis-interval', '1']);
      expect(r.code, r.out).toBe(0);
      const fs = history(latest())
        .filter((o) => o.process === 'nemesis' && o.type === 'ok')
        .map((o) => o.f);
      expect(fs, r.out).toContain(family);
    }
  }, 300_000);
});
