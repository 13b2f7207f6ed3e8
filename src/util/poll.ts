/**
 * The one polling loop: ask a probe until it says done, a monotonic deadline passes, or the signal
 * aborts. Replaces the hand-written wait-for-health / wait-for-state loops, which mixed Date.now() and
 * performance.now() deadlines and reported the last failure each in its own way.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** When to give up and how often to ask. */
export interface PollOptions {
  /** Give up after this long (ms, monotonic clock); the probe runs at least once. */
  timeoutMs: number;
  /** Pause between two probes (ms). */
  intervalMs: number;
  /** Aborts the wait: pollUntil rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A probe's answer: done with a value, or not yet and why (kept for the timeout message). */
export type ProbeResult<T> = { done: true; value: T } | { done: false; why: string };

/** How a poll ended: the probe's value, or a timeout with the last reason the probe gave. */
export type PollResult<T> = { done: true; value: T } | { done: false; why: string };

/**
 * Runs `probe` until it returns `{done: true}` or `timeoutMs` pass. Resolves with the value, or with
 * `{done: false, why}` (the last reason) on timeout; rejects when `signal` aborts or the probe throws.
 */
export async function pollUntil<T>(
  o: PollOptions,
  probe: () => Promise<ProbeResult<T>>,
): Promise<PollResult<T>> {
  const deadlineMs = performance.now() + o.timeoutMs;
  for (;;) {
    o.signal?.throwIfAborted();
    const r = await probe();
    if (r.done) return r;
    const leftMs = deadlineMs - performance.now();
    if (leftMs <= 0) return r;
    await sleep(Math.min(o.intervalMs, leftMs), undefined, o.signal ? { signal: o.signal } : {});
  }
}
