import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setChecker } from '../../../checkers/set.ts';
import type { Op } from '../../../src/core/op.ts';

const ctx = { test: { name: 't', concurrency: 2, nodes: ['n1'] } };
type Outcome = 'ok' | 'fail' | 'info' | 'pending';

/** A history: adds of 0..n-1 with the given outcomes, then one final read returning `read`. */
function history(outcomes: Outcome[], read: unknown[] | undefined): Op[] {
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: h.length, ...o });
  outcomes.forEach((t, i) => {
    push({ type: 'invoke', process: i, f: 'add', value: i });
    if (t !== 'pending') push({ type: t, process: i, f: 'add', value: i });
  });
  if (read) {
    push({ type: 'invoke', process: 1000, f: 'read', value: null });
    push({ type: 'ok', process: 1000, f: 'read', value: read });
  }
  return h;
}

const check = (h: Op[]) => setChecker.check(ctx, h, {}) as Record<string, unknown> & { valid: unknown };

describe('set checker', () => {
  it('accepts a final read with every acknowledged add and some indeterminate ones', () => {
    const r = check(history(['ok', 'ok', 'info', 'info', 'fail'], [0, 1, 2]));
    expect(r.valid).toBe(true);
    expect(r.recovered).toEqual([2]);
    expect(r.neverApplied).toBe(1);
  });

  it('flags lost, unexpected, failed-but-present and duplicated elements', () => {
    const r = check(history(['ok', 'ok', 'fail', 'ok'], [0, 2, 3, 3, 99]));
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([1]);
    // A failed-only element that is present is unexpected (its attempt certainly did not happen).
    expect(r.unexpected).toEqual([2, 99]);
    expect(r.failedButPresent).toEqual([2]);
    expect(r.duplicated).toEqual([3]);
    expect(String(r.summary)).toMatch(/1 LOST/);
  });

  it('uses the last successful read as the final read', () => {
    const h = history(['ok'], [0]);
    h.push({ index: h.length, time: 0, type: 'invoke', process: 2000, f: 'read', value: null });
    h.push({ index: h.length, time: 0, type: 'ok', process: 2000, f: 'read', value: [] });
    expect(check(h).lost).toEqual([0]);
  });

  it('is unknown without a successful read', () => {
    expect(check(history(['ok'], undefined)).valid).toBe('unknown');
  });

  it('agrees with a brute-force oracle on random small histories', () => {
    const outcome = fc.constantFrom<Outcome>('ok', 'fail', 'info', 'pending');
    fc.assert(
      fc.property(
        fc.array(outcome, { maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 10 }),
        (outs, read) => {
          // Oracle: does some set of indeterminate adds explain the read exactly, with no element twice?
          const explains = (applied: Set<number>) =>
            read.length === new Set(read).size &&
            read.every((x) => applied.has(x)) &&
            [...applied].every((x) => read.includes(x));
          const must = outs.flatMap((t, i) => (t === 'ok' ? [i] : []));
          const may = outs.flatMap((t, i) => (t === 'info' || t === 'pending' ? [i] : []));
          let oracle = false;
          for (let mask = 0; mask < 1 << may.length && !oracle; mask++) {
            const applied = new Set([...must, ...may.filter((_, b) => mask & (1 << b))]);
            oracle = explains(applied);
          }
          expect(check(history(outs, read)).valid).toBe(oracle);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
