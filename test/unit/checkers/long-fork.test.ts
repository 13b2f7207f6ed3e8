import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLongFork } from '../../../checkers/long-fork.ts';
import { type Step, sequential } from './queue-history.ts';

const ins = (p: number, k: number, type: Step['type'] = 'ok'): Step => ({
  p,
  f: 'txn',
  value: [['w', k, 1]],
  type,
});
/** A read of `keys` that saw `seen` present (value 1), the rest absent (nil). */
const read = (p: number, keys: number[], seen: number[]): Step => ({
  p,
  f: 'txn',
  value: keys.map((k) => ['r', k, null]),
  type: 'ok',
  out: keys.map((k) => ['r', k, seen.includes(k) ? 1 : null]),
});

describe('long-fork: hand-written histories', () => {
  it('reads that agree on one insert order: valid; early and late reads counted', () => {
    const r = checkLongFork(
      sequential([read(0, [0, 1], []), ins(0, 0), read(1, [1, 0], [0]), ins(1, 1), read(2, [0, 1], [0, 1])]),
      2,
    );
    expect(r.valid).toBe(true);
    expect(r).toMatchObject({ readsCount: 3, earlyReadCount: 1, lateReadCount: 1, forkCount: 0 });
  });

  it("Jepsen's example: one read sees x not y, another y not x: a long fork naming both reads", () => {
    const h = sequential([ins(0, 0), ins(1, 1), read(2, [0, 1], [0]), read(3, [1, 0], [1])]);
    const r = checkLongFork(h, 2);
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['long-fork']);
    const c = r.anomalies['long-fork']![0]!;
    expect(c.ops).toEqual([5, 7]);
    expect(c.explanation).toContain('read #5 (process 2, 5 ms: 0=1 1=nil) sees 0 but not 1');
    expect(c.explanation).toContain('read #7 (process 3, 7 ms: 1=1 0=nil) sees 1 but not 0');
  });

  it('groups are apart: reads of different groups never form a fork', () => {
    const r = checkLongFork(
      sequential([ins(0, 0), ins(0, 3), read(0, [0, 1], [0]), read(1, [2, 3], [3])]),
      2,
    );
    expect(r.valid).toBe(true);
  });

  it('a key written twice: unknown, as Jepsen', () => {
    const r = checkLongFork(sequential([ins(0, 0), ins(1, 0), read(0, [0, 1], [0])]), 2);
    expect(r.valid).toBe('unknown');
    expect(r.multipleWrites).toEqual([0]);
  });

  it('a value nobody wrote: unexpected-value', () => {
    const h = sequential([
      ins(0, 0),
      {
        p: 1,
        f: 'txn',
        value: [
          ['r', 0, null],
          ['r', 1, null],
        ],
        type: 'ok',
        out: [
          ['r', 0, 1],
          ['r', 1, 7],
        ],
      },
    ]);
    const r = checkLongFork(h, 2);
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['unexpected-value']);
  });

  it('failed and indeterminate reads are not analysed', () => {
    const h = sequential([
      ins(0, 0),
      ins(1, 1),
      read(2, [0, 1], [0]),
      { ...read(3, [0, 1], [1]), type: 'info' },
    ]);
    expect(checkLongFork(h, 2).valid).toBe(true);
  });
});

/** Brute force: reads of a group agree when some order of the group's keys makes each read's present keys a prefix. */
function oracle(groups: number[][], reads: { g: number; seen: number[] }[]): boolean {
  const perms = (xs: number[]): number[][] =>
    xs.length <= 1
      ? [xs]
      : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  return groups.every((keys, g) => {
    const rs = reads.filter((r) => r.g === g);
    return perms(keys).some((order) =>
      rs.every((r) => {
        const prefix = new Set(order.slice(0, r.seen.length));
        return r.seen.every((k) => prefix.has(k));
      }),
    );
  });
}

describe('long-fork agrees with a brute-force enumeration of insert orders', () => {
  it('1,000 random histories over groups of 3 and 2 keys', () => {
    const groups = [
      [0, 1, 2],
      [3, 4],
    ];
    const seen = { true: 0, false: 0 };
    fc.assert(
      fc.property(
        fc.array(fc.record({ g: fc.nat(1), mask: fc.nat(7), shuffle: fc.boolean() }), { maxLength: 6 }),
        (rs) => {
          const reads = rs.map((r) => {
            const keys = groups[r.g]!;
            return {
              g: r.g,
              keys: r.shuffle ? [...keys].reverse() : keys,
              seen: keys.filter((_, i) => (r.mask >> i) & 1),
            };
          });
          const h = sequential([
            ...groups.flat().map((k) => ins(k % 2, k)),
            ...reads.map((r, i) => read(i, r.keys, r.seen)),
          ]);
          const expected = oracle(groups, reads);
          seen[String(expected) as 'true' | 'false']++;
          expect(checkLongFork(h).valid).toBe(expected);
        },
      ),
      { numRuns: 1000, seed: 42 },
    );
    expect(seen.true).toBeGreaterThan(100);
    expect(seen.false).toBeGreaterThan(100);
  });
});

describe('long-fork: ops it cannot read make the verdict unknown', () => {
  const good = (): Step[] => [ins(0, 0), ins(1, 1), read(2, [0, 1], [0, 1])];
  it('a read whose value is not a list of micro-ops', () => {
    const steps = good();
    steps[2] = { ...steps[2]!, out: 5 };
    const r = checkLongFork(sequential(steps), 2);
    expect(checkLongFork(sequential(good()), 2).valid).toBe(true);
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/^op 5 \(txn 5\): a txn value is a list of \[f k v\] micro-ops/);
  });

  it('a micro-op other than r or w', () => {
    const steps = good();
    steps[2] = {
      ...steps[2]!,
      out: [
        ['x', 0, 1],
        ['r', 1, 1],
      ],
    };
    const r = checkLongFork(sequential(steps), 2);
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/micro-op "x" is neither r nor w/);
  });

  it('an insert whose completion names another key (so a key may be written twice): unknown', () => {
    const steps = good();
    steps[1] = { ...steps[1]!, out: [['w', 0, 1]] };
    const r = checkLongFork(sequential(steps), 2);
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/op 3 .*its micro-ops differ from its invoke's/);
  });

  it('a read completion listing its keys in another order is fine', () => {
    const steps = good();
    steps[2] = {
      ...steps[2]!,
      out: [
        ['r', 1, 1],
        ['r', 0, 1],
      ],
    };
    expect(checkLongFork(sequential(steps), 2).valid).toBe(true);
  });
});
