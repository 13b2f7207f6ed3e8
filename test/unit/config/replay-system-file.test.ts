/**
 * `--replay` of a run whose system came from a declarative system file (`--system path/to/x.json`):
 * test.json records the file's absolute path as `system`, so the replay loads the same file from any
 * folder and resolves to the same test; a file that is gone is one line naming it.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReplay } from '../../../src/cli/commands/run.ts';
import type { ResolvedTest } from '../../../src/config/define.ts';
import { resolveTest } from '../../../src/registry.ts';
import { FILES } from '../../../src/store/run-dir.ts';

const REPO = join(import.meta.dirname, '../../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'faultline-sysfile-'));

function storeRun(test: ResolvedTest, schedule: unknown): string {
  const dir = tmp();
  writeFileSync(join(dir, FILES.test), JSON.stringify({ ...test, argv: ['run'], faultlineVersion: 'x' }));
  writeFileSync(join(dir, FILES.schedule), JSON.stringify(schedule));
  return dir;
}

/** The example system file (examples/maelstrom/local-kv.json) and its node program, copied to a folder. */
function systemFileCopy(): string {
  const dir = tmp();
  for (const f of ['local-kv.json', 'local-kv.py'])
    copyFileSync(join(REPO, 'examples/maelstrom', f), join(dir, f));
  return join(dir, 'local-kv.json');
}

describe('--replay of a declarative system file', () => {
  it('test.json records the absolute path; the replay loads that file and resolves to the same test', async () => {
    const file = systemFileCopy();
    // As a user gives it: relative to the working folder.
    const given = relative(process.cwd(), file);
    const r = resolveTest({ system: given, workload: 'register', nemesis: 'kill', timeLimit: 5, seed: 3 });
    expect(r.test.system).toBe(file);
    expect(r.test.name).toBe('local-kv-register');
    const runDir = storeRun(r.test, r.nemesis!.schedule);
    const replay = await loadReplay(runDir);
    expect(replay.def.system).toBe(file);
    const again = resolveTest(replay.def, replay);
    expect(again.test).toEqual(r.test);
    expect(again.nemesis!.schedule).toEqual(replay.schedule);
    expect(Object.keys(again.system.clients)).toEqual(Object.keys(r.system.clients));
  });

  it('a system file that is gone is one line naming it', async () => {
    const file = systemFileCopy();
    const r = resolveTest({ system: file, workload: 'register', nemesis: 'kill', timeLimit: 5, seed: 3 });
    const runDir = storeRun(r.test, r.nemesis!.schedule);
    rmSync(file);
    await expect(loadReplay(runDir)).rejects.toThrow(
      new RegExp(`^--replay .*: its system came from the file ${file.replace(/[.]/g, '\\.')}, which is gone`),
    );
  });
});
