/**
 * Worker-thread side of the parallel search: receives partitions of one history (model by registered
 * name), searches them interleaved, and posts each verdict as soon as it is known. The main thread
 * terminates the worker when it has what it needs (first violation, budget, abort).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GROWTH_PEAK_FACTOR } from './budget.ts';
import { getModel } from './models/registry.ts';
import type { PreparedOp } from './prepare.ts';
import { PartitionSearch } from './search.ts';

export interface WorkerInput {
  model: string;
  partitions: { key: string; ops: Pick<PreparedOp, 'call' | 'callPos' | 'retPos' | 'crashed'>[] }[];
  slice: number;
  /** This worker's share of the cache budget (bytes); past it (with the growth peak) it stops. */
  cacheLimitBytes?: number;
}

/** Sent (once) when the caches' next growth could pass `cacheLimitBytes`; the worker then stops. */
export interface WorkerMemory {
  memory: number;
}

export interface WorkerVerdict {
  key: string;
  status: 'ok' | 'illegal';
  steps: number;
  maxDepth: number;
  cacheEntries: number;
  states: number;
}

/** Progress report (steps, cache bytes of undecided partitions), sent about every 50 ms. */
export interface WorkerProgress {
  progress: { steps: number; bytes: number; maxDepth: number };
}

if (parentPort && workerData) {
  const input = workerData as WorkerInput;
  const m = getModel(input.model);
  const model = m.partition ? (m.partitionModel ?? m) : m;
  const searches = input.partitions.map(
    (p) =>
      new PartitionSearch({
        key: p.key,
        model,
        // invoke/completion stay in the main thread; the search never reads them
        ops: p.ops as PreparedOp[],
        pruned: [],
      }),
  );
  let lastReport = performance.now();
  let running = searches.length;
  while (running > 0) {
    running = 0;
    for (const s of searches) {
      if (s.status !== 'running') continue;
      const status = s.run(input.slice);
      if (status === 'running') {
        running++;
        continue;
      }
      const v: WorkerVerdict = {
        key: s.partition.key,
        status,
        steps: s.steps,
        maxDepth: status === 'ok' ? s.partition.ops.length : s.maxDepth,
        cacheEntries: s.cacheEntries,
        states: s.stateCount,
      };
      parentPort.postMessage(v);
      s.release();
    }
    if (input.cacheLimitBytes !== undefined) {
      const bytes = searches.reduce((n, s) => n + (s.status === 'running' ? s.bytes() : 0), 0);
      if (bytes * GROWTH_PEAK_FACTOR > input.cacheLimitBytes) {
        const m: WorkerMemory = { memory: bytes };
        parentPort.postMessage(m);
        break;
      }
    }
    if (performance.now() - lastReport > 50) {
      lastReport = performance.now();
      const p: WorkerProgress = {
        progress: {
          steps: searches.reduce((n, s) => n + s.steps, 0),
          bytes: searches.reduce((n, s) => n + (s.status === 'running' ? s.bytes() : 0), 0),
          maxDepth: searches.reduce((n, s) => Math.max(n, s.maxDepth), 0),
        },
      };
      parentPort.postMessage(p);
    }
  }
}
