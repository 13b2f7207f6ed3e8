/**
 * Runs a reference design on a Docker cluster (hostroot flavour unless asked) through resolveTest + runTest, as the
 * CLI does, and repeats it to measure how reliably a finding appears. Shared by the integration tests
 * and bench/reference.ts.
 */

import { convergence } from '../../../checkers/convergence.ts';
import { DockerCluster } from '../../../src/cluster/docker/index.ts';
import type { TestDefinition } from '../../../src/config/define.ts';
import type { Checker } from '../../../src/core/checker.ts';
import { resolveTest } from '../../../src/registry.ts';
import { type RunControl, type RunOutcome, runTest } from '../../../src/runner/run.ts';

export interface ReferenceRun {
  outcome: RunOutcome;
  wallMs: number;
  seed: number;
}

export interface Scenario {
  /** Short label for logs and the bench table. */
  label: string;
  def: TestDefinition;
  /** Expected verdict: false = an anomaly must be found, true = none. */
  expect: boolean;
  /** Checkers added to the workload's (e.g. convergence). */
  extraCheckers?: Checker[];
}

export interface RunChoice {
  seed?: number;
  /** Node image: hostroot (default: the host's node, fast) or debian (Debian's nodejs package). */
  flavour?: 'hostroot' | 'debian';
}

export async function runReference(
  s: Scenario,
  resultsDir: string,
  { seed, flavour = 'hostroot' }: RunChoice = {},
  control: RunControl = {},
): Promise<ReferenceRun> {
  const t0 = performance.now();
  const r = resolveTest({
    resultsDir,
    seed: seed ?? Math.floor(Math.random() * 2 ** 31),
    ...s.def,
  });
  const workload = s.extraCheckers
    ? { ...r.workload, checkers: [...r.workload.checkers, ...s.extraCheckers] }
    : r.workload;
  const cluster = new DockerCluster({ flavour, packages: r.system.packages ?? [] });
  const outcome = await runTest(
    r.test,
    {
      system: r.system,
      workload,
      cluster,
      ...(r.nemesis ? { nemesis: r.nemesis } : {}),
    },
    control,
  );
  return { outcome, wallMs: Math.round(performance.now() - t0), seed: r.test.seed };
}

export function explain(r: ReferenceRun): string {
  return `${r.outcome.runDir} (seed ${r.seed}, ${r.wallMs} ms): valid=${r.outcome.valid} ${
    r.outcome.error ?? r.outcome.results?.summary ?? ''
  }`;
}

/**
 * Up to `tries` decisive runs. Expecting an anomaly: stops once `need` runs found one. Expecting none:
 * every run must be valid (stops at the first that is not). A run whose verdict is `unknown` (on a
 * starved machine a short run can end with no read succeeded: nothing to check) is evidence neither
 * way: it does not use up a try, but at most `unknownRetries` (default 2) such runs are replaced; past
 * that they count as misses.
 */
export async function repeat(
  s: Scenario,
  resultsDir: string,
  o: { tries: number; need: number; flavour?: RunChoice['flavour']; unknownRetries?: number },
): Promise<{ runs: ReferenceRun[]; hits: number }> {
  const runs: ReferenceRun[] = [];
  let hits = 0;
  let retriesLeft = o.unknownRetries ?? 2;
  for (let i = 0; i < o.tries; i++) {
    const run = await runReference(s, resultsDir, o.flavour ? { flavour: o.flavour } : {});
    runs.push(run);
    console.log(`${s.label} #${runs.length}: ${explain(run)}`);
    if (run.outcome.error) break;
    if (run.outcome.valid === 'unknown' && retriesLeft > 0) {
      retriesLeft--;
      i--;
      continue;
    }
    const matched = run.outcome.valid === s.expect;
    if (matched) hits++;
    if (!s.expect && hits >= o.need) break;
    if (s.expect && !matched) break;
  }
  return { runs, hits };
}

/** At most `n` runs at a time (tests in a concurrent describe share it). */
export function gate(n: number): <T>(f: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (f) => {
    while (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await f();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

// opTimeout 5 s: on a loaded 2-core machine a round trip between nodes can take 2 s (measured: p95 1.4–2 s,
// event loops 0.5–0.8 s late), so a 2 s client timeout turned every sync-replicated write into `info`
// and a run into `unknown`; the nodes answer for themselves (their timeouts stretch too) well before 5 s.
const base = { nodes: 3, rate: 100, recoveryTime: 2, opTimeout: 5, checkerTimeLimit: 60 } as const;

/** quorum-kv's register under partitions, every 3 s for 10 s, with many distinct values and no cas. */
function quorumKv(
  what: string,
  expect: boolean,
  mode: 'quorum' | 'abd',
  options: Record<string, unknown>,
  times: { timeLimit?: number; nemesisInterval?: number } = {},
): Scenario {
  return {
    label: `quorum-kv ${what}`,
    expect,
    def: {
      ...base,
      system: 'reference/quorum-kv',
      mode,
      workload: 'register',
      nemesis: ['partition'],
      timeLimit: 10,
      nemesisInterval: 3,
      ...times,
      options: { casRatio: 0, valueCount: 100, ...options },
    },
  };
}

/** Every design/mode with the fault that matters and the verdict expected (shared with the bench). */
export const SCENARIOS: Scenario[] = [
  {
    label: 'lww-sync set, clock skew: lost adds',
    expect: false,
    def: {
      ...base,
      system: 'reference/lww-sync',
      workload: 'set',
      nemesis: ['clock'],
      timeLimit: 8,
      nemesisInterval: 2,
    },
  },
  {
    label: 'lww-sync register, clock skew: not linearizable',
    expect: false,
    def: {
      ...base,
      system: 'reference/lww-sync',
      workload: 'register',
      nemesis: ['clock'],
      timeLimit: 8,
      nemesisInterval: 2,
      options: { casRatio: 0, valueCount: 100 },
    },
  },
  {
    label: 'primary-backup async set, primary partitioned: lost writes',
    expect: false,
    def: {
      ...base,
      system: 'reference/primary-backup',
      mode: 'async',
      workload: 'set',
      nemesis: ['partition'],
      timeLimit: 10,
      nemesisInterval: 3,
      options: { partitionTargets: 'primaries' },
    },
  },
  {
    label: 'primary-backup sync set, primary partitioned: nothing lost',
    expect: true,
    def: {
      ...base,
      system: 'reference/primary-backup',
      mode: 'sync',
      workload: 'set',
      nemesis: ['partition'],
      timeLimit: 10,
      nemesisInterval: 3,
      options: { partitionTargets: 'primaries,one,majority' },
    },
  },
  {
    label: 'primary-backup sync register, primary partitioned: stale reads',
    expect: false,
    def: {
      ...base,
      system: 'reference/primary-backup',
      mode: 'sync',
      workload: 'register',
      nemesis: ['partition'],
      // Long enough for several partitions of the primary even when a loaded machine slows every op.
      timeLimit: 20,
      nemesisInterval: 3,
      // A quicker failover leaves more of each partition with two primaries: the deposed one reading.
      options: { partitionTargets: 'primaries', valueCount: 100, casRatio: 0, failoverMs: 300 },
    },
  },
  quorumKv('quorum R=1 W=1 register, partitions: stale reads', false, 'quorum', { r: 1, w: 1 }),
  // R + W > N, and still not linearizable: with n1 cut from n2 and n3 bridging, n1's Lamport clock
  // falls behind n2's, so a write n1 coordinates after one from n2 gets a smaller version. n3
  // acknowledges it (W=2 with n1 itself) but keeps n2's value: an acknowledged write, later read over.
  // More bridge partitions than the other quorum scenarios (every 2 s for 20 s): each one is a chance for
  // the versions to fall behind, and a loaded machine completes fewer writes in each.
  quorumKv(
    'quorum R=2 W=2 register, bridge partitions: not linearizable',
    false,
    'quorum',
    { r: 2, w: 2, partitionTargets: 'bridge' },
    { timeLimit: 20, nemesisInterval: 2 },
  ),
  quorumKv('abd register, partitions: linearizable', true, 'abd', {}),
  ...(['2pc', '2pc-timeout', '3pc'] as const).map(
    (mode): Scenario => ({
      label:
        mode === '2pc'
          ? 'atomic-commit 2pc bank, partitions and kills: money conserved'
          : `atomic-commit ${mode} bank, partitions: money created or destroyed`,
      expect: mode === '2pc',
      def: {
        ...base,
        system: 'reference/atomic-commit',
        mode,
        workload: 'bank',
        nemesis: mode === '2pc' ? ['partition', 'kill'] : ['partition'],
        concurrency: 16,
        rate: 0,
        timeLimit: mode === '3pc' ? 30 : mode === '2pc-timeout' ? 16 : 12,
        // 3pc needs a prepared participant cut off for its prepared timeout plus the termination
        // protocol's calls (up to 0.9 s once stretched): longer partitions.
        nemesisInterval: mode === '2pc-timeout' ? 1 : 1.5,
        // A read retries on its node while faultline waits for it (a shard stays busy until its prepared
        // transactions resolve, longer on a loaded machine): the op timeout is the final reads' budget.
        opTimeout: 10,
        // Many accounts and few reads: fewer lock conflicts, so more transfers are in flight when a fault
        // hits; short timeouts, so a participant cut off from its coordinator gives up within a partition
        // (the nodes stretch them with the measured round trips so that load alone does not fail every
        // call; at most 2× here, so a 0.5–1.5 s partition still outlasts a stretched prepared timeout).
        options: {
          accounts: 40,
          readFraction: 0.02,
          preparedTimeoutMs: 200,
          rpcTimeoutMs: 250,
          timeoutScaleMax: 2,
        },
      },
    }),
  ),
  ...(['counter', 'set'] as const).map(
    (workload): Scenario => ({
      label: `crdt ${workload}, partitions: valid, replicas converge`,
      expect: true,
      extraCheckers: [convergence],
      def: {
        ...base,
        system: 'reference/crdt',
        workload,
        nemesis: ['partition'],
        timeLimit: 8,
        nemesisInterval: 2,
        // Counter: only the final reads are checked — reads during a partition are stale by design.
        options: workload === 'counter' ? { readFraction: 0 } : {},
      },
    }),
  ),
];
