/**
 * Which workloads and models take a transactional history (workloads/accepts.ts, txn-accepts.ts):
 * Elle's list-append and rw-register by their micro-op names, the one-line refusal naming a malformed
 * micro-op, rw-register's unique-writes rule, and the hints a non-txn model or workload gives.
 */
import { describe, expect, it } from 'vitest';
import { getModel } from '../../../checkers/linearizable/index.ts';
import type { Op } from '../../../src/core/op.ts';
import { parseJepsenEdn } from '../../../src/history/formats/index.ts';
import {
  findOpModelCannotCheck,
  findOpWorkloadCannotCheck,
  fittingChecks,
  suggestedChecks,
} from '../../../workloads/accepts.ts';
import { txnCallProblem, withTxnF } from '../../../workloads/txn-accepts.ts';

/** A history of txns: each [invoke mops, ok mops] on its own process, one after another. */
function txns(...pairs: [unknown[], unknown[], ('ok' | 'fail' | 'info')?][]): Op[] {
  const out: Op[] = [];
  pairs.forEach(([inv, done, type], p) => {
    out.push({ index: out.length, time: out.length, type: 'invoke', process: p, f: 'txn', value: inv });
    out.push({ index: out.length, time: out.length, type: type ?? 'ok', process: p, f: 'txn', value: done });
  });
  return out;
}

const kw = (s: string) => ({ $kw: s });

const APPEND = txns(
  [[['append', 1, 1]], [['append', 1, 1]]],
  [
    [
      ['r', 1, null],
      ['append', 2, 1],
    ],
    [
      ['r', 1, [1]],
      ['append', 2, 1],
    ],
  ],
);
const RW = txns(
  [[[kw('w'), kw('x'), 1]], [[kw('w'), kw('x'), 1]]],
  [[[kw('r'), kw('x'), null]], [[kw('r'), kw('x'), 1]]],
);

describe('txn workloads: chosen by the micro-op names', () => {
  it('append/r fits list-append only; w/r fits rw-register (and bank, multi-register)', () => {
    expect(fittingChecks(APPEND)).toEqual(['--workload list-append']);
    expect(fittingChecks(RW)).toEqual([
      '--workload rw-register',
      '--workload bank',
      '--model multi-register',
    ]);
    expect(findOpWorkloadCannotCheck(APPEND, 'list-append')).toBeUndefined();
    expect(findOpWorkloadCannotCheck(RW, 'rw-register')).toBeUndefined();
  });

  it('keyword and string micro-op names are the same; a read of nil fits both workloads', () => {
    const reads = txns([[[kw('r'), 5, null]], [['r', 5, null]]]);
    expect(fittingChecks(reads).slice(0, 2)).toEqual(['--workload list-append', '--workload rw-register']);
  });

  it('a set history fits no txn workload', () => {
    const set: Op[] = [
      { index: 0, time: 0, type: 'invoke', process: 0, f: 'add', value: 1 },
      { index: 1, time: 1, type: 'ok', process: 0, f: 'add', value: 1 },
    ];
    expect(fittingChecks(set)).not.toContain('--workload list-append');
    expect(findOpWorkloadCannotCheck(set, 'list-append')?.message).toMatch(
      /^op 0 \(add 1\): the list-append workload cannot check it \(its f is add, not txn; it takes txn \[\[:append k v\]/,
    );
  });
});

describe('a malformed micro-op: refused, naming the op and the micro-op', () => {
  const cases: [string, unknown[], RegExp][] = [
    ['list-append', [['append', 1]], /micro-op 1 \["append" 1\] writes no value/],
    ['list-append', [['append', 1, 2, 3]], /micro-op 1 \["append" 1 2 3\] is not \[f k v\]/],
    ['list-append', [['w', 1, 2]], /micro-op 1 \["w" 1 2\]: "w" is not :append or :r/],
    [
      'list-append',
      [
        ['append', 1, 2],
        ['r', 1, 7],
      ],
      /micro-op 2 .*a list-append read returns a list, not 7/,
    ],
    ['list-append', [['append', 1, null]], /micro-op 1 \["append" 1 nil\] writes nil/],
    ['rw-register', [['append', 1, 2]], /"append" is not :w or :r/],
    ['rw-register', [[kw('w'), 1, null]], /micro-op 1 \[:w 1 nil\] writes nil/],
    ['rw-register', [kw('r')], /micro-op 1 :r is not \[f k v\]/],
  ];
  for (const [w, mops, re] of cases)
    it(`${w}: ${JSON.stringify(mops)}`, () => {
      const h = txns([mops, mops]);
      const r = findOpWorkloadCannotCheck(h, w);
      expect(r?.position).toBe(0);
      expect(r?.message).toMatch(new RegExp(`^op 0 \\(txn .*\\): the ${w} workload cannot check it \\(`));
      expect(r?.message).toMatch(re);
      expect(r?.message).not.toContain('\n');
    });

  it('a txn value that is not a list', () => {
    const h = txns([7 as unknown as unknown[], 7 as unknown as unknown[]]);
    expect(txnCallProblem('list-append', { f: 'txn', value: 7, outcome: 'ok' })).toBe(
      'its value 7 is not a list of micro-ops',
    );
    expect(findOpWorkloadCannotCheck(h, 'rw-register')?.message).toMatch(/not a list of micro-ops/);
  });
});

describe('rw-register: each value written once per key (Elle assumes unique writes)', () => {
  it('a second txn writing the same value to a key is refused, naming both ops and a fitting check', () => {
    const h = txns(
      [[['w', 0, 10]], [['w', 0, 10]]],
      [[['w', 1, 10]], [['w', 1, 10]]],
      [[['w', 0, 10]], [['w', 0, 10]], 'fail'],
    );
    const r = findOpWorkloadCannotCheck(h, 'rw-register');
    expect(r?.position).toBe(4);
    expect(r?.message).toBe(
      'op #4: writes 10 to key 0, which op #0 already wrote: values must be unique per key (every version needs one writer); check it with --workload bank or --model multi-register',
    );
    expect(fittingChecks(h)).not.toContain('--workload rw-register');
  });

  it('two keys sharing a value is fine', () => {
    const h = txns([[['w', 0, 1]], [['w', 0, 1]]], [[['w', 1, 1]], [['w', 1, 1]]]);
    expect(findOpWorkloadCannotCheck(h, 'rw-register')).toBeUndefined();
  });

  it('values are compared exactly: 1, "1" and :1 differ, bigints by value', () => {
    const writes = (vs: unknown[]) =>
      txns(...vs.map((v): [unknown[], unknown[]] => [[['w', 0, v]], [['w', 0, v]]]));
    expect(findOpWorkloadCannotCheck(writes([1, '1', kw('1')]), 'rw-register')).toBeUndefined();
    expect(findOpWorkloadCannotCheck(writes([2n ** 64n, 2n ** 64n]), 'rw-register')?.position).toBe(2);
  });

  it('list-append: a value appended twice to a key is refused the same way', () => {
    const h = txns(
      [[['append', 'k', 1]], [['append', 'k', 1]]],
      [[['append', 'k', 1]], [['append', 'k', 1]]],
    );
    expect(findOpWorkloadCannotCheck(h, 'list-append')?.message).toMatch(
      /^op #2: appends 1 to key "k", which op #0 already appended: values must be unique per key .*; no workload or model here takes every op of it$/,
    );
  });

  it('an impossible pairing is not a refusal (the history validator makes it UNKNOWN)', () => {
    const h = txns([[['w', 0, 1]], [['w', 0, 1]]]);
    const orphan: Op = { index: 2, time: 2, type: 'ok', process: 7, f: 'txn', value: [['r', 0, 1]] };
    expect(findOpWorkloadCannotCheck([...h, orphan], 'rw-register')).toBeUndefined();
  });
});

describe('a txn history given to a non-txn model: the hint names the txn workloads', () => {
  it('--model register on list-append txns', () => {
    const m = findOpModelCannotCheck(APPEND, getModel('register'));
    expect(m?.message).toBe(
      'op 0 (txn [["append" 1 1]]): the register model cannot check txn ops (it takes read, write v); check it with --workload list-append',
    );
  });

  it('--model multi-register takes rw txns but not appends', () => {
    expect(findOpModelCannotCheck(RW, getModel('multi-register'))).toBeUndefined();
    expect(findOpModelCannotCheck(APPEND, getModel('multi-register'))?.message).toMatch(
      /the multi-register model cannot check txn ops \(it takes txn \[\[:r k v\] \[:w k v\] …\]\); check it with --workload list-append$/,
    );
  });

  it('a non-txn history keeps the model-only hint', () => {
    const reg: Op[] = [
      { index: 0, time: 0, type: 'invoke', process: 0, f: 'add', value: 1 },
      { index: 1, time: 1, type: 'ok', process: 0, f: 'add', value: 1 },
    ];
    expect(findOpModelCannotCheck(reg, getModel('register'))?.message).toMatch(/check it with --model set/);
  });

  it('with neither flag: the suggestion for an EDN append history', () => {
    const { history } = parseJepsenEdn(
      '{:type :invoke, :f :txn, :value [[:append :x 1]], :process 0}\n{:type :ok, :f :txn, :value [[:append :x 1]], :process 0}\n',
    );
    expect(suggestedChecks(history)).toBe('--workload list-append');
  });
});

describe('ops with no f (Elle reads every client op as a txn)', () => {
  it('are named txn by withTxnF (client ops only; the same array when there is nothing to do)', () => {
    const h: Op[] = [
      { index: 0, time: 0, type: 'invoke', process: 0, f: '', value: [['append', 1, 1]] },
      { index: 1, time: 1, type: 'info', process: 'nemesis', f: '', value: null },
      { index: 2, time: 2, type: 'ok', process: 0, f: '', value: [['append', 1, 1]] },
    ];
    expect(withTxnF(h).map((o) => o.f)).toEqual(['txn', '', 'txn']);
    expect(withTxnF(APPEND)).toBe(APPEND);
    expect(fittingChecks(h)).toEqual(['--workload list-append']);
  });
});
