import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BankResult, balancesOf, bankChecker } from '../../../checkers/bank.ts';
import type { Op } from '../../../src/core/op.ts';
import { bankConfig, bankWorkload } from '../../../workloads/bank.ts';

const ctx = { test: { name: 't', concurrency: 2, nodes: ['n1', 'n2'] } };
type Step =
  | { kind: 'transfer'; outcome: 'ok' | 'fail' | 'info' }
  | { kind: 'read'; outcome: 'ok' | 'fail'; value: unknown };

/** Sequential ops on alternating processes: each step is an invoke and its completion. */
function history(steps: Step[]): Op[] {
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: h.length * 1000, ...o });
  steps.forEach((s, i) => {
    const process = i % 3;
    if (s.kind === 'transfer') {
      const value = { from: 0, to: 1, amount: 1 };
      push({ type: 'invoke', process, f: 'transfer', value, node: 'n1' });
      push({ type: s.outcome, process, f: 'transfer', value });
    } else {
      push({ type: 'invoke', process, f: 'read', value: null, node: 'n2' });
      push({ type: s.outcome, process, f: 'read', value: s.outcome === 'ok' ? s.value : null });
    }
  });
  return h;
}

const check = (h: Op[], o = { total: 10, accounts: 2 }) =>
  bankChecker(o).check(ctx, h, {}) as BankResult & { valid: unknown; reason?: string };

describe('bank checker', () => {
  it('accepts reads that all sum to the total', () => {
    const r = check(
      history([
        { kind: 'read', outcome: 'ok', value: [5, 5] },
        { kind: 'transfer', outcome: 'ok' },
        { kind: 'read', outcome: 'ok', value: [4, 6] },
        { kind: 'transfer', outcome: 'info' },
        { kind: 'read', outcome: 'ok', value: { 0: 3, 1: 7 } },
      ]),
    );
    expect(r.valid).toBe(true);
    expect(r.readCount).toBe(3);
    expect(r.badReads).toEqual([]);
    expect(r.summary).toMatch(/3 reads, sums 10/);
  });

  it('lists reads with a wrong sum, a negative balance or a malformed value, with their indices', () => {
    const h = history([
      { kind: 'read', outcome: 'ok', value: [5, 5] },
      { kind: 'read', outcome: 'ok', value: [5, 6] },
      { kind: 'read', outcome: 'ok', value: [-1, 11] },
      { kind: 'read', outcome: 'fail', value: null },
      { kind: 'read', outcome: 'ok', value: 'garbage' },
      { kind: 'read', outcome: 'ok', value: [10] },
    ]);
    const r = check(h);
    expect(r.valid).toBe(false);
    expect(r.badCount).toBe(4);
    expect(r.badReads.map((b) => b.index)).toEqual([3, 5, 9, 11]);
    expect(r.badReads[0]).toMatchObject({ sum: 11, node: 'n2', problems: ['sum 11 ≠ 10'] });
    expect(r.badReads[1]!.problems).toEqual(['negative: account 0 is -1']);
    expect(r.badReads[2]!.problems[0]).toMatch(/malformed/);
    expect(r.badReads[3]!.problems).toEqual(['1 accounts, expected 2']);
    expect(r.minSum).toBe(10);
    expect(r.maxSum).toBe(11);
  });

  it('allows negative balances when told to', () => {
    const h = history([{ kind: 'read', outcome: 'ok', value: [-2, 12] }]);
    expect(check(h).valid).toBe(false);
    expect(check(h, { total: 10, accounts: 2, allowNegative: true } as never).valid).toBe(true);
  });

  it('is unknown without a successful read', () => {
    const r = check(
      history([
        { kind: 'transfer', outcome: 'ok' },
        { kind: 'read', outcome: 'fail', value: null },
      ]),
    );
    expect(r.valid).toBe('unknown');
  });

  it('ignores nemesis ops and reads that never completed', () => {
    const h = history([{ kind: 'read', outcome: 'ok', value: [5, 5] }]);
    h.push({ index: 2, time: 9, type: 'invoke', process: 'nemesis', f: 'start-partition', value: null });
    h.push({ index: 3, time: 10, type: 'invoke', process: 7, f: 'read', value: null });
    expect(check(h).valid).toBe(true);
  });

  it('agrees with a brute-force oracle on small random histories', () => {
    const balance = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: -3, max: 12 }) },
      { weight: 1, arbitrary: fc.constant(null) },
    );
    const value = fc.oneof(
      fc.array(balance, { minLength: 1, maxLength: 3 }),
      // Map reads naming accounts 0..2 (2 is not an account: accounts = 2).
      fc.dictionary(fc.constantFrom('0', '1', '2'), balance, { minKeys: 1, maxKeys: 3 }),
      fc.constant('x' as unknown),
    );
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('transfer' as const), outcome: fc.constantFrom('ok', 'fail', 'info') }),
      fc.record({ kind: fc.constant('read' as const), outcome: fc.constantFrom('ok', 'fail'), value }),
    ) as fc.Arbitrary<Step>;
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), fc.boolean(), (steps, allowNegative) => {
        const h = history(steps);
        const r = check(h, { total: 10, accounts: 2, allowNegative } as never);
        // Oracle: walk the steps directly.
        const bad: number[] = [];
        let reads = 0;
        steps.forEach((s, i) => {
          if (s.kind !== 'read' || s.outcome !== 'ok') return;
          reads++;
          const v = s.value;
          const bs: (number | null)[] | undefined = Array.isArray(v)
            ? v
            : v && typeof v === 'object'
              ? Object.values(v)
              : undefined;
          const keysOk = Array.isArray(v) || Object.keys(v as object).every((k) => k === '0' || k === '1');
          const ok =
            bs !== undefined &&
            keysOk &&
            bs.length === 2 &&
            bs.every((b) => b !== null && (allowNegative || b >= 0)) &&
            bs[0]! + bs[1]! === 10;
          if (!ok) bad.push(2 * i + 1);
        });
        if (reads === 0) return r.valid === 'unknown';
        return (
          r.valid === (bad.length === 0) &&
          JSON.stringify(r.badReads.map((b) => b.index)) === JSON.stringify(bad)
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('bank checker: account keys, nil balances, sums past 2^53', () => {
  const jepsen = (reads: unknown[]) =>
    history(reads.map((value) => ({ kind: 'read', outcome: 'ok', value }) as Step));
  const infer = (h: Op[]) => bankChecker({}).check(ctx, h, {}) as BankResult;

  it('a read naming an unknown account is unexpected-key (Jepsen check-op), inferred or given', () => {
    const h = jepsen([
      { 0: 50, 1: 50 },
      { 0: 50, 7: 50 },
      { 0: 50, 1: 50 },
    ]);
    for (const r of [infer(h), check(h, { total: 100, accounts: 2 })]) {
      expect(r.valid).toBe(false);
      expect(r.anomalyTypes).toEqual(['unexpected-key']);
      expect(r.anomalies['unexpected-key']![0]!.ops).toEqual([3]);
      expect(r.anomalies['unexpected-key']![0]!.explanation).toMatch(/unexpected account 7 .*missing 1/);
    }
    expect(
      infer(
        jepsen([
          { 0: 50, 1: 50 },
          { 1: 40, 0: 60 },
        ]),
      ).valid,
    ).toBe(true);
    // Given accounts=3 (0..2): key 2 is expected, key 3 is not.
    const r = check(
      jepsen([
        { 0: 50, 1: 25, 2: 25 },
        { 0: 50, 1: 25, 3: 25 },
      ]),
      { total: 100, accounts: 3 },
    );
    expect(r.anomalyTypes).toEqual(['unexpected-key']);
    expect(r.badReads.map((b) => b.index)).toEqual([3]);
  });

  it('a nil balance is nil-balance (INVALID), the read has no sum; all-nil reads are not "nothing to check"', () => {
    const r = infer(
      jepsen([
        { 0: 50, 1: 50 },
        { 0: 50, 1: null },
      ]),
    );
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['nil-balance']);
    expect(r.badReads[0]).toMatchObject({ index: 3, problems: ['nil balance: account 1'] });
    expect(r.badReads[0]!.sum).toBeUndefined();
    const only = infer(jepsen([[null, 10]]));
    expect(only.valid).toBe(false);
    expect(only.anomalyTypes).toEqual(['nil-balance']);
    expect(check(jepsen([[5, null]])).anomalyTypes).toEqual(['nil-balance']);
  });

  it('reads whose balances sum past 2^53−1 are unknown (too large), not rounded into VALID', () => {
    const P52 = 2 ** 52;
    const r = infer(
      jepsen([
        { 0: P52, 1: P52 + 1 },
        { 0: P52, 1: P52 },
      ]),
    );
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/values too large to check exactly/);
    expect(r.anomalyTypes).toEqual([]);
    // Large but safe: checked exactly.
    const half = 2 ** 51;
    const ok = check(
      jepsen([
        [half, half + 1],
        [half, half],
      ]),
      { total: 2 * half + 1, accounts: 2 },
    );
    expect(ok.valid).toBe(false);
    expect(ok.anomalyTypes).toEqual(['wrong-total']);
    expect(ok.badReads.map((b) => b.index)).toEqual([3]);
  });
});

describe('bank workload', () => {
  it('reads its options and checks against accounts × initialBalance', () => {
    const c = bankConfig({ accounts: 4, initialBalance: 25 });
    expect(c).toMatchObject({ accounts: 4, initialBalance: 25, maxTransfer: 5, allowNegative: false });
    const w = bankWorkload({
      concurrency: 2,
      nodes: ['n1', 'n2'],
      rate: 0,
      options: { accounts: 4, initialBalance: 25 },
    });
    expect(w.checkers.map((c) => c.name)).toEqual(['bank', 'convergence']);
    const h = history([{ kind: 'read', outcome: 'ok', value: [25, 25, 25, 25] }]);
    expect(w.checkers[0]!.check(ctx, h, {})).toMatchObject({ valid: true });
    expect(() => bankConfig({ accounts: 1 })).toThrow(/accounts/);
  });

  it('balancesOf accepts arrays and maps of numbers only', () => {
    expect(balancesOf([1, 2])).toEqual([1, 2]);
    expect(balancesOf({ a: 1, b: 2 })).toEqual([1, 2]);
    expect(balancesOf([1, 'x'])).toBeUndefined();
    expect(balancesOf(null)).toBeUndefined();
  });
});
