/**
 * The transactional checker's time, memory and cancellation limits (the linearizability checker's
 * style: checked cheaply between search slices; past them the search stops and the verdict says what
 * could still be proved). Times are `performance.now()` milliseconds.
 */
import { getHeapStatistics } from 'node:v8';
import type { CheckOptions } from '../../src/core/checker.ts';

/** Default time limit of a check, ms (as the linearizability checker's). */
export const DEFAULT_TIME_LIMIT_MS = 5 * 60_000;

const HEAP_LIMIT_BYTES = getHeapStatistics().heap_size_limit;

/** Default memory budget: half the V8 heap limit, at most 2 GiB (bytes). */
export function defaultMemoryLimitBytes(): number {
  return Math.min(2 * 1024 ** 3, Math.floor(HEAP_LIMIT_BYTES / 2));
}

/** Limits of one check. `exceeded()` is cheap enough to call every few thousand search steps. */
export class ElleBudget {
  /** When the check started (performance.now(), ms). */
  readonly startMs = performance.now();
  /** When the time limit runs out (performance.now(), ms). */
  readonly deadlineMs: number;
  /** The heap the check may use beyond what was in use when it started, bytes. */
  readonly memoryLimitBytes: number;
  private readonly baseHeapBytes = process.memoryUsage().heapUsed;
  private readonly signal: AbortSignal | undefined;
  private lastHeapCheckMs = this.startMs;
  private stopped: string | undefined;

  constructor(opts: CheckOptions = {}) {
    this.deadlineMs = this.startMs + (opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
    this.memoryLimitBytes = opts.memoryLimitBytes ?? defaultMemoryLimitBytes();
    this.signal = opts.signal;
  }

  /** Milliseconds since the check started. */
  elapsedMs(): number {
    return performance.now() - this.startMs;
  }

  /** Whether the check was cancelled (the signal fired): then nothing more is done at all. */
  cancelled(): boolean {
    return this.signal?.aborted === true;
  }

  /**
   * Why the search must stop now, or undefined. Once a limit is reached it stays reached (so one
   * search's answer does not depend on when the next one asks).
   */
  exceeded(): string | undefined {
    if (!this.stopped) this.stopped = this.check();
    return this.stopped;
  }

  private check(): string | undefined {
    if (this.signal?.aborted) return 'cancelled';
    const nowMs = performance.now();
    if (nowMs > this.deadlineMs)
      return `time limit of ${Math.round(this.deadlineMs - this.startMs)} ms reached`;
    if (nowMs - this.lastHeapCheckMs > 100) {
      this.lastHeapCheckMs = nowMs;
      const heap = process.memoryUsage().heapUsed;
      if (heap - this.baseHeapBytes > this.memoryLimitBytes)
        return `memory limit of ${mb(this.memoryLimitBytes)} reached (heap grew by ${mb(heap - this.baseHeapBytes)})`;
      if (heap > HEAP_LIMIT_BYTES * 0.85) return `heap nearly full (${mb(heap)} of ${mb(HEAP_LIMIT_BYTES)})`;
    }
    return undefined;
  }
}

const mb = (b: number): string => `${Math.round(b / 1024 ** 2)} MB`;
