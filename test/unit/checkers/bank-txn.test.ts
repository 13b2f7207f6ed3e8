/**
 * Jepsen's bank written as txns over one register per account (checkers/bank-txn.ts): transfers are
 * `[[:r a x] [:r b y] [:w a x-n] [:w b y+n]]`, reads of every balance are read-only txns; the bank
 * checker sums the read-only txns' snapshots.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BankResult, bankChecker, bankSumTooLarge } from '../../../checkers/bank.ts';
import { bankOpsOfTxns, isBankTxnValue } from '../../../checkers/bank-txn.ts';
import type { Op } from '../../../src/core/op.ts';
import { parseJepsenEdn } from '../../../src/history/formats/index.ts';

const ctx = { test: { name: 't', concurrency: 2, nodes: [] as string[] } };

/**
 * Two accounts of 10: a transfer of 2 from 0 to 1, then reads. `lost` makes the second read miss the
 * transfer's write to account 1 only (a torn snapshot: 8 + 10 = 18).
 */
function bankTxns(lost: boolean): string {
  return `{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil]], :process 0, :time 10, :index 0}
{:type :ok, :f :txn, :value [[:r 0 10] [:r 1 10]], :process 0, :time 20, :index 1}
{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil] [:w 0 8] [:w 1 12]], :process 1, :time 30, :index 2}
{:type :ok, :f :txn, :value [[:r 0 10] [:r 1 10] [:w 0 8] [:w 1 12]], :process 1, :time 40, :index 3}
{:type :invoke, :f :txn, :value [[:r 1 nil] [:r 0 nil]], :process 0, :time 50, :index 4}
{:type :ok, :f :txn, :value [[:r 1 ${lost ? 10 : 12}] [:r 0 8]], :process 0, :time 60, :index 5}
{:type :invoke, :f :txn, :value [[:r 0 nil]], :process 2, :time 70, :index 6}
{:type :ok, :f :txn, :value [[:r 0 8]], :process 2, :time 80, :index 7}
`;
}

describe('bank as txns: translated one for one', () => {
  it('read-only txns of every account are reads of the first value each showed; writers are transfers', () => {
    const h = bankOpsOfTxns(parseJepsenEdn(bankTxns(false)).history);
    expect(h.map((o) => `${o.index} ${o.type} ${o.f}`)).toEqual([
      '0 invoke read',
      '1 ok read',
      '2 invoke transfer',
      '3 ok transfer',
      '4 invoke read',
      '5 ok read',
      '6 invoke partial-read',
      '7 ok partial-read',
    ]);
    expect(h[0]!.value).toBeNull();
    expect(h[1]!.value).toEqual({ 0: 10, 1: 10 });
    expect(h[3]!.value).toEqual({ 0: 8, 1: 12 });
    expect(h[5]!.value).toEqual({ 0: 8, 1: 12 });
    expect(h[7]!.value).toEqual([[{ $kw: 'r' }, 0, 8]]);
  });

  it('a read of its own write is not the snapshot: the first read of each key is', () => {
    const op: Op = {
      index: 0,
      time: 0,
      type: 'ok',
      process: 0,
      f: 'txn',
      value: [
        ['r', 'a', 5],
        ['r', 'b', 5],
      ],
    };
    const w: Op = {
      ...op,
      index: 1,
      value: [
        ['w', 'a', 6],
        ['r', 'a', 6],
      ],
    };
    expect(bankOpsOfTxns([op, w])[0]!.value).toEqual({ a: 5, b: 5 });
    expect(bankOpsOfTxns([op, w])[1]!.f).toBe('transfer');
  });

  it('takes r/w micro-ops of integers or nil only', () => {
    expect(
      isBankTxnValue([
        ['r', 0, null],
        ['w', 1, 3],
      ]),
    ).toBe(true);
    expect(isBankTxnValue([['append', 0, 1]])).toBe(false);
    expect(isBankTxnValue([['r', 0, 1.5]])).toBe(false);
    expect(isBankTxnValue([['r', 0, 2 ** 60]])).toBe(false);
    expect(isBankTxnValue([['r', 0]])).toBe(false);
  });
});

describe('bank checker on txn-shaped histories', () => {
  it('snapshots that sum to the total: valid', () => {
    const r = bankChecker({ total: 20, accounts: 2 }).check(
      ctx,
      parseJepsenEdn(bankTxns(false)).history,
      {},
    ) as BankResult;
    expect(r.valid).toBe(true);
    expect((r as BankResult).readCount).toBe(2);
  });

  it('a torn snapshot (the read saw one half of a transfer): wrong-total, naming the txn', () => {
    const r = bankChecker({}).check(ctx, parseJepsenEdn(bankTxns(true)).history, {}) as BankResult;
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['wrong-total']);
    expect(r.anomalies['wrong-total']![0]!.ops).toEqual([5]);
    expect(r.anomalies['wrong-total']![0]!.explanation).toMatch(/sum 18 ≠ 20/);
  });

  it('a negative balance in a snapshot: negative-value', () => {
    const h = parseJepsenEdn(`{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil]], :process 0}
{:type :ok, :f :txn, :value [[:r 0 -1] [:r 1 21]], :process 0}
`).history;
    const r = bankChecker({ total: 20 }).check(ctx, h, {}) as BankResult;
    expect(r.anomalyTypes).toEqual(['negative-value']);
  });

  it('sums past 2^53 in a txn snapshot are found as in a read', () => {
    const big = 2 ** 52;
    const h = parseJepsenEdn(`{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil]], :process 0}
{:type :ok, :f :txn, :value [[:r 0 ${big}] [:r 1 ${big + 1}]], :process 0}
`).history;
    expect(bankSumTooLarge(h)).toBe(1);
  });
});

describe('property: a bank history as txns gets the verdict of the same history as Jepsen bank ops', () => {
  /** One op pair per step: a snapshot (balances of every account) or a transfer (balances written). */
  const step = (accounts: number) =>
    fc.record({
      read: fc.boolean(),
      process: fc.integer({ min: 0, max: 3 }),
      balances: fc.array(fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constant(null)), {
        minLength: accounts,
        maxLength: accounts,
      }),
      ok: fc.boolean(),
    });

  it('valid, anomaly types and the ops they name agree (bank checker, inferred and given totals)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 4 })
          .chain((n) => fc.tuple(fc.constant(n), fc.array(step(n), { maxLength: 12 }))),
        fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
        ([, steps], total) => {
          const asTxns: Op[] = [];
          const asBank: Op[] = [];
          const push = (h: Op[], o: Omit<Op, 'index' | 'time'>) =>
            h.push({ index: h.length, time: h.length, ...o });
          for (const s of steps) {
            const type = s.ok ? 'ok' : 'info';
            if (s.read) {
              const mops = (vs: (number | null)[] | null) =>
                vs?.map((v, k) => ['r', k, v]) ?? s.balances.map((_, k) => ['r', k, null]);
              push(asTxns, { type: 'invoke', process: s.process, f: 'txn', value: mops(null) });
              push(asTxns, {
                type,
                process: s.process,
                f: 'txn',
                value: s.ok ? mops(s.balances) : mops(null),
              });
              push(asBank, { type: 'invoke', process: s.process, f: 'read', value: null });
              const map = Object.fromEntries(s.balances.map((b, k) => [String(k), b]));
              push(asBank, { type, process: s.process, f: 'read', value: s.ok ? map : null });
            } else {
              const w = s.balances.map((b, k) => ['w', k, b ?? 0]);
              const t = { from: 0, to: 1, amount: 1 };
              push(asTxns, { type: 'invoke', process: s.process, f: 'txn', value: w });
              push(asTxns, { type, process: s.process, f: 'txn', value: w });
              push(asBank, { type: 'invoke', process: s.process, f: 'transfer', value: t });
              push(asBank, { type, process: s.process, f: 'transfer', value: t });
            }
          }
          const opts = total === undefined ? {} : { total };
          const a = bankChecker(opts).check(ctx, asTxns, {}) as BankResult;
          const b = bankChecker(opts).check(ctx, asBank, {}) as BankResult;
          expect(a.valid).toBe(b.valid);
          expect(a.anomalyTypes).toEqual(b.anomalyTypes);
          expect(a.anomalies).toEqual(b.anomalies);
        },
      ),
      { numRuns: 500 },
    );
  });
});
