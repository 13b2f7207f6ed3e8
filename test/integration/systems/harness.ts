/**
 * Runs one real-system test on a Docker cluster (hostroot flavour by default: the host's etcd/redis
 * binaries, no image build) through the ordinary runner, and returns the outcome with its wall time.
 * Shared by the integration tests and bench/systems.ts.
 */

import { rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { type afterAll, type afterEach, expect } from 'vitest';
import { composePackages } from '../../../nemeses/compose.ts';
import { findNemeses } from '../../../nemeses/index.ts';
import type { Flavour } from '../../../src/cluster/docker/image.ts';
import { DockerCluster } from '../../../src/cluster/docker/index.ts';
import { DEFAULTS, type ResolvedTest } from '../../../src/config/define.ts';
import type { NemesisPackage, System, Workload, WorkloadDescriptor } from '../../../src/core/index.ts';
import {
  delay,
  eachThread,
  type Generator,
  onThreads,
  repeat,
  timeLimit,
  untilOk,
} from '../../../src/generator/index.ts';
import { type RunControl, type RunOutcome, runTest } from '../../../src/runner/run.ts';
import { findSystem } from '../../../systems/index.ts';
import { findWorkload } from '../../../workloads/index.ts';
import { type FaultKind, faultPackage } from './faults.ts';

export interface SutRunOptions {
  system: string;
  /** The system's --mode (default: its first mode). */
  mode?: string;
  workload: string | WorkloadDescriptor;
  nodes?: number;
  concurrency?: number;
  timeLimitS?: number;
  rate?: number;
  seed?: number;
  options?: Record<string, unknown>;
  /** Faults from faults.ts, cycled (empty: none). */
  faults?: FaultKind[];
  faultS?: number;
  gapS?: number;
  /** Or faultline's own fault families by name (nemeses/), given the system, seed and time limit. */
  nemeses?: string[];
  /** Or a nemesis package of one's own. */
  nemesis?: (system: System) => NemesisPackage;
  recoveryTimeS?: number;
  /**
   * The op timeout asked for, seconds (default 3); the run uses it stretched by the machine's load
   * (loadTolerantOpTimeoutS), so a loaded machine does not turn every op into a timeout.
   */
  opTimeoutS?: number;
  /**
   * Seconds each node's final read may keep being retried (every 0.5 s) until one succeeds (default
   * 20): a node still recovering from the faults (an election, a restarted process) on a slow machine
   * answers late, and one failed try would leave that replica's view unrecorded.
   */
  finalReadBudgetS?: number;
  /**
   * Keep the workload's own final generator (a queue's drains, long-fork's reads) instead of replacing it
   * with per-node reads retried until ok (the default, for set/register/counter workloads).
   */
  keepFinalGenerator?: boolean;
  flavour?: Flavour;
  resultsDir?: string;
}

export interface SutRun {
  outcome: RunOutcome;
  wallMs: number;
  seed: number;
}

export async function runSut(o: SutRunOptions, control: RunControl = {}): Promise<SutRun> {
  const t0 = performance.now();
  const nodes = Array.from({ length: o.nodes ?? 3 }, (_, i) => `n${i + 1}`);
  const concurrency = o.concurrency ?? 2 * nodes.length;
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  const wl = typeof o.workload === 'string' ? findWorkload(o.workload) : o.workload;
  const sysDesc = findSystem(o.system);
  const mode = o.mode ?? sysDesc.modes[0]!;
  const system = sysDesc.create(mode);
  const options = o.options ?? {};
  const test: ResolvedTest = {
    name: `${o.system}-${wl.name}`,
    system: o.system,
    mode,
    workload: wl.name,
    nemesis: o.nemeses?.length ? o.nemeses : o.faults?.length ? [`test-faults:${o.faults.join('+')}`] : [],
    nodes,
    concurrency,
    timeLimit: o.timeLimitS ?? 10,
    rate: o.rate ?? 100,
    seed,
    recoveryTime: o.recoveryTimeS ?? 3,
    opTimeout: loadTolerantOpTimeoutS(o.opTimeoutS ?? 3),
    nemesisTimeout: DEFAULTS.nemesisTimeout,
    nemesisInterval: o.faultS ?? 4,
    checkerTimeLimit: 120,
    checkerMemoryLimit: undefined,
    resultsDir: o.resultsDir ?? 'results',
    options,
  };
  const created: Workload = wl.create({ concurrency, nodes, rate: test.rate, options });
  // Every workload here ends with one read per node (finalReadPerNode): retried until it succeeds.
  const workload: Workload =
    created.finalGenerator && !o.keepFinalGenerator
      ? { ...created, finalGenerator: finalReadsUntilOk(nodes.length, o.finalReadBudgetS ?? 20) }
      : created;
  const composed = o.nemeses?.length
    ? composePackages(
        findNemeses(o.nemeses).map((d) =>
          d.create({ intervalS: o.faultS ?? 5, nodes, seed, timeLimitS: test.timeLimit, options, system }),
        ),
      )
    : undefined;
  const nemesis = o.nemesis
    ? o.nemesis(system)
    : composed
      ? composed
      : o.faults?.length
        ? faultPackage(system, {
            kinds: o.faults,
            faultS: o.faultS ?? 4,
            gapS: o.gapS ?? 2,
            timeLimitS: test.timeLimit,
            seed,
          })
        : undefined;
  const cluster = new DockerCluster({ flavour: o.flavour ?? 'hostroot', packages: system.packages ?? [] });
  const outcome = await runTest(
    test,
    { system, workload, cluster, ...(nemesis ? { nemesis } : {}) },
    control,
  );
  return { outcome, wallMs: Math.round(performance.now() - t0), seed };
}

/**
 * The op timeout for a run, seconds: `requestedS` stretched by the machine's 1-minute load average per
 * core (`load` / `cores`, measured now unless given), between 1× and 4×. On 2 cores shared with other
 * suites (load 14–28) a 2 s timeout made most writes `info` and final reads `fail`; a fixed larger
 * value would slow every run on an idle machine.
 */
export function loadTolerantOpTimeoutS(
  requestedS: number,
  load = loadavg()[0] ?? 0,
  cores = availableParallelism(),
): number {
  const factor = Math.min(4, Math.max(1, load / Math.max(1, cores)));
  return Math.round(requestedS * factor * 10) / 10;
}

/**
 * One successful read per node: thread i (node i mod n, i < nodeCount) reads, and on `fail` or `info`
 * reads again 0.5 s after the last try began, until one read is `ok` or `budgetS` seconds (from its
 * first try) have passed — a read still in flight then completes. The checkers see every try; the
 * failed ones carry no value.
 */
export function finalReadsUntilOk(nodeCount: number, budgetS: number): Generator {
  return onThreads(
    (t) => typeof t === 'number' && t < nodeCount,
    eachThread(untilOk(timeLimit(budgetS, delay(0.5, repeat({ f: 'read', value: null }))))),
  );
}

/** A checker's result inside the composed results (results.results[name]). */
export function checkerResult(run: SutRun, name: string): Record<string, unknown> | undefined {
  const r = run.outcome.results as { results?: Record<string, Record<string, unknown>> } | undefined;
  return r?.results?.[name];
}

/** Removes the suite's results folder unless a test failed (its run folders are named in the failure). */
export function cleanUpResults(
  dir: string,
  hooks: { afterEach: typeof afterEach; afterAll: typeof afterAll },
): void {
  let failed = false;
  hooks.afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  hooks.afterAll(() => {
    if (!failed && process.env.FAULTLINE_KEEP_RESULTS !== '1') rmSync(dir, { recursive: true, force: true });
  });
}

/** One line naming a run: its folder, seed, and error or checker summary (for assertion messages). */
export function explain(r: SutRun): string {
  return `${r.outcome.runDir} (seed ${r.seed}): ${r.outcome.error ?? r.outcome.results?.summary ?? ''}`;
}

/**
 * Runs `opts` 3 times at once (three 1-node clusters, seeds `seed`, `seed`+1, `seed`+2) and requires every
 * run to complete valid (CI rule for valid scenarios: 3 of 3); a failure names each run's verdict, summary
 * and run folder. Returns the runs.
 */
export async function threeValid(opts: SutRunOptions): Promise<SutRun[]> {
  const seed = Math.floor(Math.random() * 2 ** 30);
  const settled = await Promise.allSettled([0, 1, 2].map((i) => runSut({ ...opts, seed: seed + i })));
  const runs = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const lines = settled.map((s, i) =>
    s.status === 'fulfilled'
      ? `run ${i + 1}: valid=${String(s.value.outcome.valid)} ${explain(s.value)}`
      : `run ${i + 1} (seed ${seed + i}) threw: ${String(s.reason)}`,
  );
  const ok = runs.filter((r) => r.outcome.error === undefined && r.outcome.valid === true).length;
  expect(ok, `valid in ${ok} of 3 runs:\n${lines.join('\n')}`).toBe(3);
  return runs;
}

/** Runs `once` up to 3 times; passes when `found` holds for 2 of them (CI rule for anomaly scenarios). */
export async function twoOfThree(
  once: () => Promise<SutRun>,
  found: (r: SutRun) => boolean,
): Promise<SutRun[]> {
  const hits: SutRun[] = [];
  const tries: string[] = [];
  for (let i = 0; i < 3 && hits.length < 2; i++) {
    const r = await once();
    expect(r.outcome.error, explain(r)).toBeUndefined();
    tries.push(explain(r));
    if (found(r)) hits.push(r);
  }
  if (hits.length < 2)
    throw new Error(`found in ${hits.length} of ${tries.length} runs:\n${tries.join('\n')}`);
  return hits;
}
