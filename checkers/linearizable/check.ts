import { type CheckOptions, type CheckResult, noAnomalies, type Validity } from '../../src/core/checker.ts';
import type { Op } from '../../src/core/op.ts';
import { linearizabilityAnomalies } from './anomalies.ts';
import { Budget } from './budget.ts';
import { explainFailure, type LinearizabilityFailure } from './explain.ts';
import type { Model } from './model.ts';
import { resolveModel } from './models/registry.ts';
import type { LinearizableOptions } from './options.ts';
import { maxWorkers, PARALLEL_AFTER_MS, searchInWorkers } from './parallel.ts';
import { type Prepared, prepareHistory } from './prepare.ts';
import { PartitionSearch } from './search.ts';

export type { LinearizableOptions };

export interface LinearizabilityResult extends CheckResult {
  valid: Validity;
  summary: string;
  model: string;
  /** Client ops checked (fail ops dropped), and how many of them pruning showed irrelevant. */
  opCount: number;
  pruned: number;
  partitions: { total: number; linearizable: number; illegal: string[]; undecided: string[] };
  /** How far the search got; meaningful mostly when valid is 'unknown'. */
  progress: {
    maxOpsLinearized: number;
    partitionsDecided: number;
    partitionsUndecided: number;
    steps: number;
  };
  failure?: LinearizabilityFailure;
  /** The search's cost: `elapsedMs` wall-clock milliseconds, steps, cache entries/bytes, states. */
  stats: { elapsedMs: number; steps: number; cacheEntries: number; states: number; cacheBytes: number };
  problems: string[];
}

/**
 * Steps per partition per turn, here and in workers. Constant and small: round-robin in equal slices
 * refutes a history after about (partitions × steps of the quickest illegal partition), and slices that
 * grew each turn overshot that (kv c50-bad: 254 K steps with slices doubling from 4 K, 147 K with 8 K).
 * A turn costs well under a microsecond beside a slice's ≈ 0.5 ms.
 */
const SLICE = 1 << 13;

interface Run {
  prepared: Prepared;
  searches: PartitionSearch[];
  /** The searches still running, in turn order (compacted after each pass). */
  active: PartitionSearch[];
  budget: Budget;
  stopReason: string | undefined;
  /** Index in `active` of the partition whose turn is next. */
  next: number;
  /** The searches' memory estimate (sum of bytes()), kept up to date after every slice. */
  bytes: number;
}

/** What is known about one partition at the end, searched here or in a worker. */
interface Outcome {
  key: string;
  status: 'ok' | 'illegal' | 'running';
  ops: number;
  steps: number;
  maxDepth: number;
  cacheEntries: number;
  states: number;
  bytes: number;
  search?: PartitionSearch;
}

const outcomeOf = (s: PartitionSearch): Outcome => ({
  key: s.partition.key,
  status: s.status,
  ops: s.partition.ops.length,
  steps: s.steps,
  maxDepth: s.status === 'ok' ? s.partition.ops.length : s.maxDepth,
  cacheEntries: s.cacheEntries,
  states: s.stateCount,
  bytes: s.bytes(),
  search: s,
});

function start(history: readonly Op[], model: Model<unknown>, opts: CheckOptions): Run {
  const budget = new Budget(opts);
  const prepared = prepareHistory(history, model);
  // Smallest partitions first: they tend to decide quickly, and an early violation stops everything.
  const searches = prepared.partitions
    .slice()
    .sort((a, b) => a.ops.length - b.ops.length)
    .map((p) => new PartitionSearch(p));
  const bytes = searches.reduce((n, x) => n + x.bytes(), 0);
  return { prepared, searches, active: searches.slice(), budget, stopReason: undefined, next: 0, bytes };
}

/** Longest stretch of searching between budget checks (and, in the async driver, event-loop turns). */
const QUANTUM_MS = 20;

/**
 * Searches round-robin, one slice per undecided partition in turn, for about QUANTUM_MS; true when the
 * run is over (a partition is illegal, all are decided, or the budget is spent).
 */
function round(run: Run): boolean {
  const untilMs = performance.now() + QUANTUM_MS;
  for (;;) {
    if (run.next >= run.active.length) {
      // A pass is over: drop the partitions decided meanwhile (O(partitions) per pass, not per turn).
      run.active = run.active.filter((x) => x.status === 'running');
      run.next = 0;
      if (run.active.length === 0) return true;
    }
    const s = run.active[run.next++]!;
    const before = s.bytes();
    const status = s.run(SLICE);
    if (status === 'illegal') return true;
    if (status === 'ok') {
      s.release();
      run.bytes -= before;
    } else run.bytes += s.bytes() - before;
    // After every slice, not every quantum: a fast-growing cache can double several times in 20 ms.
    run.stopReason = run.budget.memoryExceeded(run.bytes);
    if (run.stopReason) return true;
    if (performance.now() > untilMs) break;
  }
  run.stopReason = run.budget.exceeded(run.bytes);
  return run.stopReason !== undefined;
}

/** Checks a history against a model; synchronous (ignores an AbortSignal fired meanwhile). */
export function checkLinearizableSync(
  history: readonly Op[],
  model: string | Model<unknown>,
  opts: LinearizableOptions = {},
): LinearizabilityResult {
  const m = resolveModel(model);
  const run = start(history, m, opts);
  while (!round(run)) {}
  return finish(run.searches.map(outcomeOf), run, m, opts);
}

/**
 * Checks a history against a model. Partitions are searched interleaved and the first illegal one
 * stops the others; past the time or memory budget, or on abort, the verdict is 'unknown'.
 */
export async function checkLinearizable(
  history: readonly Op[],
  model: string | Model<unknown>,
  opts: LinearizableOptions = {},
): Promise<LinearizabilityResult> {
  const m = resolveModel(model);
  const run = start(history, m, opts);
  const parallel = opts.parallel ?? 'auto';
  const canParallel = typeof model === 'string' && maxWorkers() >= 2;
  if (canParallel && parallel === true && run.searches.length >= 2) {
    return finish(await inWorkers(model, run, run.searches), run, m, opts);
  }
  // A memory limit bounds the process: search in workers whose heaps are capped (model states live in
  // the heap, where the cache estimate cannot see them), even on one CPU and for one partition.
  if (opts.memoryLimitBytes !== undefined && typeof model === 'string' && parallel !== false) {
    if (run.searches.length > 0) return finish(await inWorkers(model, run, run.searches, true), run, m, opts);
  }
  while (!round(run)) {
    // a turn of the event loop between rounds, so an AbortSignal can fire
    await new Promise<void>((r) => setImmediate(r));
    // Long search over several partitions: hand the undecided ones to worker threads. Their work here
    // is lost, which is why this waits: a worker costs a start-up and a cold JIT.
    const open = run.searches.filter((s) => s.status === 'running');
    if (
      canParallel &&
      parallel === 'auto' &&
      open.length >= 2 &&
      run.budget.elapsedMs() > PARALLEL_AFTER_MS
    ) {
      // The workers start over: free this thread's caches first, or both would count against the limit.
      for (const s of open) s.discard();
      const moved = await inWorkers(model, run, open);
      return finish(
        [...run.searches.filter((s) => s.status !== 'running').map(outcomeOf), ...moved],
        run,
        m,
        opts,
      );
    }
  }
  return finish(run.searches.map(outcomeOf), run, m, opts);
}

/** Searches in worker threads; an illegal partition is searched again here to explain it. */
async function inWorkers(
  modelName: string,
  run: Run,
  searches: PartitionSearch[],
  bounded = false,
): Promise<Outcome[]> {
  const parts = searches.map((s) => s.partition);
  const out = await searchInWorkers(modelName, parts, run.budget, maxWorkers(), SLICE, bounded);
  run.stopReason = out.stopReason;
  return searches.map((s, k): Outcome => {
    const v = out.verdicts.get(s.partition.key);
    if (v?.status === 'illegal') {
      // Searched again from scratch, here, for the explanation.
      const again = new PartitionSearch(parts[k]!);
      while (again.run(SLICE) === 'running' && !run.budget.exceeded(again.bytes())) {}
      return outcomeOf(again);
    }
    const base = { key: s.partition.key, ops: s.partition.ops.length, bytes: 0 };
    if (v) return { ...base, ...v };
    return { ...base, status: 'running', steps: 0, maxDepth: 0, cacheEntries: 0, states: 0 };
  });
}

function finish(
  outcomes: Outcome[],
  run: Run,
  model: Model<unknown>,
  opts: LinearizableOptions,
): LinearizabilityResult {
  const { prepared, budget } = run;
  const searches = outcomes;
  const illegal = searches.filter((s) => s.status === 'illegal');
  const undecided = searches.filter((s) => s.status === 'running');
  const valid: Validity = illegal.length ? false : undecided.length ? 'unknown' : true;
  const pruned = prepared.partitions.reduce((n, p) => n + p.pruned.length, 0);
  const steps = searches.reduce((n, s) => n + s.steps, 0);
  const result: LinearizabilityResult = {
    valid,
    summary: '',
    model: model.name,
    opCount: prepared.opCount,
    pruned,
    partitions: {
      total: searches.length,
      linearizable: searches.filter((s) => s.status === 'ok').length,
      illegal: illegal.map((s) => s.key),
      undecided: undecided.map((s) => s.key),
    },
    progress: {
      maxOpsLinearized: searches.reduce((n, s) => Math.max(n, s.maxDepth), 0),
      partitionsDecided: searches.length - undecided.length,
      partitionsUndecided: undecided.length,
      steps,
    },
    stats: {
      elapsedMs: 0,
      steps,
      cacheEntries: searches.reduce((n, s) => n + s.cacheEntries, 0),
      states: searches.reduce((n, s) => n + s.states, 0),
      cacheBytes: searches.reduce((n, s) => n + s.bytes, 0),
    },
    problems: prepared.problems,
    ...noAnomalies(),
  };
  if (valid === 'unknown') result.reason = run.stopReason ?? 'search stopped';
  const failed = illegal.find((s) => s.search)?.search;
  if (failed) result.failure = explainFailure(failed, budget, opts);
  Object.assign(
    result,
    linearizabilityAnomalies(result.failure, result.partitions.total, result.partitions.illegal),
  );
  result.stats.elapsedMs = Math.round(budget.elapsedMs() * 1000) / 1000;
  result.summary = summarize(result);
  return result;
}

function summarize(r: LinearizabilityResult): string {
  // "key", not "partition": these are the P-compositional parts, and a network partition is a fault.
  const parts = r.partitions.total > 1 ? ` in ${r.partitions.total} keys` : '';
  if (r.opCount === 0) return 'empty history: nothing to check (trivially linearizable)';
  if (r.valid === true) return `linearizable (${r.opCount} ops${parts}, model ${r.model})`;
  if (r.valid === 'unknown') {
    return r.partitions.total > 1
      ? `unknown: ${r.reason}; ${r.progress.partitionsDecided}/${r.partitions.total} keys decided`
      : `unknown: ${r.reason}`;
  }
  const f = r.failure;
  const where = f && r.partitions.total > 1 ? ` (key ${f.partition})` : '';
  return `NOT linearizable${where}: ${f ? f.op.description : 'no linearization exists'}`;
}
