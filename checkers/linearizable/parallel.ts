import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { errorText } from '../../src/core/errors.ts';
import { type Budget, GROWTH_PEAK_FACTOR } from './budget.ts';
import type { Partition } from './prepare.ts';
import type { WorkerInput, WorkerMemory, WorkerProgress, WorkerVerdict } from './worker.ts';

/** The worker's module: worker.ts from source, worker.js in the built package (a URL is not rewritten by tsc). */
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

/** Young-generation cap of a bounded worker, MB (part of its heap share). */
const YOUNG_MB = 8;

/** Under 'auto', partitions still undecided after this long in the main thread move to workers. */
export const PARALLEL_AFTER_MS = 2000;

let workersCached = 0;
/** Worker threads worth starting: the CPUs, at most 4 (asked once: the call costs microseconds per check). */
export const maxWorkers = (): number => (workersCached ||= Math.max(1, Math.min(4, availableParallelism())));

export interface ParallelOutcome {
  verdicts: Map<string, WorkerVerdict>;
  stopReason: string | undefined;
  steps: number;
  maxDepth: number;
}

/**
 * Searches partitions in worker threads (the model travels by registered name). Partitions are spread
 * over the workers by size; the first illegal verdict, the budget or the abort signal terminates them all.
 *
 * `bounded` (a memory limit was asked for) splits the limit between what the workers can allocate:
 * half for their V8 heaps (model states live there; `resourceLimits` makes a worker past its share die,
 * never the process), half for the search caches (typed arrays, outside the heap), which each worker
 * checks after every slice against its share, with the growth peak (GROWTH_PEAK_FACTOR).
 */
export function searchInWorkers(
  modelName: string,
  partitions: Partition[],
  budget: Budget,
  workers: number,
  slice: number,
  bounded = false,
): Promise<ParallelOutcome> {
  const groups: Partition[][] = Array.from({ length: Math.min(workers, partitions.length) }, () => []);
  const load = new Array<number>(groups.length).fill(0);
  for (const p of partitions.slice().sort((a, b) => b.ops.length - a.ops.length)) {
    const k = load.indexOf(Math.min(...load));
    groups[k]!.push(p);
    load[k]! += p.ops.length;
  }
  const verdicts = new Map<string, WorkerVerdict>();
  const progress = groups.map(() => ({ steps: 0, bytes: 0, maxDepth: 0 }));
  return new Promise((resolve) => {
    let done = false;
    const threads: Worker[] = [];
    const finish = (stopReason: string | undefined): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      for (const t of threads) void t.terminate();
      resolve({
        verdicts,
        stopReason,
        steps:
          progress.reduce((n, p) => n + p.steps, 0) + [...verdicts.values()].reduce((n, v) => n + v.steps, 0),
        maxDepth: Math.max(
          0,
          ...progress.map((p) => p.maxDepth),
          ...[...verdicts.values()].map((v) => v.maxDepth),
        ),
      });
    };
    const timer = setInterval(() => {
      const bytes = progress.reduce((n, p) => n + p.bytes, 0);
      // Bounded: the caches have half the limit (the heaps the other half).
      const reason = budget.exceeded(bounded ? 2 * bytes : bytes);
      if (reason) finish(reason);
    }, 20);
    const limitMb = budget.memoryLimit / 2 ** 20;
    groups.forEach((group, k) => {
      const input: WorkerInput = {
        model: modelName,
        slice,
        ...(bounded ? { cacheLimitBytes: Math.floor(budget.memoryLimit / 2 / groups.length) } : {}),
        partitions: group.map((p) => ({
          key: p.key,
          ops: p.ops.map((o) => ({ call: o.call, callPos: o.callPos, retPos: o.retPos, crashed: o.crashed })),
        })),
      };
      // Each worker's own heap is capped at its share of the budget: past it the worker dies (an 'error'
      // here, hence 'unknown'), never the process.
      const heapMb = bounded
        ? Math.max(16, Math.floor(limitMb / 2 / groups.length) - YOUNG_MB)
        : Math.max(64, Math.floor(limitMb / groups.length));
      const t = new Worker(WORKER_URL, {
        workerData: input,
        resourceLimits: {
          maxOldGenerationSizeMb: heapMb,
          ...(bounded ? { maxYoungGenerationSizeMb: YOUNG_MB } : {}),
        },
      });
      threads.push(t);
      t.on('message', (m: WorkerVerdict | WorkerProgress | WorkerMemory) => {
        if ('progress' in m) {
          progress[k] = m.progress;
          return;
        }
        if ('memory' in m) {
          finish(
            `memory limit of ${Math.round(limitMb)} MB reached (a search worker's cache ≈ ${Math.round(m.memory / 2 ** 20)} MB; growing it would need ≈ ${Math.round((m.memory * GROWTH_PEAK_FACTOR) / 2 ** 20)} MB of its share)`,
          );
          return;
        }
        verdicts.set(m.key, m);
        if (m.status === 'illegal') finish(undefined);
        else if (verdicts.size === partitions.length) finish(undefined);
      });
      t.on('error', (e: unknown) => {
        // A worker past its heap share dies with ERR_WORKER_OUT_OF_MEMORY: that is the memory limit.
        const oom = (e as { code?: string })?.code === 'ERR_WORKER_OUT_OF_MEMORY';
        finish(
          oom
            ? `memory limit of ${Math.round(budget.memoryLimit / 2 ** 20)} MB reached (a search worker filled its ${heapMb} MB heap share)`
            : `worker failed: ${errorText(e)}`,
        );
      });
    });
  });
}
