import { describe, expect, it } from 'vitest';
import { Interner, PairTable, ValueIds } from '../../../../checkers/elle/intern.ts';
import { findMalformedTxn, mopF, txnColumns, txnsOf } from '../../../../checkers/elle/txns.ts';
import { UserError } from '../../../../src/core/errors.ts';
import type { Op } from '../../../../src/core/op.ts';
import { keyword } from '../../../../src/history/values.ts';
import { txnHistory } from './infer-helpers.ts';

const op = (index: number, type: Op['type'], process: Op['process'], f: string, value: unknown): Op => ({
  index,
  time: index * 10,
  type,
  process,
  f,
  value,
});

describe('txnsOf', () => {
  it('pairs invokes with completions per process, ids in invoke order, skipping nemesis and non-txn ops', () => {
    const h: Op[] = [
      op(0, 'invoke', 1, 'txn', [['append', 'x', 1]]),
      op(1, 'invoke', 'nemesis', 'start-partition', null),
      op(2, 'invoke', 2, 'txn', [[keyword('r'), 'x', null]]),
      op(3, 'invoke', 3, 'read', null),
      op(4, 'ok', 2, 'txn', [[keyword('r'), 'x', [1]]]),
      op(5, 'ok', 3, 'read', 5),
      op(6, 'fail', 1, 'txn', [['append', 'x', 1]]),
      op(7, 'invoke', 4, 'txn', [
        [':w', 'y', 2],
        ['r', 'y'],
      ]),
    ];
    const ts = txnsOf(h);
    expect(ts.map((t) => [t.id, t.process, t.type, t.invokeIndex, t.completeIndex])).toEqual([
      [0, 1, 'fail', 0, 6],
      [1, 2, 'ok', 2, 4],
      [2, 4, 'info', 7, undefined],
    ]);
    expect(ts[1]!.mops).toEqual([{ f: 'r', key: 'x', value: [1] }]);
    expect(ts[1]!.invokeTimeNs).toBe(20);
    expect(ts[1]!.completeTimeNs).toBe(40);
    expect(ts[2]!.mops).toEqual([
      { f: 'w', key: 'y', value: 2 },
      { f: 'r', key: 'y', value: null },
    ]);
  });

  it('fail and info txns keep the invoke micro-ops with reads unknown', () => {
    const h: Op[] = [
      op(0, 'invoke', 0, 'txn', [['r', 'x', null]]),
      op(1, 'info', 0, 'txn', [['r', 'x', [1]]]),
    ];
    expect(txnsOf(h)[0]!.mops).toEqual([{ f: 'r', key: 'x', value: null }]);
  });

  it('normalises f from strings and keywords', () => {
    expect(
      ['append', ':append', keyword('append'), 'r', keyword('w'), 'cas', keyword('x'), 3].map(mopF),
    ).toEqual(['append', 'append', 'append', 'r', 'w', undefined, undefined, undefined]);
  });

  it('throws a one-line UserError on a txn value it cannot read', () => {
    const h: Op[] = [op(0, 'invoke', 0, 'txn', [['cas', 'x', [1, 2]]])];
    expect(() => txnsOf(h)).toThrow(UserError);
    expect(() => txnsOf(h)).toThrow(/^op #0: txn invoke: micro-op 1 .* has f "cas", not :append, :r or :w$/);
    expect(() => txnsOf([op(3, 'ok', 0, 'txn', [])])).toThrow(
      /op #3: ok txn from process 0 has no open invoke/,
    );
  });
});

describe('findMalformedTxn', () => {
  const la = (h: Op[]) => findMalformedTxn(h, 'list-append');
  it('accepts well-formed histories of either workload', () => {
    expect(la(txnHistory([{ mops: [['append', 1, 1]] }, { mops: [['r', 1, [1]]] }]))).toBeUndefined();
    expect(
      findMalformedTxn(txnHistory([{ mops: [['w', 1, 1]] }, { mops: [['r', 1, 1]] }]), 'rw-register'),
    ).toBeUndefined();
  });

  it("refuses, naming the op: non-lists, unknown f, the other workload's f", () => {
    expect(la([op(0, 'invoke', 0, 'txn', 5)])).toEqual({
      position: 0,
      message: 'op #0: invoke txn: its value 5 is not a list of [f k v] micro-ops',
    });
    expect(la([op(0, 'invoke', 0, 'txn', [['inc', 1, 1]])])?.message).toMatch(
      /^op #0: .*"inc", not :append, :r or :w$/,
    );
    expect(la([op(0, 'invoke', 0, 'txn', [[1, 2, 3, 4]])])?.message).toMatch(/is not \[f k v\]/);
    expect(la(txnHistory([{ mops: [['w', 1, 1]] }]))?.message).toBe(
      'op #0: micro-op 1 is [:w 1 1], but list-append txns have only :append and :r (use --workload rw-register)',
    );
    expect(findMalformedTxn(txnHistory([{ mops: [['append', 1, 1]] }]), 'rw-register')?.message).toMatch(
      /rw-register txns have only :w and :r \(use --workload list-append\)/,
    );
  });

  it('refuses a list-append read that did not return a list, and accepts nil', () => {
    const bad = la(txnHistory([{ mops: [['append', 1, 1]] }, { mops: [['r', 1, 1]] }]));
    expect(bad).toMatchObject({ position: 3 });
    expect(bad?.message).toMatch(/^op #3: micro-op 1 reads key 1 = 1, not a list/);
    expect(la(txnHistory([{ mops: [['r', 1, null]] }]))).toBeUndefined();
  });

  it('refuses a value appended twice to one key, and completions that do not match their invoke', () => {
    const dup = la(
      txnHistory([{ mops: [['append', 'k', 1]] }, { mops: [['append', 'k', 1]], type: 'fail' }]),
    );
    expect(dup?.message).toBe(
      'op #2: appends 1 to key "k", which op #0 already appended: values must be unique per key (every version needs one writer)',
    );
    expect(la(txnHistory([{ mops: [['append', 'k', 1]] }, { mops: [['append', 'j', 1]] }]))).toBeUndefined();
    const h: Op[] = [op(0, 'invoke', 0, 'txn', [['r', 'x', null]]), op(1, 'ok', 0, 'txn', [['r', 'y', [1]]])];
    expect(la(h)?.message).toMatch(
      /^op #1: micro-op 1 is \[:r "y" \[1\]\] but the invoke #0 had \[:r "x" nil\]/,
    );
    const h2: Op[] = [op(0, 'invoke', 0, 'txn', [['r', 'x', null]]), op(1, 'ok', 0, 'txn', [])];
    expect(la(h2)?.message).toMatch(/ok txn has 0 micro-ops but its invoke #0 has 1/);
  });

  it('refuses a nil write or append (nil is the initial state)', () => {
    expect(findMalformedTxn(txnHistory([{ mops: [['w', 'x', null]] }]), 'rw-register')?.message).toBe(
      'op #0: writes nil to key "x": nil is every key\'s initial state, so a written value must be something else',
    );
    expect(la(txnHistory([{ mops: [['append', 'x', null]] }]))?.message).toMatch(
      /^op #0: appends nil to key "x"/,
    );
  });

  it('ignores what a fail or info completion carries (the invoke says what was tried)', () => {
    const h: Op[] = [op(0, 'invoke', 0, 'txn', [['append', 'x', 1]]), op(1, 'info', 0, 'txn', 'timeout')];
    expect(la(h)).toBeUndefined();
    expect(txnsOf(h)[0]).toMatchObject({ type: 'info', mops: [{ f: 'append', key: 'x', value: 1 }] });
  });

  it('reads keyword functions and keys as Elle EDN histories have them', () => {
    const h: Op[] = [
      op(0, 'invoke', 0, 'txn', [
        [keyword('append'), keyword('x'), 1],
        [keyword('r'), keyword('x'), null],
      ]),
      op(1, 'ok', 0, 'txn', [
        [keyword('append'), keyword('x'), 1],
        [keyword('r'), keyword('x'), [1]],
      ]),
    ];
    expect(la(h)).toBeUndefined();
    expect(txnsOf(h)[0]!.mops).toEqual([
      { f: 'append', key: keyword('x'), value: 1 },
      { f: 'r', key: keyword('x'), value: [1] },
    ]);
  });

  it('refuses orphan completions and double invokes', () => {
    expect(la([op(0, 'ok', 0, 'txn', [])])?.message).toMatch(
      /^op #0: ok txn from process 0 has no open invoke/,
    );
    expect(la([op(0, 'invoke', 0, 'txn', []), op(1, 'invoke', 0, 'txn', [])])?.message).toMatch(
      /^op #1: process 0 invokes a txn while its txn #0 is still open/,
    );
  });
});

describe("unpaired: 'skip' (what pairs, as src/history/pairs.ts pairs ops)", () => {
  const h: Op[] = [
    op(0, 'ok', 7, 'txn', [['append', 'x', 9]]),
    op(1, 'invoke', 0, 'txn', [['append', 'x', 1]]),
    op(2, 'invoke', 0, 'txn', [['append', 'x', 2]]),
    op(3, 'ok', 0, 'txn', [['append', 'x', 2]]),
    op(4, 'invoke', 1, 'txn', [['r', 'x', null]]),
    op(5, 'ok', 1, 'txn', [['r', 'x', [1, 2]]]),
  ];
  it('refused by default, accepted when skipping', () => {
    expect(findMalformedTxn(h, 'list-append')?.message).toMatch(
      /^op #0: ok txn from process 7 has no open invoke/,
    );
    expect(() => txnsOf(h)).toThrow(/^op #0: ok txn from process 7 has no open invoke/);
    expect(findMalformedTxn(h, 'list-append', { unpaired: 'skip' })).toBeUndefined();
  });
  it('an orphan completion is left out; a second invoke leaves the first open (info, no completion)', () => {
    const ts = txnsOf(h, { unpaired: 'skip' });
    expect(ts.map((t) => [t.id, t.process, t.type, t.invokeIndex, t.completeIndex])).toEqual([
      [0, 0, 'info', 1, undefined],
      [1, 0, 'ok', 2, 3],
      [2, 1, 'ok', 4, 5],
    ]);
    expect(ts[0]!.mops).toEqual([{ f: 'append', key: 'x', value: 1 }]);
  });
  it('still refuses what the inference cannot interpret among the ops that pair', () => {
    const twice = [...h, op(6, 'invoke', 2, 'txn', [['append', 'x', 1]])];
    expect(findMalformedTxn(twice, 'list-append', { unpaired: 'skip' })?.message).toMatch(
      /^op #6: appends 1 to key "x", which op #1 already appended/,
    );
  });
  it('a completion after a double invoke is not refused as unlike "its" invoke: the pairing itself is impossible (the validator says so)', () => {
    // Process 0 invokes A then B and completes A then B: A's completion meets B's invoke.
    const two: Op[] = [
      op(0, 'invoke', 0, 'txn', [
        ['r', 'x', null],
        ['append', 'y', 1],
      ]),
      op(1, 'invoke', 0, 'txn', [
        ['r', 'y', null],
        ['append', 'x', 1],
      ]),
      op(2, 'ok', 0, 'txn', [
        ['r', 'x', []],
        ['append', 'y', 1],
      ]),
      op(3, 'ok', 0, 'txn', [
        ['r', 'y', []],
        ['append', 'x', 1],
      ]),
    ];
    expect(findMalformedTxn(two, 'list-append')?.message).toMatch(
      /invokes a txn while its txn #0 is still open/,
    );
    expect(findMalformedTxn(two, 'list-append', { unpaired: 'skip' })).toBeUndefined();
  });
});

describe('findMalformedTxn: reads and writes an ok txn cannot carry', () => {
  it('an ok read with no value ([:r :x]) is refused, not read as empty', () => {
    const h: Op[] = [op(0, 'invoke', 0, 'txn', [['r', 'x', null]]), op(1, 'ok', 0, 'txn', [['r', 'x']])];
    expect(findMalformedTxn(h, 'list-append')?.message).toBe(
      'op #1: micro-op 1 reads key "x" but gives no value: an ok txn\'s reads carry what they read (nil or [] for nothing)',
    );
    // An invoke's read may omit it (Elle's [:r k]).
    expect(
      findMalformedTxn([h[0]!, op(1, 'ok', 0, 'txn', [['r', 'x', null]])], 'list-append'),
    ).toBeUndefined();
  });
  it('one value written twice by one txn is named as such, not as written "already" by itself', () => {
    const h: Op[] = [
      op(0, 'invoke', 0, 'txn', [
        ['w', 'x', 1],
        ['w', 'x', 1],
      ]),
    ];
    expect(findMalformedTxn(h, 'rw-register')?.message).toMatch(
      /^op #0: writes 1 to key "x" twice in one txn/,
    );
  });
});

describe('validation once', () => {
  /** The history behind a proxy counting reads of its ops. */
  const counted = (h: Op[]) => {
    const reads = { n: 0 };
    const proxy = new Proxy(h, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) reads.n++;
        return Reflect.get(target, prop, receiver);
      },
    });
    return { proxy, reads };
  };
  const h = txnHistory([{ mops: [['append', 1, 1]] }, { mops: [['r', 1, [1]]] }]);

  it('a history findMalformedTxn passed is not read again by it', () => {
    const { proxy, reads } = counted(h.slice());
    expect(findMalformedTxn(proxy, 'list-append', { unpaired: 'skip' })).toBeUndefined();
    const first = reads.n;
    expect(first).toBeGreaterThan(0);
    expect(findMalformedTxn(proxy, 'list-append', { unpaired: 'skip' })).toBeUndefined();
    expect(reads.n).toBe(first);
    // Another workload is validated on its own.
    expect(findMalformedTxn(proxy, 'rw-register')).toBeDefined();
  });

  it('a history that failed is checked again (and refused again)', () => {
    const bad = [...h, op(9, 'ok', 77, 'txn', [])];
    const { proxy, reads } = counted(bad);
    expect(findMalformedTxn(proxy, 'list-append')).toBeDefined();
    const first = reads.n;
    expect(findMalformedTxn(proxy, 'list-append')?.message).toMatch(/no open invoke/);
    expect(reads.n).toBeGreaterThan(first);
  });

  it('passing with strict pairing also passes what pairs; not the other way round', () => {
    const strict = h.slice();
    expect(findMalformedTxn(strict, 'list-append')).toBeUndefined();
    const { proxy, reads } = counted(strict);
    // The proxy is another array: nothing remembered for it.
    expect(findMalformedTxn(proxy, 'list-append', { unpaired: 'skip' })).toBeUndefined();
    expect(reads.n).toBeGreaterThan(0);
    const orphan = [op(0, 'ok', 5, 'txn', []), ...h.map((o) => ({ ...o, index: o.index + 1 }))];
    expect(findMalformedTxn(orphan, 'list-append', { unpaired: 'skip' })).toBeUndefined();
    expect(findMalformedTxn(orphan, 'list-append')?.message).toMatch(/no open invoke/);
  });
});

describe('txnColumns', () => {
  it("txnsOf's columns equal those made from the same txns as plain objects", () => {
    const h = txnHistory([
      {
        mops: [
          ['append', 1, 1],
          ['r', 1, [1]],
        ],
      },
      { mops: [['r', 1, [1]]], type: 'fail' },
      { mops: [['append', 2, 3]], type: 'info' },
    ]);
    const ts = txnsOf(h);
    const plain = ts.map((t) => ({ ...(t as unknown as { toJSON(): object }).toJSON() })) as typeof ts;
    const a = txnColumns(ts);
    const b = txnColumns(plain);
    expect(b).not.toBe(a);
    for (const k of [
      'type',
      'process',
      'invokeIndex',
      'completeIndex',
      'invokeTimeNs',
      'completeTimeNs',
    ] as const)
      expect([...b[k]]).toEqual([...a[k]]);
    // Raw lists: the history's own for txnsOf, normalised for plain txns; the same micro-ops either way.
    expect(b.raw.map((r) => r.map((m) => [mopF(m[0]), m[1], m[2] ?? null]))).toEqual(
      ts.map((t) => t.mops.map((m) => [m.f, m.key, m.f === 'r' && t.type !== 'ok' ? null : m.value])),
    );
    expect(ts[1]!.mops).toEqual([{ f: 'r', key: 1, value: null }]);
  });
});

describe('interning (intern.ts)', () => {
  it('ids are exact: 1, "1", 1n, 1.5, -1, 2^30 and keywords are told apart; equal keywords share an id', () => {
    const ids = new ValueIds();
    const vs = [1, '1', 1n, 1.5, -1, 2 ** 30, 2 ** 53 + 2, null, keyword('a'), 'a', { $kw: 'b' }];
    const got = vs.map((v) => ids.id(v));
    expect(new Set(got).size).toBe(vs.length);
    expect(ids.id({ $kw: 'a' })).toBe(got[8]);
    expect(ids.id(undefined)).toBe(got[7]);
    expect(ids.get(keyword('zz'))).toBe(-1);
    expect(ids.get(7)).toBe(14);
    const keys = new Interner();
    expect([keys.id(1), keys.id('1'), keys.id(1), keys.id(keyword('x')), keys.id({ $kw: 'x' })]).toEqual([
      0, 1, 0, 2, 2,
    ]);
    expect(keys.get(2n)).toBe(-1);
  });

  it('PairTable keeps every pair through growth', () => {
    const t = new PairTable(4);
    for (let a = 0; a < 300; a++) for (let b = 0; b < 40; b += 3) t.set(a, b, a * 100 + b);
    expect(t.size).toBe(300 * 14);
    for (let a = 0; a < 300; a++)
      for (let b = 0; b < 40; b++) expect(t.get(a, b)).toBe(b % 3 === 0 ? a * 100 + b : -1);
    t.set(5, 3, 1);
    expect(t.get(5, 3)).toBe(1);
    expect(t.size).toBe(300 * 14);
  });
});
