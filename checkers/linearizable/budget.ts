import { getHeapStatistics } from 'node:v8';
import type { CheckOptions } from '../../src/core/checker.ts';

export const DEFAULT_TIME_LIMIT_MS = 5 * 60_000;

const HEAP_LIMIT = getHeapStatistics().heap_size_limit;

/** Default memory budget: half the V8 heap limit, at most 2 GiB. */
export function defaultMemoryLimit(): number {
  return Math.min(2 * 1024 ** 3, Math.floor(HEAP_LIMIT / 2));
}

/** Time, memory and cancellation limits, checked cheaply between search slices. */
export class Budget {
  readonly start = performance.now();
  readonly deadline: number;
  readonly memoryLimit: number;
  readonly signal: AbortSignal | undefined;
  private readonly heapLimit = HEAP_LIMIT;
  // The first real-heap sample waits: short checks never pay for it.
  private lastHeapCheck = this.start;

  constructor(opts: CheckOptions = {}) {
    this.deadline = this.start + (opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
    this.memoryLimit = opts.memoryLimitBytes ?? defaultMemoryLimit();
    this.signal = opts.signal;
  }

  elapsedMs(): number {
    return performance.now() - this.start;
  }

  /** Why the search must stop now, or undefined. `usedBytes` is the searches' own estimate. */
  exceeded(usedBytes: number): string | undefined {
    if (this.signal?.aborted) return 'cancelled';
    const now = performance.now();
    if (now > this.deadline) return `time limit of ${Math.round(this.deadline - this.start)} ms reached`;
    if (usedBytes > this.memoryLimit) {
      return `memory limit of ${mb(this.memoryLimit)} reached (search cache ≈ ${mb(usedBytes)})`;
    }
    // The real heap, occasionally: states held by the model live there, not in the typed arrays.
    if (now - this.lastHeapCheck > 200) {
      this.lastHeapCheck = now;
      const heap = process.memoryUsage().heapUsed;
      if (heap > this.heapLimit * 0.85) return `heap nearly full (${mb(heap)} of ${mb(this.heapLimit)})`;
    }
    return undefined;
  }
}

const mb = (b: number): string => `${Math.round(b / 1024 ** 2)} MB`;
