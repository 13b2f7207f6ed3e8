import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Budget } from './budget.ts';
import type { Partition } from './prepare.ts';
import type { WorkerInput, WorkerProgress, WorkerVerdict } from './worker.ts';

/** Under 'auto', partitions still undecided after this long in the main thread move to workers. */
export const PARALLEL_AFTER_MS = 2000;

export const maxWorkers = (): number => Math.max(1, Math.min(4, availableParallelism()));

export interface ParallelOutcome {
  verdicts: Map<string, WorkerVerdict>;
  stopReason: string | undefined;
  steps: number;
  maxDepth: number;
}

/**
 * Searches partitions in worker threads (the model travels by registered name). Partitions are spread
 * over the workers by size; the first illegal verdict, the budget or the abort signal terminates them all.
 */
export function searchInWorkers(
  modelName: string,
  partitions: Partition[],
  budget: Budget,
  workers: number,
  slice: number,
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
      const reason = budget.exceeded(progress.reduce((n, p) => n + p.bytes, 0));
      if (reason) finish(reason);
    }, 20);
    groups.forEach((group, k) => {
      const input: WorkerInput = {
        model: modelName,
        slice,
        partitions: group.map((p) => ({
          key: p.key,
          ops: p.ops.map((o) => ({ call: o.call, callPos: o.callPos, retPos: o.retPos, crashed: o.crashed })),
        })),
      };
      // Each worker's own heap is capped at its share of the budget: past it the worker dies (an 'error'
      // here, hence 'unknown'), never the process.
      const heapMb = Math.max(64, Math.floor(budget.memoryLimit / groups.length / 1024 ** 2));
      const t = new Worker(new URL('./worker.ts', import.meta.url), {
        workerData: input,
        resourceLimits: { maxOldGenerationSizeMb: heapMb },
      });
      threads.push(t);
      t.on('message', (m: WorkerVerdict | WorkerProgress) => {
        if ('progress' in m) {
          progress[k] = m.progress;
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
            : `worker failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      });
    });
  });
}
