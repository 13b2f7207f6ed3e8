import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { reportCommand } from '../../../src/cli/commands/report.ts';
import { UserError } from '../../../src/core/errors.ts';
import { syntheticRun } from '../../fixtures/synthetic.ts';
import { removeTempDirs, tempDir } from './helpers.ts';

describe('faultline report', () => {
  afterEach(() => vi.restoreAllMocks());

  it('rebuilds the three reports from a run folder and exits 0', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const dir = tempDir('cmd');
    await syntheticRun(dir, { ops: 100 });
    expect(await reportCommand(dir)).toBe(0);
    for (const f of ['report.html', 'junit.xml', 'summary.md']) expect(existsSync(join(dir, f))).toBe(true);
    expect(String(out.mock.calls.map((c) => c[0]).join(''))).toContain('report.html');
  });

  it('refuses a missing path, a file, and a folder that is not a run, with one-line messages', async () => {
    const dir = tempDir('cmd-bad');
    await expect(reportCommand(join(dir, 'nope'))).rejects.toThrow(UserError);
    writeFileSync(join(dir, 'file.txt'), 'x');
    await expect(reportCommand(join(dir, 'file.txt'))).rejects.toThrow(/is not a folder/);
    const err = await reportCommand(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/neither test\.json nor history\.jsonl/);
    expect((err as Error).message).not.toContain('\n');
  });
});

afterAll(removeTempDirs);
