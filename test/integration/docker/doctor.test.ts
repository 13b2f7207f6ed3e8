import { spawnSync } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerCluster } from '../../../src/cluster/docker/cluster.ts';
import { formatChecks, preflight, runDoctor } from '../../../src/cluster/docker/doctor.ts';
import { connectEngine, EngineUnavailableError } from '../../../src/cluster/docker/engine.ts';
import { requireDocker } from '../engine.ts';
import { engine, leftovers, testRunId } from './helpers.ts';

const hasDocker = await requireDocker();
const ROOT = join(import.meta.dirname, '../../..');

/** Runs a CLI handler in a child node (the handlers print and return exit codes; they never call exit). */
function handler(module: string, fn: string, flags: object, env: Record<string, string> = {}) {
  const code = `const m = await import(${JSON.stringify(join(ROOT, module))}); process.exitCode = await m.${fn}(${JSON.stringify(flags)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('doctor with a stopped engine', () => {
  // A socket file where nothing listens: what a crashed dockerd leaves behind.
  const dead = join(tmpdir(), `fl-dead-${process.pid}.sock`);
  beforeAll(() => {
    // Bound but never listening: connecting gets ECONNREFUSED. Without python3 the path simply has no socket,
    // which is the other way a stopped engine looks.
    spawnSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', dead]);
  });
  afterAll(() => {
    try {
      unlinkSync(dead);
    } catch {}
  });

  it('reports the engine as one failed line with the fix', async () => {
    const checks = await runDoctor({ engine: connectEngine({ host: `unix://${dead}` }) });
    const engineCheck = checks.find((c) => c.name === 'engine');
    expect(engineCheck?.ok).toBe(false);
    const lines = formatChecks(checks).split('\n');
    const failed = lines.filter((l) => l.startsWith('FAIL'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(
      new RegExp(
        `^FAIL +engine +Docker engine not reachable at ${dead} \\((ECONNREFUSED|no socket)\\) — fix: start it with \`dockerd &\``,
      ),
    );
  });

  it('preflight throws one line', async () => {
    const err = await preflight({ engine: connectEngine({ host: dead }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).toContain('set DOCKER_HOST');
  });

  it('the CLI handlers print one line without a stack trace', () => {
    for (const [mod, fn] of [
      ['src/cli/commands/doctor.ts', 'doctorCommand'],
      ['src/cli/commands/clean.ts', 'cleanCommand'],
      ['src/cli/commands/image.ts', 'imageBuildCommand'],
    ] as const) {
      const r = handler(mod, fn, { flavour: 'hostroot' }, { DOCKER_HOST: `unix://${dead}` });
      const out = `${r.stdout}${r.stderr}`;
      expect(out, `${fn}: ${out}`).toMatch(/Docker engine not reachable at .*: start it with `dockerd &`/);
      expect(out).not.toMatch(/\n\s+at /);
      expect(r.code, fn).not.toBe(0);
    }
  });
});

describe.skipIf(!hasDocker)('doctor and CLI handlers on the real engine', () => {
  it('passes with netem as a warning (absent from this kernel) and leaves no probe behind', async () => {
    const checks = await runDoctor({ engine, flavour: 'hostroot' });
    const by = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(checks.filter((c) => c.ok === false)).toEqual([]);
    for (const name of ['node', 'engine', 'image (hostroot)', 'iptables', 'tc', 'qdisc tbf', 'disk']) {
      expect(by[name]?.ok, name).toBe(true);
    }
    expect(['warn', true]).toContain(by['qdisc netem']?.ok);
    const probes = await engine.docker.listContainers({
      all: true,
      filters: JSON.stringify({ name: ['faultline-doctor-'] }),
    });
    expect(probes).toEqual([]);
  });

  it('image build (hostroot) is cached on the second call', () => {
    const a = handler('src/cli/commands/image.ts', 'imageBuildCommand', { flavour: 'hostroot' });
    expect(a.code).toBe(0);
    const b = handler('src/cli/commands/image.ts', 'imageBuildCommand', { flavour: 'hostroot' });
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/^faultline\/node:hostroot-[0-9a-f]{16} {2}up to date \(cached\)\n$/);
    const bad = handler('src/cli/commands/image.ts', 'imageBuildCommand', { flavour: 'alpine' });
    expect(bad.code).toBe(254);
    expect(bad.stderr).toBe('faultline: unknown flavour alpine: use one of hostroot, debian\n');
  });

  it('clean --run-id refuses a run whose owner lives, and --force removes it', async () => {
    const c = new DockerCluster({ runId: testRunId('crashed'), engine, flavour: 'hostroot' });
    await c.provision({ count: 2 });
    // The cluster object is dropped without destroy(); its owner (this process) still runs.
    expect((await leftovers(c.runId)).length).toBe(3);
    const refused = handler('src/cli/commands/clean.ts', 'cleanCommand', { runId: c.runId });
    expect(refused.code).toBe(254);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^faultline: run ${c.runId} left in place: owner pid ${process.pid} running: .*--force\\)\n$`,
      ),
    );
    expect((await leftovers(c.runId)).length).toBe(3);
    const r = handler('src/cli/commands/clean.ts', 'cleanCommand', { runId: c.runId, force: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`removed 2 containers and 1 networks of run ${c.runId}\n`);
    expect(await leftovers(c.runId)).toEqual([]);
  });
});
