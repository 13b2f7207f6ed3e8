/**
 * The run lifecycle on a real Docker engine (hostroot nodes, the misbehaving fixture's in-process store,
 * so only faultline's own handling is under test): user node names end to end, a node removed mid-run,
 * and an engine that goes away — simulated with a unix-socket proxy to the real engine that the test
 * closes (the shared engine itself is never stopped). Every run is removed by its label afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanByLabel } from '../../../src/cluster/docker/clean.ts';
import { LABEL_NODE, LABEL_RUN } from '../../../src/cluster/docker/labels.ts';
import { readHistoryFile } from '../../../src/history/formats/index.ts';
import { pairOps } from '../../../src/history/pairs.ts';
import { engine, leftovers } from '../docker/helpers.ts';
import { requireDocker } from '../engine.ts';

const hasDocker = await requireDocker();
const BIN = join(import.meta.dirname, '../../../bin/faultline.js');
const FIXTURE = join(import.meta.dirname, '../../fixtures/lifecycle/misbehaving.ts');
const runIds: string[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  dir: string;
  ms: number;
}

/** The run folder of the (single) run under dir, found before `latest` exists. */
function runFolder(dir: string): string | undefined {
  const base = join(dir, 'results', 'misbehaving');
  if (!existsSync(base)) return undefined;
  const d = readdirSync(base).find((n) => n !== 'latest');
  return d ? join(base, d) : undefined;
}

/** Spawns `faultline run` on the fixture; `onRunning` is called once when the main phase starts. */
function run(
  args: string[],
  env: Record<string, string>,
  onRunning?: (runDir: string | undefined, interrupt: () => void) => void | Promise<void>,
  at: RegExp = /phase running\n/,
): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-lifecycle-docker-'));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, 'run', FIXTURE, '--no-dashboard', '--flavour', 'hostroot', ...args],
      { cwd: dir, env: { ...process.env, CI: 'true', NEEDS_CLUSTER: '1', ...env }, stdio: 'pipe' },
    );
    let stdout = '';
    let stderr = '';
    let called = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 240 s:\n${stderr}`));
    }, 240_000);
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (!called && onRunning && at.test(stderr)) {
        called = true;
        const folder = runFolder(dir);
        if (folder) runIds.push(JSON.parse(readFileSync(join(folder, 'test.json'), 'utf8')).runId as string);
        void Promise.resolve(onRunning(folder, () => child.kill('SIGINT'))).catch((err: unknown) => {
          stderr += `\nTEST HOOK FAILED: ${String(err)}`;
        });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const folder = runFolder(dir);
      if (folder && !called) {
        const id = JSON.parse(readFileSync(join(folder, 'test.json'), 'utf8')).runId;
        if (typeof id === 'string') runIds.push(id);
      }
      resolve({ code, stdout, stderr, dir, ms: performance.now() - t0 });
    });
  });
}

/** A unix-socket proxy to the real engine that the test can close (the shared engine stays up). */
async function engineProxy(): Promise<{ path: string; close: () => void }> {
  const path = join(mkdtempSync(join(tmpdir(), 'faultline-proxy-')), 'docker.sock');
  const sockets = new Set<Socket>();
  const server = createServer((down) => {
    const up = createConnection(engine.endpoint);
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((res) => server.listen(path, res));
  return {
    path,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

const latest = (r: Run, f: string) => join(r.dir, 'results/latest', f);
const json = (r: Run, f: string) => JSON.parse(readFileSync(latest(r, f), 'utf8'));

describe.skipIf(!hasDocker)('the run lifecycle on Docker', () => {
  afterAll(async () => {
    for (const id of runIds) await cleanByLabel(engine.docker, id);
  });

  it('user node names work end to end: containers, remotes, partitions', async () => {
    const r = await run(['--nodes', 'a1,a2,a3', '--nemesis', 'partition', '--nemesis-interval', '1'], {
      TIME_LIMIT: '5',
    });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const h = readHistoryFile(latest(r, 'history.jsonl')).history;
    const nem = h.filter((o) => o.process === 'nemesis' && o.type !== 'invoke');
    expect(nem.some((o) => o.f === 'start-partition')).toBe(true);
    expect(nem.every((o) => o.type === 'ok')).toBe(true);
    const grudges = nem.filter((o) => o.f === 'start-partition').map((o) => JSON.stringify(o.value));
    for (const g of grudges) expect(g).toMatch(/"a\d"/);
    const id = json(r, 'test.json').runId as string;
    expect(await leftovers(id)).toEqual([]);
  });

  it('a container removed mid-run: node-lost in the history and the report, later faults on it not ok, exit 255', async () => {
    let removed = false;
    const r = await run(
      ['--nodes', '3', '--nemesis', 'partition', '--nemesis-interval', '0.5'],
      { TIME_LIMIT: '8' },
      async (folder) => {
        const id = JSON.parse(readFileSync(join(folder!, 'test.json'), 'utf8')).runId as string;
        const filters = JSON.stringify({ label: [`${LABEL_RUN}=${id}`, `${LABEL_NODE}=n2`] });
        const [c] = await engine.docker.listContainers({ all: true, filters });
        await engine.docker.getContainer(c!.Id).remove({ force: true });
        removed = true;
      },
    );
    expect(removed).toBe(true);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(255);
    expect(r.stdout).toMatch(/RUN FAILED: node n2 lost during running at [\d.]+ s \(its container/);
    const h = readHistoryFile(latest(r, 'history.jsonl')).history;
    expect(pairOps(h).problems).toEqual([]);
    const lostAt = h.findIndex((o) => o.f === 'node-lost' && o.type === 'invoke');
    expect(lostAt).toBeGreaterThan(0);
    expect(h[lostAt]!.value).toEqual({ nodes: ['n2'] });
    // No fault naming n2 is recorded ok after it was lost.
    const laterOk = h
      .slice(lostAt)
      .filter((o) => o.process === 'nemesis' && o.type === 'ok' && JSON.stringify(o.value).includes('"n2"'));
    expect(laterOk).toEqual([]);
    const res = json(r, 'results.json');
    expect(res.nodesLost).toEqual([expect.objectContaining({ node: 'n2', phase: 'running' })]);
    expect(readFileSync(latest(r, 'report.html'), 'utf8')).toContain('node-lost');
    expect(readFileSync(latest(r, 'summary.md'), 'utf8')).toMatch(/node n2 lost/);
    expect(await leftovers(json(r, 'test.json').runId)).toEqual([]);
  });

  it('the engine going away: named, stops early, history kept, run id recorded, clean command printed', async () => {
    const proxy = await engineProxy();
    const r = await run(
      ['--nodes', '3', '--nemesis', 'partition', '--nemesis-interval', '1'],
      { TIME_LIMIT: '60', DOCKER_HOST: `unix://${proxy.path}` },
      proxy.close,
    );
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.code, out).toBe(255);
    // Stopped early: far less than the 60 s time limit.
    expect(r.ms).toBeLessThan(50_000);
    const id = json(r, 'test.json').runId as string;
    expect(id).toMatch(/^\d{14}-/);
    expect(r.stdout).toMatch(/RUN FAILED: the Docker engine went away/);
    expect(r.stdout).toContain(`faultline clean --run-id ${id}`);
    expect(out).not.toMatch(/sh -c/);
    const h = readHistoryFile(latest(r, 'history.jsonl')).history;
    expect(pairOps(h).problems).toEqual([]);
    expect(h.some((o) => o.f === 'engine-lost')).toBe(true);
    expect(json(r, 'results.json').engineLost).toMatch(/went away/);
    // The nodes are still there (nothing could remove them); the clean command does.
    expect((await leftovers(id)).length).toBeGreaterThan(0);
    await cleanByLabel(engine.docker, id);
    expect(await leftovers(id)).toEqual([]);
  });

  it('the engine going away during setup is named too, with the clean command', async () => {
    const proxy = await engineProxy();
    const r = await run(
      ['--nodes', '3'],
      { TIME_LIMIT: '5', DOCKER_HOST: `unix://${proxy.path}` },
      proxy.close,
      /phase setup\n/,
    );
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.code, out).toBe(255);
    const id = JSON.parse(readFileSync(join(runFolder(r.dir)!, 'test.json'), 'utf8')).runId as string;
    runIds.push(id);
    expect(r.stdout).toMatch(/RUN FAILED: .*Docker engine/);
    expect(r.stdout).toContain(`faultline clean --run-id ${id}`);
    expect(out).not.toMatch(/stopped right after starting: no error/);
  });

  it('a client that throws from a timer on Docker: exit 255, one line, the cluster is removed', async () => {
    const r = await run(['--nodes', '3', '--nemesis', 'partition', '--nemesis-interval', '0.5'], {
      TIME_LIMIT: '30',
      THROW_IN: 'invoke-timer',
      THROW_AFTER: '300',
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.code, out).toBe(255);
    expect(r.stdout).toMatch(/RUN FAILED: unexpected error: client library blew up in a timer/);
    expect(out).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.ms).toBeLessThan(60_000);
    const h = readHistoryFile(latest(r, 'history.jsonl')).history;
    expect(h.length).toBeGreaterThan(300);
    expect(pairOps(h).problems).toEqual([]);
    // Teardown ran: healed (the last nemesis op is a stop) and nothing is left.
    const lastNemesis = h.filter((o) => o.process === 'nemesis').at(-1);
    if (lastNemesis) expect(lastNemesis.f).toBe('stop-partition');
    expect(await leftovers(json(r, 'test.json').runId)).toEqual([]);
  });

  it('containers our crash nemesis kills are not lost nodes', async () => {
    const r = await run(['--nodes', '3', '--nemesis', 'crash', '--nemesis-interval', '1'], {
      TIME_LIMIT: '6',
    });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const h = readHistoryFile(latest(r, 'history.jsonl')).history;
    expect(h.some((o) => o.f === 'crash' && o.type === 'ok')).toBe(true);
    expect(h.some((o) => o.f === 'node-lost')).toBe(false);
  });

  it('a nemesis op answering info with any error text fails the run (exit 255)', async () => {
    const r = await run(['--nodes', '3'], { TIME_LIMIT: '2', NEMESIS: 'scripted', NEMESIS_ANSWER: 'info' });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(255);
    expect(r.stdout).toMatch(
      /RUN FAILED: nemesis: 1 fault op\(s\) did not complete ok; first: #\d+ start-x info: something odd/,
    );
  });

  it('SIGINT during healing is recorded with the phase', async () => {
    const r = await run(
      ['--nodes', '3'],
      { TIME_LIMIT: '2', NEMESIS: 'scripted', SLOW_HEAL_MS: '3000' },
      (_folder, interrupt) => interrupt(),
      /phase healing\n/,
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(255);
    expect(r.stdout).toContain('RUN INTERRUPTED during healing (exit 255)');
    expect(json(r, 'results.json')).toMatchObject({ interrupted: true, interruptedPhase: 'healing' });
    // The heal was not cut short by one Ctrl-C: it completed.
    const h = readHistoryFile(latest(r, 'history.jsonl')).history;
    expect(h.find((o) => o.f === 'stop-x' && o.type !== 'invoke')?.type).toBe('ok');
  });
});
