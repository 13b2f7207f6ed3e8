import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { edgeTriples } from '../../../../checkers/elle/edges.ts';
import { inferListAppend } from '../../../../checkers/elle/list-append.ts';
import { findMalformedTxn, txnsOf } from '../../../../checkers/elle/txns.ts';
import { keyword } from '../../../../src/history/values.ts';
import { edgeSet, serialRun, type T, txnHistory } from './infer-helpers.ts';

const infer = (ts: T[], overlap = false) =>
  inferListAppend(txnsOf(txnHistory(ts, overlap)), { workload: 'list-append' });
const types = (ts: T[], overlap = false) => Object.keys(infer(ts, overlap).anomalies).sort();
const name = (t: { id: number }) => `T${t.id}`;

describe('list-append inference', () => {
  it('a serial history: ww and wr edges, no anomalies', () => {
    const r = infer([
      { mops: [['append', 'x', 1]] },
      {
        mops: [
          ['r', 'x', [1]],
          ['append', 'x', 2],
        ],
      },
      { mops: [['r', 'x', [1, 2]]] },
    ]);
    expect(r.anomalies).toEqual({});
    expect(edgeSet(r.edges)).toEqual(['0->1:ww+wr', '1->2:wr']);
    expect(r.explain(r.txns[0]!, r.txns[1]!, 'ww', name)?.text).toBe(
      'T0\'s append of 1 to key "x" came before T1\'s append of 2',
    );
    expect(r.explain(r.txns[1]!, r.txns[2]!, 'wr', name)?.text).toBe('T2 read T1\'s append of 2 to key "x"');
    expect(r.explain(r.txns[1]!, r.txns[2]!, 'ww', name)).toBeUndefined();
  });

  it('rw edges: a read of the state before an append; nil reads the empty list', () => {
    const r = infer(
      [
        { mops: [['r', 7, null]] },
        { mops: [['r', 7, [1]]] },
        { mops: [['append', 7, 1]] },
        { mops: [['append', 7, 2]] },
        { mops: [['r', 7, [1, 2]]] },
      ],
      true,
    );
    expect(r.anomalies).toEqual({});
    expect(edgeSet(r.edges)).toEqual(['0->2:rw', '1->3:rw', '2->1:wr', '2->3:ww', '3->4:wr']);
    const rw = r.explain(r.txns[1]!, r.txns[3]!, 'rw', name);
    expect(rw).toMatchObject({ kind: 'rw', key: 7, value: 2, otherValue: [1] });
    expect(rw?.text).toBe("T1 read key 7 = [1] without T3's append of 2, which came next");
    expect(r.explain(r.txns[0]!, r.txns[2]!, 'rw', name)?.text).toBe(
      "T0 read key 7 = [] without T2's append of 1, which came next",
    );
  });

  it('unobserved appends follow the last observed element and are not ordered among themselves', () => {
    const r = infer([
      { mops: [['append', 'x', 1]] },
      { mops: [['r', 'x', [1]]] },
      { mops: [['append', 'x', 2]] },
      { mops: [['append', 'x', 3]] },
    ]);
    expect(edgeSet(r.edges)).toEqual(['0->1:wr', '0->2:ww', '0->3:ww', '1->2:rw', '1->3:rw']);
    expect(r.explain(r.txns[1]!, r.txns[3]!, 'rw', name)?.text).toBe(
      'T1 read key "x" = [1] without T3\'s append of 3, which came later',
    );
  });

  it('G1a: an ok read of a failed append; failed txns source no edges', () => {
    const r = infer([{ mops: [['append', 'x', 1]], type: 'fail' }, { mops: [['r', 'x', [1]]] }]);
    expect(Object.keys(r.anomalies)).toEqual(['G1a']);
    expect(r.anomalies.G1a![0]).toMatchObject({ ops: [3, 1], data: { key: 'x', element: 1 } });
    expect(r.anomalies.G1a![0]!.explanation).toContain('#3 read key "x" = [1]');
    expect(r.anomalies.G1a![0]!.explanation).toContain('appended by #1, which failed');
    expect(edgeSet(r.edges)).toEqual([]);
  });

  it('info txns may have committed: their observed appends are wr sources', () => {
    const r = infer([{ mops: [['append', 'x', 1]], type: 'info' }, { mops: [['r', 'x', [1]]] }]);
    expect(r.anomalies).toEqual({});
    expect(edgeSet(r.edges)).toEqual(['0->1:wr']);
  });

  it('G1b: reading a non-final append of another txn; reading your own is fine', () => {
    expect(
      types([
        {
          mops: [
            ['append', 'x', 1],
            ['append', 'x', 2],
          ],
        },
        { mops: [['r', 'x', [1]]] },
      ]),
    ).toEqual(['G1b']);
    const r = infer([
      {
        mops: [
          ['append', 'x', 1],
          ['append', 'x', 2],
        ],
      },
      { mops: [['r', 'x', [1]]] },
    ]);
    expect(r.anomalies.G1b![0]).toMatchObject({ ops: [3, 1], data: { element: 1 } });
    expect(
      types([
        {
          mops: [
            ['append', 'x', 1],
            ['r', 'x', [1]],
            ['append', 'x', 2],
          ],
        },
      ]),
    ).toEqual([]);
  });

  it("internal: a read contradicting the txn's own earlier read or append", () => {
    const r = infer([
      { mops: [['append', 'x', 1]] },
      {
        mops: [
          ['r', 'x', [1]],
          ['append', 'x', 2],
          ['r', 'x', [1]],
        ],
      },
    ]);
    expect(Object.keys(r.anomalies)).toEqual(['internal']);
    expect(r.anomalies.internal![0]).toMatchObject({ ops: [3], data: { expected: [1, 2], mop: 2 } });
    // Append with no earlier read: the read must end with what was appended.
    expect(
      types([
        {
          mops: [
            ['append', 'x', 5],
            ['r', 'x', [5, 6]],
          ],
        },
      ]),
    ).toContain('internal');
    const ok = infer([
      { mops: [['append', 'x', 4]] },
      {
        mops: [
          ['append', 'x', 5],
          ['r', 'x', [4, 5]],
        ],
      },
    ]);
    expect(ok.anomalies).toEqual({});
  });

  it('future-read: reading an element before appending it', () => {
    const r = infer([
      {
        mops: [
          ['r', 'x', [1]],
          ['append', 'x', 1],
        ],
      },
    ]);
    expect(r.anomalies['future-read']).toHaveLength(1);
    expect(r.anomalies['future-read']![0]).toMatchObject({
      ops: [1],
      data: { key: 'x', element: 1, mop: 0 },
    });
  });

  it('dirty-update: a failed append followed by a committed one', () => {
    const r = infer([
      { mops: [['append', 'x', 1]], type: 'fail' },
      { mops: [['append', 'x', 2]] },
      { mops: [['r', 'x', [1, 2]]] },
    ]);
    expect(Object.keys(r.anomalies).sort()).toEqual(['G1a', 'dirty-update']);
    expect(r.anomalies['dirty-update']![0]).toMatchObject({
      ops: [1, 3],
      data: { key: 'x', values: [1, 2] },
    });
  });

  it('duplicate-elements, garbage-read', () => {
    const d = infer([{ mops: [['append', 'x', 1]] }, { mops: [['r', 'x', [1, 1]]] }]);
    expect(Object.keys(d.anomalies)).toEqual(['duplicate-elements']);
    expect(d.anomalies['duplicate-elements']![0]!.data).toMatchObject({
      duplicates: [{ element: 1, count: 2 }],
    });
    // A shorter prefix read before the duplicate is fine.
    expect(
      types([{ mops: [['append', 'x', 1]] }, { mops: [['r', 'x', [1]]] }, { mops: [['r', 'x', [1, 1]]] }]),
    ).toEqual(['duplicate-elements']);
    const g = infer([{ mops: [['append', 'x', 1]] }, { mops: [['r', 'x', [1, 9]]] }]);
    expect(Object.keys(g.anomalies)).toEqual(['garbage-read']);
    expect(g.anomalies['garbage-read']![0]).toMatchObject({ ops: [3], data: { element: 9 } });
  });

  it('lost-update: two committed txns read the same state and both append', () => {
    const r = infer([
      { mops: [['append', 'x', 1]] },
      {
        mops: [
          ['r', 'x', [1]],
          ['append', 'x', 2],
        ],
      },
      {
        mops: [
          ['r', 'x', [1]],
          ['append', 'x', 3],
        ],
      },
      { mops: [['r', 'x', [1, 2]]] },
    ]);
    expect(Object.keys(r.anomalies)).toEqual(['lost-update']);
    expect(r.anomalies['lost-update']![0]).toMatchObject({ ops: [3, 5], data: { key: 'x', value: [1] } });
    // The cycle behind it: T2 read [1] without T1's append of 2; T2's unread 3 follows the last read 2.
    expect(edgeSet(r.edges)).toEqual(['0->1:ww+wr', '0->2:wr', '1->2:ww', '1->3:wr', '2->1:rw', '3->2:rw']);
    // Different states read: no lost update.
    expect(
      types([
        { mops: [['append', 'x', 1]] },
        {
          mops: [
            ['r', 'x', [1]],
            ['append', 'x', 2],
          ],
        },
        {
          mops: [
            ['r', 'x', [1, 2]],
            ['append', 'x', 3],
          ],
        },
      ]),
    ).toEqual([]);
  });

  it('incompatible-order: reads that are not prefixes of one order', () => {
    const r = infer([
      { mops: [['append', 'x', 1]] },
      { mops: [['append', 'x', 2]] },
      { mops: [['r', 'x', [1, 2]]] },
      { mops: [['r', 'x', [2, 1]]] },
    ]);
    expect(Object.keys(r.anomalies)).toEqual(['incompatible-order']);
    expect(r.anomalies['incompatible-order']).toHaveLength(1);
    expect(r.anomalies['incompatible-order']![0]!.data).toMatchObject({ key: 'x' });
  });

  it("incompatible-order: a txn's own appends shown out of order, or a later one without an earlier one", () => {
    const rev = infer([
      { mops: [['append', 'x', 1]] },
      {
        mops: [
          ['append', 'x', 2],
          ['append', 'x', 3],
        ],
      },
      { mops: [['r', 'x', [3, 2, 1]]] },
    ]);
    expect(Object.keys(rev.anomalies)).toEqual(['incompatible-order']);
    expect(rev.anomalies['incompatible-order']![0]).toMatchObject({
      ops: [3, 5],
      data: { key: 'x', values: [2, 3] },
    });
    expect(rev.anomalies['incompatible-order']![0]!.explanation).toContain(
      'which has them the other way round',
    );
    const missing = infer([
      {
        mops: [
          ['append', 'x', 2],
          ['append', 'x', 3],
        ],
      },
      { mops: [['r', 'x', [3]]] },
    ]);
    expect(Object.keys(missing.anomalies)).toEqual(['incompatible-order']);
    expect(missing.anomalies['incompatible-order']![0]!.explanation).toContain('which has 3 without 2');
    expect(
      types([
        {
          mops: [
            ['append', 'x', 2],
            ['append', 'x', 3],
          ],
        },
        { mops: [['r', 'x', [2, 3]]] },
      ]),
    ).toEqual([]);
  });

  it('exact values: bigints and keywords as keys and elements; 1 and "1" differ', () => {
    const big = 2n ** 70n;
    const k = keyword('x');
    const r = infer([
      { mops: [['append', k, big]] },
      {
        mops: [
          ['r', { $kw: 'x' }, [2n ** 70n]],
          ['append', k, keyword('v')],
        ],
      },
      { mops: [['r', k, [big, { $kw: 'v' }]]] },
    ]);
    expect(r.anomalies).toEqual({});
    expect(edgeSet(r.edges)).toEqual(['0->1:ww+wr', '1->2:wr']);
    expect(r.explain(r.txns[0]!, r.txns[1]!, 'wr', name)?.text).toBe(
      "T1 read T0's append of 1180591620717411303424 to key :x",
    );
    // Key 1 and key "1" are different lists; element 1 and "1" different elements.
    const s = infer([{ mops: [['append', 1, 1]] }, { mops: [['r', '1', [1]]] }, { mops: [['r', 1, ['1']]] }]);
    expect(Object.keys(s.anomalies)).toEqual(['garbage-read']);
    expect(s.anomalies['garbage-read']).toHaveLength(2);
  });
});

describe('list-append inference on serial runs (fast-check)', () => {
  const txnsArb = fc.array(
    fc.array(
      fc.record({ f: fc.constantFrom('r' as const, 'w' as const), key: fc.integer({ min: 0, max: 2 }) }),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
    { minLength: 1, maxLength: 12 },
  );
  it('a correct store yields no anomaly, and every edge runs from a txn that took effect to a later one', () => {
    fc.assert(
      fc.property(txnsArb, fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), (ts, choices) => {
        const run = serialRun('list-append', ts, choices);
        expect(findMalformedTxn(run.history, 'list-append')).toBeUndefined();
        const r = inferListAppend(txnsOf(run.history), { workload: 'list-append' });
        expect(r.anomalies).toEqual({});
        for (const [a, b] of edgeTriples(r.edges)) {
          expect(run.position[a]).toBeLessThan(Infinity);
          expect(run.position[a]).toBeLessThan(run.position[b]!);
        }
      }),
      { numRuns: 400 },
    );
  });
});
