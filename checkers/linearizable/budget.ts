import { getHeapStatistics } from 'node:v8';
import type { CheckOptions } from '../../src/core/checker.ts';

export const DEFAULT_TIME_LIMIT_MS = 5 * 60_000;

const HEAP_LIMIT = getHeapStatistics().heap_size_limit;

/** Default memory budget: half the V8 heap limit, at most 2 GiB. */
export function defaultMemoryLimit(): number {
  return Math.min(2 * 1024 ** 3, Math.floor(HEAP_LIMIT / 2));
}

/**
 * The search cache grows by doubling its typed arrays, and while one is copied the old and the new
 * array are both alive: a cache of B bytes can briefly need 3B at its next growth. The memory check
 * stops the search once that next growth could pass the limit, so the cache never does.
 */
export const GROWTH_PEAK_FACTOR = 3;

/**
 * Time, memory and cancellation limits, checked cheaply between search slices. Times are
 * `performance.now()` milliseconds.
 */
export class Budget {
  /** When the check started (performance.now(), ms). */
  readonly startMs = performance.now();
  /** When the time limit runs out (performance.now(), ms). */
  readonly deadlineMs: number;
  readonly memoryLimit: number;
  readonly signal: AbortSignal | undefined;
  private readonly heapLimit = HEAP_LIMIT;
  // The first real-heap sample waits: short checks never pay for it.
  private lastHeapCheckMs = this.startMs;

  constructor(opts: CheckOptions = {}) {
    this.deadlineMs = this.startMs + (opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
    this.memoryLimit = opts.memoryLimitBytes ?? defaultMemoryLimit();
    this.signal = opts.signal;
  }

  /** Milliseconds since the check started. */
  elapsedMs(): number {
    return performance.now() - this.startMs;
  }

  /**
   * Why the search must stop now, or undefined. `usedBytes` is the searches' own estimate of their
   * typed arrays; the memory check is on the peak their next doubling would need (GROWTH_PEAK_FACTOR).
   */
  exceeded(usedBytes: number): string | undefined {
    if (this.signal?.aborted) return 'cancelled';
    const nowMs = performance.now();
    if (nowMs > this.deadlineMs)
      return `time limit of ${Math.round(this.deadlineMs - this.startMs)} ms reached`;
    const memory = this.memoryExceeded(usedBytes);
    if (memory) return memory;
    // The real heap, occasionally: states held by the model live there, not in the typed arrays.
    if (nowMs - this.lastHeapCheckMs > 200) {
      this.lastHeapCheckMs = nowMs;
      const heap = process.memoryUsage().heapUsed;
      if (heap > this.heapLimit * 0.85) return `heap nearly full (${mb(heap)} of ${mb(this.heapLimit)})`;
    }
    return undefined;
  }

  /** The memory part of `exceeded` alone (cheap enough to ask after every search slice). */
  memoryExceeded(usedBytes: number): string | undefined {
    if (usedBytes * GROWTH_PEAK_FACTOR <= this.memoryLimit) return undefined;
    return `memory limit of ${mb(this.memoryLimit)} reached (search cache ≈ ${mb(usedBytes)}; growing it would need ≈ ${mb(usedBytes * GROWTH_PEAK_FACTOR)})`;
  }
}

const mb = (b: number): string => `${Math.round(b / 1024 ** 2)} MB`;
