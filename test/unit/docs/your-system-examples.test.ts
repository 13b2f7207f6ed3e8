/**
 * docs/your-system.md's examples are real files (docs/examples/*.ts), and this test keeps them honest:
 * they type-check with the repo's settings, the in-process ones run through the real CLI with the
 * verdicts the guide promises (the honest mode valid, the buggy mode caught), `--replay` of a run whose
 * system came from a test file reruns it, and every code block the guide quotes from an example file is
 * still in that file. (The cluster example, daemon-system.ts, runs in
 * test/integration/docs/daemon-example.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../../..');
const BIN = join(REPO, 'bin/faultline.js');
const EXAMPLES = join(REPO, 'docs/examples');
const cwd = mkdtempSync(join(tmpdir(), 'fl-guide-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args, '--no-dashboard'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
};
const latest = () => realpathSync(join(cwd, 'results/latest'));
const json = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

describe('the guide examples', () => {
  it('type-check (tsc -p docs/examples)', () => {
    const r = spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', EXAMPLES], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });

  it('in-process-kv.ts: honest is linearizable and records its version; stale-reads is caught', () => {
    const file = join(EXAMPLES, 'in-process-kv.ts');
    const honest = cli(['run', file]);
    expect(honest.code, honest.out).toBe(0);
    const dir = latest();
    expect(json(dir, 'test.json')).toMatchObject({
      system: 'tiny-kv',
      systemVersion: 'tiny-kv 1.0.0',
      testFile: file,
      fromTestFile: ['system'],
    });
    const stale = cli(['run', file, '--mode', 'stale-reads']);
    expect(stale.code, stale.out).toBe(1);
    expect(json(latest(), 'results.json').anomalyTypes).toContain('linearizable/nonlinearizable');

    // --replay of the honest run: the system is loaded from the test file again; same test, same seed.
    const again = cli(['run', '--replay', dir]);
    expect(again.code, again.out).toBe(0);
    expect(latest()).not.toBe(dir);
    const { seed, system, mode, workload, options } = json(dir, 'test.json');
    expect(json(latest(), 'test.json')).toMatchObject({
      seed,
      system,
      mode,
      workload,
      options,
      testFile: file,
    });
    // The replay records the file too, so a replay of the replay works.
    const replayDir = latest();
    const third = cli(['run', '--replay', replayDir]);
    expect(third.code, third.out).toBe(0);
    expect(json(latest(), 'test.json')).toMatchObject({ seed, system, testFile: file });
  }, 240_000);

  it('custom-workload.ts: unique ids pass; the racy service is caught handing out an id twice', () => {
    const file = join(EXAMPLES, 'custom-workload.ts');
    const honest = cli(['run', file]);
    expect(honest.code, honest.out).toBe(0);
    const racy = cli(['run', file, '--mode', 'racy']);
    expect(racy.code, racy.out).toBe(1);
    const results = json(latest(), 'results.json');
    expect(results.anomalyTypes).toEqual(['unique-ids/duplicated']);
    expect(results.anomalies['unique-ids/duplicated'][0].explanation).toMatch(/^id \d+ was handed out twice/);
  }, 240_000);

  it('every block the guide quotes from an example file is in that file', () => {
    const guide = readFileSync(join(REPO, 'docs/your-system.md'), 'utf8');
    const blocks = [...guide.matchAll(/```ts\n\/\/ (docs\/examples\/[\w.-]+\.ts)\n([\s\S]*?)```/g)];
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const [, path, body] of blocks) {
      const source = readFileSync(join(REPO, path!), 'utf8');
      // `// …` lines stand for code left out: each part between them must appear as written.
      for (const part of body!
        .split(/^\s*\/\/ …\n/m)
        .map((p) => p.trim())
        .filter(Boolean))
        expect(source, `${path}: the guide quotes code that is not in the file:\n${part}`).toContain(part);
    }
  });
});
