import { describe, expect, it } from 'vitest';
import { Budget, GROWTH_PEAK_FACTOR } from '../../../checkers/linearizable/budget.ts';
import { checkLinearizable, checkLinearizableSync } from '../../../checkers/linearizable/index.ts';
import type { Op } from '../../../src/core/op.ts';

/**
 * n concurrent writes of distinct values and a concurrent read of a value nobody wrote: every subset of
 * writes in every last-written value is a distinct configuration, so refuting it takes ~2^n steps.
 */
function hard(n: number): Op[] {
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ ...o, index: h.length, time: h.length });
  for (let p = 0; p < n; p++) push({ type: 'invoke', process: p, f: 'write', value: p });
  push({ type: 'invoke', process: n, f: 'read', value: null });
  for (let p = 0; p < n; p++) push({ type: 'ok', process: p, f: 'write', value: p });
  push({ type: 'ok', process: n, f: 'read', value: -1 });
  return h;
}

describe('budget', () => {
  it('answers unknown with a reason when the time limit passes, quickly', async () => {
    const t0 = performance.now();
    const r = await checkLinearizable(hard(40), 'register', { timeLimitMs: 100 });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/time limit/);
    expect(r.progress.partitionsUndecided).toBe(1);
    expect(r.progress.steps).toBeGreaterThan(0);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('answers unknown when the memory budget is exceeded', () => {
    const r = checkLinearizableSync(hard(40), 'register', {
      memoryLimitBytes: 4 * 1024 ** 2,
      timeLimitMs: 20_000,
    });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/memory limit/);
  });

  it('stops before the cache could grow past the memory limit (a doubling needs 3x while it copies)', () => {
    for (const limitMb of [24, 48]) {
      const limit = limitMb * 1024 ** 2;
      const r = checkLinearizableSync(hard(40), 'register', { memoryLimitBytes: limit, timeLimitMs: 60_000 });
      expect(r.valid).toBe('unknown');
      expect(r.reason).toMatch(new RegExp(`memory limit of ${limitMb} MB reached`));
      // Where it stopped, the cache's next growth would have needed more than the limit...
      expect(r.stats.cacheBytes * GROWTH_PEAK_FACTOR).toBeGreaterThan(limit);
      // ...and one growth earlier (half the arrays) it still fitted, with the copy.
      expect((r.stats.cacheBytes / 2) * GROWTH_PEAK_FACTOR).toBeLessThanOrEqual(limit);
    }
  });

  it('Budget.exceeded: the memory check is on the growth peak', () => {
    const b = new Budget({ memoryLimitBytes: 3000, timeLimitMs: 60_000 });
    expect(b.exceeded(1000)).toBeUndefined();
    expect(b.exceeded(1001)).toMatch(/memory limit/);
  });

  it('with a memory limit the search runs in heap-capped workers: heap-heavy models stop too', async () => {
    // 22 crashed adds and a read of an element nobody added: 2^22 set states, all in the JS heap.
    const h: Op[] = [];
    const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ ...o, index: h.length, time: h.length });
    for (let p = 1; p <= 22; p++) push({ type: 'invoke', process: p, f: 'add', value: p });
    push({ type: 'invoke', process: 0, f: 'read', value: null });
    for (let p = 1; p <= 22; p++) push({ type: 'info', process: p, f: 'add', value: p });
    push({ type: 'ok', process: 0, f: 'read', value: [-1] });
    const r = await checkLinearizable(h, 'set', { memoryLimitBytes: 64 * 1024 ** 2, timeLimitMs: 60_000 });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/memory limit of 64 MB reached \(a search worker/);
  });

  it('with a memory limit, verdicts and explanations are unchanged', async () => {
    const limit = { memoryLimitBytes: 128 * 1024 ** 2, timeLimitMs: 60_000 };
    const good = await checkLinearizable(hard(6).slice(0, -1), 'register', limit);
    expect(good.valid).toBe(true);
    const bad = await checkLinearizable(hard(6), 'register', limit);
    expect(bad.valid).toBe(false);
    expect(bad.failure?.op.description).toMatch(/read/);
  });

  it('honours an AbortSignal', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await checkLinearizable(hard(40), 'register', { signal: ac.signal, timeLimitMs: 20_000 });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toBe('cancelled');
  });

  it('still decides small instances of the same shape', () => {
    expect(checkLinearizableSync(hard(8), 'register').valid).toBe(false);
  });
});
