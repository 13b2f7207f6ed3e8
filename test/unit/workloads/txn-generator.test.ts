import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../../src/core/op.ts';
import { Rng } from '../../../src/core/rng.ts';
import { limit } from '../../../src/generator/combinators.ts';
import { simulate } from '../../../src/generator/simulate.ts';
import {
  initialTxnGenState,
  type MopTuple,
  nextTxn,
  type TxnGenOptions,
  txnGenDefaults,
  txnGenerator,
} from '../../../workloads/txn-generator.ts';

/** `count` txns from a fresh state. */
function txns(o: TxnGenOptions, seed: number, count: number): MopTuple[][] {
  const rng = new Rng(seed);
  let state = initialTxnGenState(o);
  const out: MopTuple[][] = [];
  for (let i = 0; i < count; i++) {
    const r = nextTxn(o, state, rng);
    out.push(r.mops);
    state = r.state;
  }
  return out;
}

const knobs = fc.record({
  writeF: fc.constantFrom<'append' | 'w'>('append', 'w'),
  keyCount: fc.integer({ min: 1, max: 12 }),
  minTxnLength: fc.integer({ min: 1, max: 4 }),
  extraLength: fc.integer({ min: 0, max: 4 }),
  maxWritesPerKey: fc.integer({ min: 1, max: 8 }),
  keyDist: fc.constantFrom<'exponential' | 'uniform'>('exponential', 'uniform'),
  seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
});

function opts(k: {
  writeF: 'append' | 'w';
  keyCount: number;
  minTxnLength: number;
  extraLength: number;
  maxWritesPerKey: number;
  keyDist: 'exponential' | 'uniform';
}): TxnGenOptions {
  return {
    ...txnGenDefaults(k.writeF, k.keyDist),
    keyCount: k.keyCount,
    minTxnLength: k.minTxnLength,
    maxTxnLength: k.minTxnLength + k.extraLength,
    maxWritesPerKey: k.maxWritesPerKey,
  };
}

describe('txn generator (Elle wr-txns)', () => {
  it('lengths within bounds, reads carry null, writes use the workload f', () => {
    fc.assert(
      fc.property(knobs, (k) => {
        const o = opts(k);
        for (const t of txns(o, k.seed, 60)) {
          expect(t.length).toBeGreaterThanOrEqual(o.minTxnLength);
          expect(t.length).toBeLessThanOrEqual(o.maxTxnLength);
          for (const [f, key, v] of t) {
            expect(Number.isInteger(key)).toBe(true);
            if (f === 'r') expect(v).toBeNull();
            else expect(f).toBe(o.writeF);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('values per key are 1, 2, 3… (unique), at most maxWritesPerKey, and a retired key never comes back', () => {
    fc.assert(
      fc.property(knobs, (k) => {
        const o = opts(k);
        const last = new Map<number, number>();
        const retiredBelow = new Set<number>();
        let largestWritten = -1;
        let activeAt = new Set(initialTxnGenState(o).activeKeys);
        const rng = new Rng(k.seed);
        let state = initialTxnGenState(o);
        for (let i = 0; i < 80; i++) {
          const r = nextTxn(o, state, rng);
          for (const [f, key, v] of r.mops) {
            // Every key touched is in the pool after this txn, and was never retired.
            expect(retiredBelow.has(key)).toBe(false);
            if (f === 'r') continue;
            const prev = last.get(key) ?? 0;
            expect(v).toBe(prev + 1);
            expect(v).toBeLessThanOrEqual(o.maxWritesPerKey);
            last.set(key, v as number);
            largestWritten = Math.max(largestWritten, key);
          }
          const now = new Set(r.state.activeKeys);
          expect(now.size).toBe(o.keyCount);
          for (const old of activeAt) if (!now.has(old)) retiredBelow.add(old);
          // A retired key had all its writes.
          for (const gone of retiredBelow) expect(last.get(gone) ?? 0).toBe(o.maxWritesPerKey);
          activeAt = now;
          state = r.state;
        }
        expect(largestWritten).toBeLessThanOrEqual(Math.max(...activeAt));
      }),
      { numRuns: 300 },
    );
  });

  it("follows Elle's defaults and key distributions", () => {
    const d = txnGenDefaults('append');
    expect(d).toMatchObject({ keyCount: 10, minTxnLength: 1, maxTxnLength: 4, maxWritesPerKey: 32 });
    expect(txnGenDefaults('w', 'uniform').keyCount).toBe(3);
    // Exponential: pool slot i+1 about twice as likely as slot i (weights 2, 4, 8 of 14).
    const o: TxnGenOptions = { ...d, keyCount: 3, minTxnLength: 1, maxTxnLength: 1, maxWritesPerKey: 1e9 };
    const counts = [0, 0, 0];
    for (const [t] of txns(o, 7, 20_000)) counts[t![1]]! += 1;
    expect(counts[0]! / 20_000).toBeCloseTo(2 / 14, 1);
    expect(counts[2]! / 20_000).toBeCloseTo(8 / 14, 1);
    expect(counts[1]! / counts[0]!).toBeGreaterThan(1.7);
    expect(counts[1]! / counts[0]!).toBeLessThan(2.3);
  });

  it('is a pure generator: same seed, same txns; ops are {f: txn, value: mops}', () => {
    const o = txnGenDefaults('append');
    const run = (seed: number) =>
      simulate(limit(200, txnGenerator(o)), { concurrency: 5, seed, nemesis: false })
        .filter((x: Op) => x.type === 'invoke')
        .map((x: Op) => [x.f, x.value]);
    const a = run(3);
    expect(a).toHaveLength(200);
    expect(a.every(([f]) => f === 'txn')).toBe(true);
    expect(run(3)).toEqual(a);
    expect(run(4)).not.toEqual(a);
  });

  it('refuses knobs out of range', () => {
    expect(() => txnGenerator({ ...txnGenDefaults('w'), minTxnLength: 5, maxTxnLength: 2 })).toThrow(
      /minTxnLength 5 is above maxTxnLength 2/,
    );
    expect(() => txnGenerator({ ...txnGenDefaults('w'), keyCount: 0 })).toThrow(/keyCount/);
  });
});
