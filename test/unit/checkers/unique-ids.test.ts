import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkUniqueIds } from '../../../checkers/unique-ids.ts';
import { type Step, sequential } from './queue-history.ts';

const gen = (p: number, id: unknown, type: Step['type'] = 'ok'): Step => ({
  p,
  f: 'generate',
  type,
  out: id,
});

describe('unique-ids', () => {
  it('distinct ids: valid, with counts and the numeric range', () => {
    const r = checkUniqueIds(
      sequential([gen(0, 5), gen(1, 2), gen(0, null, 'info'), gen(2, 9), gen(1, null, 'fail')]),
    );
    expect(r.valid).toBe(true);
    expect(r).toMatchObject({ attemptedCount: 5, acknowledgedCount: 3, duplicatedCount: 0, range: [2, 9] });
    expect(r.anomalyTypes).toEqual([]);
  });

  it('a duplicated id: invalid, with its count and every op that returned it', () => {
    const r = checkUniqueIds(sequential([gen(0, 1), gen(3, 2), gen(1, 1), gen(2, 1)]));
    expect(r.valid).toBe(false);
    expect(r.duplicated).toEqual([
      {
        id: 1,
        count: 3,
        ops: [
          { index: 1, process: 0, timeNs: 1e6 },
          { index: 5, process: 1, timeNs: 5e6 },
          { index: 7, process: 2, timeNs: 7e6 },
        ],
      },
    ]);
    expect(r.anomalies.duplicated![0]!.ops).toEqual([1, 5, 7]);
    expect(r.anomalies.duplicated![0]!.explanation).toContain('id 1 was returned 3 times');
  });

  it('string ids: no numeric range; 1 and "1" are different ids', () => {
    const r = checkUniqueIds(sequential([gen(0, 'a'), gen(0, '1'), gen(0, 1)]));
    expect(r.valid).toBe(true);
    expect(r.range).toEqual([1, 1]);
    expect(checkUniqueIds(sequential([gen(0, 'a')])).range).toBeNull();
    expect(checkUniqueIds(sequential([gen(0, 'a'), gen(1, 'a')])).valid).toBe(false);
  });

  it('property: valid exactly when the ok ids are distinct (a Set oracle)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ id: fc.nat(12), ok: fc.boolean() }), { maxLength: 12 }), (xs) => {
        const r = checkUniqueIds(sequential(xs.map((x, i) => gen(i % 3, x.id, x.ok ? 'ok' : 'info'))));
        const oks = xs.filter((x) => x.ok).map((x) => x.id);
        expect(r.valid).toBe(new Set(oks).size === oks.length);
        expect(r.acknowledgedCount).toBe(oks.length);
        expect(r.range).toEqual(oks.length ? [Math.min(...oks), Math.max(...oks)] : null);
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});

describe('unique-ids: ops it cannot read', () => {
  it('an ok generate without an id (nil or no value): unknown naming the op, never valid nor "duplicated nil"', () => {
    const one = sequential([gen(0, 1), gen(1, null), gen(0, 2)]);
    const r = checkUniqueIds(one);
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/op 3 \(an ok generate carries the id it returned\)/);
    const missing = sequential([gen(0, 1), gen(1, null), gen(0, 2)]);
    delete (missing[3] as { value?: unknown }).value;
    expect(checkUniqueIds(missing).valid).toBe('unknown');
    const four = checkUniqueIds(sequential([gen(0, null), gen(1, null), gen(2, null), gen(3, null)]));
    expect(four.valid).toBe('unknown');
    expect(four.duplicatedCount).toBe(0);
    expect(four.summary).toMatch(/4 ops without a readable id/);
  });

  it('an op other than generate: unknown', () => {
    const r = checkUniqueIds(sequential([gen(0, 1), { p: 1, f: 'read', type: 'ok', out: 3 }]));
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/read is not a unique-ids op/);
  });
});
