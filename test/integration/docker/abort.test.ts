import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanByLabel } from '../../../src/cluster/docker/clean.ts';
import { DockerCluster } from '../../../src/cluster/docker/cluster.ts';
import { requireDocker } from '../engine.ts';
import { engine, leftovers, testRunId } from './helpers.ts';

const hasDocker = await requireDocker();
const CHILD = fileURLToPath(new URL('./provision-child.ts', import.meta.url));

/** Runs the child, sends SIGINT when a stdout line matches `when`, resolves with its output and exit code. */
function provisionAndInterrupt(
  runId: string,
  count: number,
  when: RegExp,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, runId, String(count)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not finish: ${out}`));
    }, 60_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!sent && when.test(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe.skipIf(!hasDocker)('aborting provisioning', () => {
  const ids: string[] = [];
  afterAll(async () => {
    for (const id of ids) await cleanByLabel(engine.docker, id);
  });

  it.each([
    ['right after the network is created', /network faultline-\S+ created/],
    ['while containers are being created', /created faultline-\S+-n1 /],
  ])('SIGINT %s leaves nothing with the run label', async (_what, when) => {
    const runId = testRunId('sigint');
    ids.push(runId);
    const { code, out } = await provisionAndInterrupt(runId, 8, when);
    expect(out).toContain('SIGINT');
    expect(out).toMatch(/ABORTED provisioning of run \S+ aborted/);
    expect(out).toContain('DESTROYED []');
    expect(code).toBe(130);
    expect(await leftovers(runId)).toEqual([]);
  });

  it('an AbortSignal already fired creates nothing; one fired mid-way removes what was made', async () => {
    const early = new DockerCluster({ runId: testRunId('early'), engine, flavour: 'hostroot' });
    ids.push(early.runId);
    await expect(early.provision({ count: 2 }, AbortSignal.abort())).rejects.toThrow(/aborted/);
    expect(await leftovers(early.runId)).toEqual([]);

    const ac = new AbortController();
    const mid = new DockerCluster({
      runId: testRunId('mid'),
      engine,
      flavour: 'hostroot',
      logger: {
        debug: (m) => {
          if (m.startsWith('created ')) ac.abort();
        },
        info() {},
        warn() {},
        error() {},
      },
    });
    ids.push(mid.runId);
    await expect(mid.provision({ count: 4 }, ac.signal)).rejects.toThrow(
      /aborted; its containers were removed/,
    );
    expect(await leftovers(mid.runId)).toEqual([]);
  });
});
