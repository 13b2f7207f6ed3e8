/** Bank histories from other tools (Jepsen's bank test: 8 accounts, total 100, reads as maps). */
import { describe, expect, it } from 'vitest';
import { type BankResult, bankChecker } from '../../../checkers/bank.ts';
import { convergence } from '../../../checkers/convergence.ts';
import type { Op } from '../../../src/core/op.ts';
import { bankWorkload } from '../../../workloads/bank.ts';

const ctx = { test: { name: 't', concurrency: 2, nodes: [] as string[] } };
const map = (xs: number[]) => Object.fromEntries(xs.map((b, i) => [String(i), b]));
const EIGHT = [10, 15, 10, 5, 20, 10, 20, 10];

/** Reads (ok) on process 0 and a transfer between them, Jepsen-style: no :node. */
function jepsenBank(reads: unknown[]): Op[] {
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: h.length, ...o });
  for (const value of reads) {
    push({ type: 'invoke', process: 0, f: 'read', value: null });
    push({ type: 'ok', process: 0, f: 'read', value });
    const t = { from: 4, to: 3, amount: 5 };
    push({ type: 'invoke', process: 1, f: 'transfer', value: t });
    push({ type: 'ok', process: 1, f: 'transfer', value: t });
  }
  return h;
}
const checkWith = (options: Record<string, unknown>, h: Op[]) => {
  const wl = bankWorkload({ concurrency: 2, nodes: [], rate: 0, options });
  const bank = wl.checkers.find((c) => c.name === 'bank')!;
  return bank.check(ctx, h, {}) as BankResult;
};

describe('bank checker on histories from other tools', () => {
  it('infers 8 accounts and a total of 100 from the reads, and says so', () => {
    const r = checkWith({ inferFromHistory: true }, jepsenBank([map(EIGHT), map(EIGHT)]));
    expect(r.valid).toBe(true);
    expect(r.total).toBe(100);
    expect(r.accounts).toBe(8);
    expect(r.inferred?.total).toMatch(/2 of 2 reads/);
    expect(r.inferred?.accounts).toMatch(/2 of 2 reads/);
    expect(r.summary).toMatch(/inferred/);
  });

  it('a read that disagrees with most reads is the bad one', () => {
    const wrong = [...EIGHT];
    wrong[0] = 11;
    const r = checkWith({ inferFromHistory: true }, jepsenBank([map(EIGHT), map(wrong), map(EIGHT)]));
    expect(r.valid).toBe(false);
    expect(r.badCount).toBe(1);
    expect(r.badReads[0]!.problems).toEqual(['sum 101 ≠ 100']);
  });

  it('given options win over inference: total, accounts, negative balances', () => {
    const h = jepsenBank([map(EIGHT)]);
    expect(checkWith({ inferFromHistory: true, total: 99 }, h).valid).toBe(false);
    const acc = checkWith({ inferFromHistory: true, accounts: 5 }, h);
    expect(acc.valid).toBe(false);
    expect(acc.inferred?.total).toBeDefined();
    expect(acc.inferred?.accounts).toBeUndefined();
    const neg = jepsenBank([map([-5, 25, 10, 5, 20, 10, 25, 10])]);
    const negR = checkWith({ inferFromHistory: true }, neg);
    expect(negR.valid).toBe(false);
    expect(negR.badReads[0]!.problems).toEqual(['negative: account 0 is -5']);
    const named = jepsenBank([{ alice: -1, bob: 101 }]);
    expect(checkWith({ inferFromHistory: true }, named).badReads[0]!.problems).toEqual([
      'negative: account alice is -1',
    ]);
    expect(checkWith({ inferFromHistory: true, negativeBalances: true }, neg).valid).toBe(true);
    expect(checkWith({ inferFromHistory: true, negativeBalances: 'true' }, neg).valid).toBe(true);
    expect(() => checkWith({ negativeBalances: 'maybe' }, neg)).toThrow(
      /negativeBalances must be true or false/,
    );
  });

  it("faultline's own runs never infer: the configured total decides", () => {
    // 5 accounts × 20 by default: a history of 8-account reads is wrong for such a run.
    const r = checkWith({}, jepsenBank([map(EIGHT)]));
    expect(r.valid).toBe(false);
    expect(r.inferred).toBeUndefined();
    expect(bankChecker({ total: 100, accounts: 8 }).check(ctx, jepsenBank([map(EIGHT)]), {})).toMatchObject({
      valid: true,
    });
  });

  it('convergence is skipped, not unknown, where there are no per-node final reads', () => {
    const r = convergence.check(ctx, jepsenBank([map(EIGHT)]), {}) as { valid: unknown; skipped?: boolean };
    expect(r.valid).toBe(true);
    expect(r.skipped).toBe(true);
    // With nodes, a single final read stays unknown as before.
    const withNodes = jepsenBank([map(EIGHT)]).map((o) => ({ ...o, node: 'n1' }));
    const u = convergence.check({ test: { ...ctx.test, nodes: ['n1', 'n2'] } }, withNodes, {});
    expect(u).toMatchObject({ valid: 'unknown' });
    expect((u as { skipped?: boolean }).skipped).toBeUndefined();
  });
});
