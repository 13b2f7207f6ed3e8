import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listRuns } from '../../../src/report/server.ts';
import { FILES, INCOMPLETE_RUN } from '../../../src/store/run-dir.ts';
import { removeTempDirs, tempDir } from './helpers.ts';

afterAll(removeTempDirs);

describe("serve's run index", () => {
  it('says a run without the end marker is incomplete, and a finished one is not', () => {
    const root = tempDir('runs');
    const run = (rel: string, test: object) => {
      mkdirSync(join(root, rel), { recursive: true });
      writeFileSync(join(root, rel, FILES.test), JSON.stringify({ name: rel.split('/')[0], ...test }));
      writeFileSync(join(root, rel, FILES.history), '');
    };
    run('killed/20261130T060000.000Z', { startTime: '2026-11-30T06:00:00.000Z' });
    run('done/20261130T060000.000Z', {
      startTime: '2026-11-30T06:00:00.000Z',
      endTime: '2026-11-30T06:00:05.000Z',
    });
    const runs = listRuns(root);
    expect(runs.find((r) => r.test === 'killed')!.summary).toBe(`${INCOMPLETE_RUN}; not checked`);
    expect(runs.find((r) => r.test === 'done')!.summary).toBe('not checked');
  });
});
