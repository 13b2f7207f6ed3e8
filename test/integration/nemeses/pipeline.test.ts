/**
 * The whole pipeline (runTest → real containers → interpreter → nemesis → heal → teardown) with a tiny
 * system of sleep daemons: a composed schedule of three fault families is the same twice under one seed,
 * and a failing heal is reported while the containers are still removed.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composePackages } from '../../../nemeses/compose.ts';
import { inHealOrder, NEMESES } from '../../../nemeses/index.ts';
import { DockerCluster } from '../../../src/cluster/docker/cluster.ts';
import type { ResolvedTest } from '../../../src/config/define.ts';
import type { Generator } from '../../../src/core/generator.ts';
import type { System, Workload } from '../../../src/core/index.ts';
import type { Op } from '../../../src/core/op.ts';
import { runTest } from '../../../src/runner/run.ts';
import { engine, leftovers, testRunId } from '../docker/helpers.ts';
import { requireDocker } from '../engine.ts';
import { sleeperSystem } from './helpers.ts';

const hasDocker = await requireDocker();

const idle: Generator = { op: () => null, update: () => idle };
const workload: Workload = { name: 'idle', generator: idle, checkers: [] };

function resolved(seed: number, nemesis: string[], options: Record<string, unknown>): ResolvedTest {
  return {
    name: 'nemesis-pipeline',
    system: 'sleepers',
    mode: 'honest',
    workload: 'idle',
    nemesis,
    nodes: ['n1', 'n2', 'n3'],
    concurrency: 1,
    timeLimit: 8,
    rate: 0,
    seed,
    recoveryTime: 0,
    opTimeout: 5,
    nemesisTimeout: 120,
    nemesisInterval: 1.5,
    checkerTimeLimit: 10,
    checkerMemoryLimit: undefined,
    resultsDir: mkdtempSync(join(tmpdir(), 'fl-nemesis-')),
    options,
  };
}

async function run(test: ResolvedTest, system: System, tag: string) {
  const names = test.nemesis;
  const pkgs = inHealOrder(names.map((n) => NEMESES[n]!)).map((d) =>
    d.create({
      intervalS: test.nemesisInterval,
      nodes: test.nodes,
      seed: test.seed,
      // Planned to end 3 s before the main phase does: a slow fault (on a busy machine) then never
      // pushes a planned op past the time limit, which would cut it and change the sequence.
      timeLimitS: test.timeLimit - 3,
      options: test.options,
      system,
    }),
  );
  const nemesis = composePackages(pkgs);
  const runId = testRunId(tag);
  const cluster = new DockerCluster({ runId, engine, flavour: 'hostroot' });
  const outcome = await runTest(test, {
    system: {
      ...system,
      clients: { idle: async () => ({ invoke: async () => ({ type: 'ok' }), close: async () => {} }) },
    },
    workload,
    ...(nemesis ? { nemesis } : {}),
    cluster,
  });
  return { outcome, runId, nemesisOps: outcome.history.filter((o: Op) => o.process === 'nemesis') };
}

const shape = (ops: Op[]) => ops.map((o) => [o.type, o.f, o.value, o.error ?? null]);

describe.skipIf(!hasDocker)('nemesis schedules through the whole pipeline', () => {
  it('same seed, three fault families: identical nemesis op sequences, healed at the end', async () => {
    const opts = {
      partitionTargets: 'one,majorities-ring',
      killTargets: 'one,minority',
      clockTargets: 'one,all',
      clockMaxOffset: 30,
    };
    const t0 = performance.now();
    const a = await run(resolved(42, ['partition', 'kill', 'clock'], opts), sleeperSystem(), 'pipe-a');
    const b = await run(resolved(42, ['partition', 'kill', 'clock'], opts), sleeperSystem(), 'pipe-b');
    console.log(
      `two composed runs in ${Math.round(performance.now() - t0)} ms; ${a.nemesisOps.length} nemesis ops each`,
    );
    expect(a.outcome.error).toBeUndefined();
    expect(shape(a.nemesisOps)).toEqual(shape(b.nemesisOps));
    const fs = new Set(a.nemesisOps.map((o) => o.f));
    for (const f of ['start-partition', 'kill', 'stop-partition', 'start', 'reset-clock'])
      expect(fs).toContain(f);
    expect(a.nemesisOps.filter((o) => o.type !== 'invoke').every((o) => o.type === 'ok')).toBe(true);
    // The final phase healed everything: the last ops are the heal sequence.
    const tail = a.nemesisOps.slice(-6).map((o) => o.f);
    expect(tail).toEqual([
      'start',
      'start',
      'stop-partition',
      'stop-partition',
      'reset-clock',
      'reset-clock',
    ]);
    const schedule = JSON.parse(readFileSync(join(a.outcome.runDir, 'nemesis-schedule.json'), 'utf8'));
    expect(schedule.length).toBeGreaterThan(2);
    expect(await leftovers(a.runId)).toEqual([]);
    expect(await leftovers(b.runId)).toEqual([]);
  }, 120_000);

  it('overlapping crash, kill, pause and partition faults heal cleanly, in heal order', async () => {
    const opts = { crashTargets: 'one', killTargets: 'one', pauseTargets: 'one', partitionTargets: 'one' };
    const { outcome, runId, nemesisOps } = await run(
      resolved(5, ['partition', 'pause', 'kill', 'crash'], opts),
      sleeperSystem(),
      'pipe-mix',
    );
    expect(
      outcome.error,
      JSON.stringify(nemesisOps.filter((o) => o.type !== 'invoke' && o.type !== 'ok')),
    ).toBeUndefined();
    const bad = nemesisOps.filter((o) => /^(fault not in effect|heal failed)/.test(o.error ?? ''));
    expect(bad).toEqual([]);
    const heal = nemesisOps
      .filter((o) => o.type === 'invoke')
      .slice(-4)
      .map((o) => o.f);
    expect(heal).toEqual(['restart-node', 'start', 'resume', 'stop-partition']);
    expect(await leftovers(runId)).toEqual([]);
  }, 60_000);

  it('a failing heal is reported and the containers are still removed', async () => {
    let starts = 0;
    const base = sleeperSystem();
    const system: System = {
      ...base,
      async setup(t, n) {
        await base.setup(t, n);
      },
      async start() {
        starts++;
        throw new Error('disk on fire');
      },
    };
    const { outcome, runId, nemesisOps } = await run(
      resolved(3, ['kill'], { killTargets: 'n2' }),
      system,
      'pipe-fail',
    );
    const heals = nemesisOps.filter((o) => o.f === 'start' && o.type !== 'invoke');
    expect(heals.length).toBeGreaterThan(0);
    expect(heals.at(-1)?.type).toBe('info');
    expect(heals.at(-1)?.error).toMatch(/^heal failed: n2: disk on fire/);
    expect(starts).toBeGreaterThan(0);
    // The run fails loudly (exit 255) rather than passing, and results.json says why.
    expect(outcome.exitCode).toBe(255);
    expect(outcome.error).toMatch(/nemesis: \d+ fault op\(s\) did not complete ok; first: .*heal failed/);
    const results = JSON.parse(readFileSync(join(outcome.runDir, 'results.json'), 'utf8'));
    expect(results.runError).toMatch(/heal failed: n2: disk on fire/);
    expect(results.teardownProblems.join()).toMatch(/kill: heal failed: n2: disk on fire/);
    const log = readFileSync(join(outcome.runDir, 'faultline.log'), 'utf8');
    expect(log).toMatch(/kill: heal failed: n2: disk on fire/);
    expect(await leftovers(runId)).toEqual([]);
  }, 60_000);
});
