/**
 * `faultline clean` against the real engine never removes a live run: a child process provisions a
 * cluster and stays alive; plain clean and `clean --run-id` leave its containers; once the child is
 * SIGKILLed (no teardown) doctor lists the run as leftover and plain clean removes it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanByLabel } from '../../../src/cluster/docker/clean.ts';
import { checkLeftovers } from '../../../src/cluster/docker/doctor.ts';
import { LABEL_OWNER_HOST, LABEL_OWNER_PID, LABEL_RUN } from '../../../src/cluster/docker/labels.ts';
import { requireDocker } from '../engine.ts';
import { engine, leftovers, testRunId } from './helpers.ts';

const hasDocker = await requireDocker();
const CHILD = fileURLToPath(new URL('./provision-child.ts', import.meta.url));
const ROOT = join(import.meta.dirname, '../../..');

/** `faultline clean` with these flags, through its CLI handler in a child node. */
function clean(flags: object) {
  const code = `const m = await import(${JSON.stringify(join(ROOT, 'src/cli/commands/clean.ts'))}); process.exitCode = await m.cleanCommand(${JSON.stringify(flags)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the provisioning child and resolves once it printed PROVISIONED (it then waits for a signal). */
function provisioned(runId: string, count: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, runId, String(count)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not provision within 120 s: ${out}`));
    }, 120_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('PROVISIONED')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited ${code} before provisioning: ${out}`));
    });
  });
}

describe.skipIf(!hasDocker)('clean never removes a live run', () => {
  const runId = testRunId('live');
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await cleanByLabel(engine.docker, runId);
  });

  it('keeps the run while its owner lives, lists it in doctor, removes it once the owner is gone', async () => {
    child = await provisioned(runId, 2);
    const pid = child.pid as number;
    const filters = JSON.stringify({ label: [`${LABEL_RUN}=${runId}`] });
    const [c] = await engine.docker.listContainers({ all: true, filters });
    expect(c?.Labels[LABEL_OWNER_PID]).toBe(String(pid));
    expect(c?.Labels[LABEL_OWNER_HOST]).toBe(hostname());
    expect(await leftovers(runId)).toHaveLength(3);

    const live = (await checkLeftovers(engine)).find((x) => x.detail.startsWith(`${runId}:`));
    expect(live).toMatchObject({ name: 'leftover run', ok: true });
    expect(live?.detail).toMatch(
      new RegExp(
        `^${runId}: 2 containers, 1 networks, \\d+ s old, owner pid ${pid} running \\(in progress\\)$`,
      ),
    );

    const plain = clean({});
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(`kept run ${runId}: owner pid ${pid} running: a run in progress`);
    expect(await leftovers(runId)).toHaveLength(3);

    const named = clean({ runId });
    expect(named.code, `${named.stdout}${named.stderr}`).toBe(254);
    expect(named.stdout).toBe('');
    expect(named.stderr).toBe(
      `faultline: run ${runId} left in place: owner pid ${pid} running: a run in progress (stop it, or faultline clean --run-id ${runId} --force)\n`,
    );
    expect(await leftovers(runId)).toHaveLength(3);

    // The owner dies without tearing down: what a crash leaves.
    const exited = new Promise((r) => child?.on('close', r));
    child.kill('SIGKILL');
    await exited;
    const gone = (await checkLeftovers(engine)).find((x) => x.detail.startsWith(`${runId}:`));
    expect(gone).toMatchObject({ name: 'leftover run', ok: 'warn', fix: 'faultline clean' });
    expect(gone?.detail).toContain(`owner pid ${pid} gone`);

    const after = clean({});
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).not.toContain(`kept run ${runId}`);
    expect(after.stdout).toMatch(
      /^removed \d+ containers and \d+ networks of \d+ runs? whose owner is gone/m,
    );
    expect(await leftovers(runId)).toEqual([]);
  }, 300_000);
});
