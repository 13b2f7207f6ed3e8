/** Sets where an element is added more than once: the set and set-full checkers, and a brute-force oracle. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SetResult, setChecker } from '../../../checkers/set.ts';
import { type SetFullResult, setFull } from '../../../checkers/set-full.ts';
import type { Op } from '../../../src/core/op.ts';

const ctx = { test: { name: 't', concurrency: 4, nodes: [] } };
type Outcome = 'ok' | 'fail' | 'info' | 'pending';

/** Add attempts one after another (each on its own process), then one final read of `read`. */
function history(attempts: [number, Outcome][], read: number[]): Op[] {
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: h.length * 1000, ...o });
  attempts.forEach(([x, outcome], p) => {
    push({ type: 'invoke', process: p + 1, f: 'add', value: x });
    if (outcome !== 'pending') push({ type: outcome, process: p + 1, f: 'add', value: x });
  });
  push({ type: 'invoke', process: 0, f: 'read', value: null });
  push({ type: 'ok', process: 0, f: 'read', value: read });
  return h;
}
const check = (h: Op[]) => setChecker.check(ctx, h, {}) as SetResult;
const checkFull = (h: Op[]) => setFull().check(ctx, h, {}) as SetFullResult;

describe('set checker: repeated adds', () => {
  it('a failed attempt then an acknowledged one: present is valid, absent is lost', () => {
    expect(
      check(
        history(
          [
            [3, 'fail'],
            [3, 'ok'],
            [4, 'ok'],
          ],
          [3, 4],
        ),
      ).valid,
    ).toBe(true);
    const r = check(
      history(
        [
          [3, 'fail'],
          [3, 'ok'],
          [4, 'ok'],
        ],
        [4],
      ),
    );
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([3]);
  });

  it('an acknowledged attempt then a failed one: the failure does not undo the acknowledgement', () => {
    const r = check(
      history(
        [
          [3, 'ok'],
          [3, 'fail'],
        ],
        [],
      ),
    );
    expect(r.lost).toEqual([3]);
    expect(
      check(
        history(
          [
            [3, 'ok'],
            [3, 'fail'],
          ],
          [3],
        ),
      ).valid,
    ).toBe(true);
  });

  it('an indeterminate or pending attempt explains presence even when another attempt failed', () => {
    for (const maybe of ['info', 'pending'] as const) {
      const r = check(
        history(
          [
            [5, 'fail'],
            [5, maybe],
          ],
          [5],
        ),
      );
      expect(r.valid).toBe(true);
      expect(r.recovered).toEqual([5]);
    }
  });

  it('only failed attempts: present is unexpected (every attempt certainly did not happen)', () => {
    const r = check(
      history(
        [
          [7, 'fail'],
          [7, 'fail'],
        ],
        [7],
      ),
    );
    expect(r.valid).toBe(false);
    expect(r.unexpected).toEqual([7]);
    expect(r.failedButPresent).toEqual([7]);
    expect(
      check(
        history(
          [
            [7, 'fail'],
            [7, 'fail'],
          ],
          [],
        ),
      ).valid,
    ).toBe(true);
  });

  it('set-full: a failed attempt does not hide a later acknowledged one', () => {
    const ok = checkFull(
      history(
        [
          [3, 'fail'],
          [3, 'ok'],
        ],
        [3],
      ),
    );
    expect(ok.valid).toBe(true);
    expect(ok.acknowledgedCount).toBe(1);
    const gone = checkFull(
      history(
        [
          [3, 'ok'],
          [3, 'fail'],
        ],
        [],
      ),
    );
    expect(gone.valid).toBe(false);
    expect(gone.lost).toEqual([3]);
    const onlyFailed = checkFull(history([[7, 'fail']], [7]));
    expect(onlyFailed.valid).toBe(false);
    expect(onlyFailed.unexpected).toEqual([7]);
  });
});

/**
 * The oracle: the final state is the union of the attempts that applied. Acknowledged attempts applied,
 * failed ones did not, indeterminate and pending ones either way. The final read is valid when some
 * choice gives exactly the set it returned, with no element returned twice.
 */
function oracle(attempts: [number, Outcome][], read: number[]): boolean {
  if (new Set(read).size !== read.length) return false;
  const want = [...new Set(read)].sort().join(',');
  const free = attempts.flatMap(([, o], i) => (o === 'info' || o === 'pending' ? [i] : []));
  for (let mask = 0; mask < 1 << free.length; mask++) {
    const applied = new Set<number>();
    attempts.forEach(([x, o], i) => {
      if (o === 'ok') applied.add(x);
      const bit = free.indexOf(i);
      if (bit >= 0 && (mask >> bit) & 1) applied.add(x);
    });
    if ([...applied].sort().join(',') === want) return true;
  }
  return false;
}

describe('set checkers agree with a brute-force oracle', () => {
  const attempt = fc.tuple(
    fc.integer({ min: 0, max: 3 }),
    fc.constantFrom<Outcome>('ok', 'fail', 'info', 'pending'),
  );
  const read = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 6 });

  it('set: on small random histories with repeated adds', () => {
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 7 }), read, (attempts, r) => {
        return check(history(attempts, r)).valid === oracle(attempts, r);
      }),
      { numRuns: 2000 },
    );
  });

  it('set-full: with one read at the end it agrees too', () => {
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 7 }), read, (attempts, r) => {
        return checkFull(history(attempts, r)).valid === oracle(attempts, r);
      }),
      { numRuns: 2000 },
    );
  });
});
