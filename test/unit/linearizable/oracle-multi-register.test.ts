import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkLinearizableSync,
  findUninterpretableOp,
  getModel,
  ModelMismatchError,
  multiRegisterModel,
} from '../../../checkers/linearizable/index.ts';
import type { Op, OpType } from '../../../src/core/op.ts';
import { parseJepsenEdn } from '../../../src/history/formats/index.ts';
import { keyword } from '../../../src/history/values.ts';
import { intervals } from './oracle.ts';

/** 2^53 + 1: equal to BIG - 1n only if something rounds. */
const BIG = 9007199254740993n;
const r = keyword('r');
const w = keyword('w');

const hist = (text: string): Op[] => parseJepsenEdn(text).history;

describe('multi-register model (Knossos knossos.model/multi-register)', () => {
  it('txns of reads and writes over several registers; reads see earlier writes in the same txn', () => {
    const ok = hist(`{:process 0 :type :invoke :f :txn :value [[:w :x 1] [:w :y 2]]}
{:process 0 :type :ok :f :txn :value [[:w :x 1] [:w :y 2]]}
{:process 1 :type :invoke :f :txn :value [[:r :x nil] [:w :x 3] [:r :x nil] [:r :y nil]]}
{:process 1 :type :ok :f :txn :value [[:r :x 1] [:w :x 3] [:r :x 3] [:r :y 2]]}`);
    expect(checkLinearizableSync(ok, 'multi-register').valid).toBe(true);
    const bad = ok.map((o) =>
      o.index === 3
        ? {
            ...o,
            value: [
              [r, keyword('x'), 1],
              [r, keyword('y'), 1],
            ],
          }
        : o,
    );
    const res = checkLinearizableSync(bad, 'multi-register');
    expect(res.valid).toBe(false);
    expect(res.summary).toContain('txn');
  });

  it('an unread register is nil; a nil read is unknown and always legal (as in Knossos)', () => {
    const m = multiRegisterModel();
    expect(m.step(m.init(), { f: 'txn', value: [[r, 'x', null]], outcome: 'ok' })).toEqual({});
    expect(m.step({}, { f: 'txn', value: [[r, 'x', 1]], outcome: 'ok' })).toHaveProperty('reason');
    // a crashed txn's read learned nothing, so it cannot be illegal
    expect(m.step({}, { f: 'txn', value: [[r, 'x', 1]], outcome: 'info' })).toEqual({});
  });

  it('keys and values are exact: 2^53+1 is not 2^53, :x is not "x"; :read/:write are accepted too', () => {
    const m = multiRegisterModel();
    const s = m.step({}, { f: 'txn', value: [[w, keyword('x'), BIG]], outcome: 'ok' });
    expect(m.step(s, { f: 'txn', value: [[r, keyword('x'), BIG - 1n]], outcome: 'ok' })).toHaveProperty(
      'reason',
    );
    expect(m.step(s, { f: 'txn', value: [[r, keyword('x'), BIG]], outcome: 'ok' })).toBe(s);
    expect(m.step(s, { f: 'txn', value: [['read', keyword('x'), BIG]], outcome: 'ok' })).toBe(s);
    // the string "x" names another register, still nil
    expect(m.step(s, { f: 'txn', value: [['read', 'x', BIG]], outcome: 'ok' })).toHaveProperty('reason');
    expect(m.accepts!({ f: 'txn', value: [['write', 'x', 5]], outcome: 'ok' })).toBe(true);
  });

  it('accepts only txn ops of [f k v] micro-ops with f in r/w', () => {
    const m = multiRegisterModel();
    expect(m.accepts!({ f: 'read', value: null, outcome: 'ok' })).toBe(false);
    expect(m.accepts!({ f: 'txn', value: [[keyword('append'), 'x', 1]], outcome: 'ok' })).toBe(false);
    expect(m.accepts!({ f: 'txn', value: [[r, 'x']], outcome: 'ok' })).toBe(false);
    expect(m.accepts!({ f: 'txn', value: 3, outcome: 'ok' })).toBe(false);
  });
});

describe('a model refuses ops it cannot interpret', () => {
  const txn = hist(`{:type :invoke, :f :txn, :value [[:w :x 1]], :process 0}
{:type :ok, :f :txn, :value [[:w :x 1]], :process 0}`);

  it('txn ops on register, cas-register and kv: a ModelMismatchError naming the op and multi-register', () => {
    for (const name of ['register', 'cas-register', 'kv', 'etcd', 'set']) {
      const e = findUninterpretableOp(txn, getModel(name));
      expect(e).toBeInstanceOf(ModelMismatchError);
      expect(e!.message).toMatch(
        new RegExp(`^op 0 \\(txn \\[\\[:w :x 1\\]\\]\\): the ${name} model cannot check txn ops`),
      );
      expect(e!.message).toContain('--model multi-register');
      expect(e!.message).not.toContain('\n');
      expect(() => checkLinearizableSync(txn, name)).toThrow(ModelMismatchError);
    }
    expect(findUninterpretableOp(txn, getModel('multi-register'))).toBeUndefined();
  });

  it('register ops on multi-register; cas on register; a kv op that is not a [k v] pair', () => {
    const reg = hist(
      `{:type :invoke, :f :cas, :value [1 2], :process 0}\n{:type :ok, :f :cas, :value [1 2], :process 0}`,
    );
    expect(findUninterpretableOp(reg, getModel('register'))?.message).toMatch(/--model cas-register/);
    expect(findUninterpretableOp(reg, getModel('multi-register'))?.message).toMatch(/cannot check cas ops/);
    expect(findUninterpretableOp(reg, getModel('kv'))).toBeInstanceOf(ModelMismatchError);
    const kv = hist(`{:type :invoke, :f :write, :value [:k 1], :process 0}`);
    expect(findUninterpretableOp(kv, getModel('kv'))).toBeUndefined();
  });
});

/**
 * Brute force, written apart from the model: every subset of crashed txns, every real-time-respecting
 * order, micro-ops applied to a Map keyed by register name.
 */
interface Txn {
  micro: [string, string, number | bigint | null][];
  call: number;
  ret: number;
  crashed: boolean;
}

function bruteForce(history: readonly Op[]): boolean {
  const micro = (v: unknown) =>
    (v as [{ $kw: string }, string, number | bigint | null][]).map(
      ([f, k, x]) => [f.$kw, k, x] as Txn['micro'][0],
    );
  const txns: Txn[] = intervals(history).map((iv) => ({
    micro: micro(iv.value),
    call: iv.call,
    ret: iv.ret,
    crashed: iv.crashed,
  }));
  const apply = (s: Map<string, unknown>, t: Txn): Map<string, unknown> | undefined => {
    const n = new Map(s);
    for (const [f, k, x] of t.micro) {
      if (f === 'w') n.set(k, x);
      else if (!t.crashed && x !== null && (n.get(k) ?? null) !== x) return undefined;
    }
    return n;
  };
  const crashed = txns.map((t, i) => (t.crashed ? i : -1)).filter((i) => i >= 0);
  for (let mask = 0; mask < 1 << crashed.length; mask++) {
    const ops = txns.filter((t, i) => !t.crashed || (mask >> crashed.indexOf(i)) & 1);
    const used = ops.map(() => false);
    const go = (s: Map<string, unknown>, placed: number): boolean => {
      if (placed === ops.length) return true;
      for (let i = 0; i < ops.length; i++) {
        if (used[i] || ops.some((o, j) => !used[j] && j !== i && o.ret < ops[i]!.call)) continue;
        const n = apply(s, ops[i]!);
        if (!n) continue;
        used[i] = true;
        if (go(n, placed + 1)) return true;
        used[i] = false;
      }
      return false;
    };
    if (go(new Map(), 0)) return true;
  }
  return false;
}

const VALUES = [0, 1, BIG, BIG - 1n];
const action = fc.record({
  thread: fc.nat(2),
  micro: fc.array(fc.record({ f: fc.constantFrom('r', 'w'), k: fc.constantFrom('x', 'y'), v: fc.nat(3) }), {
    minLength: 1,
    maxLength: 3,
  }),
  outcome: fc.constantFrom<OpType>('ok', 'ok', 'ok', 'fail', 'info'),
  reads: fc.array(fc.constantFrom<number | null>(0, 1, 2, 3, 0, 1, 2, 3, null), {
    minLength: 3,
    maxLength: 3,
  }),
});

function build(actions: (typeof action extends fc.Arbitrary<infer T> ? T : never)[]): Op[] {
  const history: Op[] = [];
  const procOf = [0, 1, 2];
  const open = new Map<number, { op: Op; micro: { f: string; k: string; v: number }[] }>();
  let count = 0;
  const push = (o: Omit<Op, 'index' | 'time'>) =>
    history.push({ ...o, index: history.length, time: history.length });
  for (const a of actions) {
    const p = procOf[a.thread]!;
    const inv = open.get(a.thread);
    if (!inv) {
      if (count++ >= 7) continue;
      const value = a.micro.map((m) => [keyword(m.f), m.k, m.f === 'w' ? VALUES[m.v]! : null]);
      const op: Op = { index: 0, time: 0, type: 'invoke', process: p, f: 'txn', value };
      push(op);
      open.set(a.thread, { op, micro: a.micro });
      continue;
    }
    open.delete(a.thread);
    const value =
      a.outcome === 'ok'
        ? inv.micro.map((m, i) => [
            keyword(m.f),
            m.k,
            m.f === 'w' ? VALUES[m.v]! : a.reads[i] === null ? null : VALUES[a.reads[i]!]!,
          ])
        : inv.op.value;
    push({ type: a.outcome, process: p, f: 'txn', value });
    if (a.outcome === 'info') procOf[a.thread] = p + 3;
  }
  return history;
}

describe('multi-register search agrees with a brute-force oracle', () => {
  it('3,000 random txn histories (values include 2^53+1 and 2^53)', () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(fc.array(action, { minLength: 4, maxLength: 18, size: 'max' }), (actions) => {
        const h = build(actions);
        const expected = bruteForce(h);
        expect(checkLinearizableSync(h, 'multi-register', { minimize: false }).valid).toBe(expected);
        if (expected) valid++;
        else invalid++;
      }),
      { numRuns: 3000 },
    );
    // both verdicts must be well represented, or the property proves little
    expect(valid).toBeGreaterThan(300);
    expect(invalid).toBeGreaterThan(300);
  });
});
