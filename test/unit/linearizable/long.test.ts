import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../../checkers/linearizable/index.ts';
import { simulateCasRegister } from './simulate.ts';

// Long histories: the cache stores bitset windows, so these exercise many-word bitsets and windows.
describe('long histories', () => {
  it.each([
    [5000, 5, 0],
    [5000, 5, 0.03],
    [3000, 10, 0.03],
  ])('%i ops, %i threads, crash rate %d: linearizable by construction', async (n, threads, crash) => {
    const h = simulateCasRegister(n, threads, n + threads, crash);
    const r = await checkLinearizable(h, 'cas-register', { timeLimitMs: 30_000 });
    expect(r.valid).toBe(true);
    expect(r.stats.cacheBytes).toBeLessThan(64 * 1024 ** 2);
  });

  it('finds one stale read among 10,000 ops', async () => {
    const h = simulateCasRegister(10_000, 5, 7, 0);
    const at = h.findIndex((o, i) => i > 12_000 && o.type === 'ok' && o.f === 'read' && o.value !== null);
    const bad = h.map((o, i) => (i === at ? { ...o, value: ((o.value as number) + 1) % 5 } : o));
    const r = await checkLinearizable(bad, 'cas-register', { timeLimitMs: 30_000, minimizeTimeMs: 5000 });
    expect(r.valid).toBe(false);
    // the blocked op is the corrupted read or one concurrent with it
    expect(Math.abs(r.failure!.op.index - h[at]!.index)).toBeLessThan(40);
    expect(r.failure!.minimal!.ops.length).toBeLessThan(10);
  });
});
