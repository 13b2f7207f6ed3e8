import { describe, expect, it } from 'vitest';
import { OpTimedOut, raceSignal } from '../../../src/util/race-signal.ts';

const later = <T>(ms: number, f: () => T): Promise<T> =>
  new Promise((resolve, reject) =>
    setTimeout(() => {
      try {
        resolve(f());
      } catch (e) {
        reject(e);
      }
    }, ms),
  );

describe('raceSignal: a driver promise against the op deadline', () => {
  it('settles as the promise does while the signal has not fired', async () => {
    const c = new AbortController();
    await expect(
      raceSignal(
        later(5, () => 42),
        c.signal,
      ),
    ).resolves.toBe(42);
    await expect(
      raceSignal(
        later(5, () => {
          throw new Error('READONLY');
        }),
        c.signal,
      ),
    ).rejects.toThrow('READONLY');
    // After it settled, a late abort changes nothing.
    c.abort();
  });

  it('rejects with OpTimedOut ("timed out") when the signal fires first, and drops the late answer', async () => {
    const c = new AbortController();
    const p = raceSignal(
      later(200, () => 'late'),
      c.signal,
    );
    setTimeout(() => c.abort(), 5);
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpTimedOut);
    expect((err as Error).message).toBe('timed out');
  });

  it('an already fired signal rejects at once, and the late rejection of the promise is not unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const err = await raceSignal(
        later(5, () => {
          throw new Error('connection lost');
        }),
        AbortSignal.abort(),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpTimedOut);
      await later(30, () => undefined);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
