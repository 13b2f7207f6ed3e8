import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../../src/util/poll.ts';

describe('pollUntil, the one polling loop', () => {
  it('returns the value once the probe is done, probing again after each miss', async () => {
    let n = 0;
    const r = await pollUntil({ timeoutMs: 60_000, intervalMs: 1 }, async () =>
      ++n === 3 ? { done: true, value: 'up' } : { done: false, why: `try ${n}` },
    );
    expect(r).toEqual({ done: true, value: 'up' });
    expect(n).toBe(3);
  });

  it('gives up after the timeout with the last reason, having probed at least once', async () => {
    let n = 0;
    const r = await pollUntil({ timeoutMs: 0, intervalMs: 1 }, async () => ({
      done: false,
      why: `try ${++n}`,
    }));
    expect(r).toEqual({ done: false, why: 'try 1' });
    const later = await pollUntil({ timeoutMs: 30, intervalMs: 5 }, async () => ({
      done: false,
      why: 'down',
    }));
    expect(later).toEqual({ done: false, why: 'down' });
  });

  it('rejects when the signal aborts, before or while waiting; a throwing probe rejects', async () => {
    const before = AbortSignal.abort(new Error('stopped'));
    await expect(
      pollUntil({ timeoutMs: 60_000, intervalMs: 1, signal: before }, async () => ({ done: true, value: 1 })),
    ).rejects.toThrow('stopped');
    const ac = new AbortController();
    const waiting = pollUntil({ timeoutMs: 60_000, intervalMs: 60_000, signal: ac.signal }, async () => ({
      done: false,
      why: 'down',
    }));
    ac.abort();
    await expect(waiting).rejects.toThrow();
    await expect(
      pollUntil({ timeoutMs: 60_000, intervalMs: 1 }, async () => {
        throw new Error('probe broke');
      }),
    ).rejects.toThrow('probe broke');
  });
});
