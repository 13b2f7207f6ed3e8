import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { edgeTriples } from '../../../../checkers/elle/edges.ts';
import { inferRwRegister } from '../../../../checkers/elle/rw-register.ts';
import { findMalformedTxn, txnsOf } from '../../../../checkers/elle/txns.ts';
import type { ElleOptions } from '../../../../checkers/elle/types.ts';
import { keyword } from '../../../../src/history/values.ts';
import { edgeSet, serialRun, type T, txnHistory } from './infer-helpers.ts';

const infer = (ts: T[], opts: Partial<ElleOptions> = {}, overlap = false) =>
  inferRwRegister(txnsOf(txnHistory(ts, overlap)), { workload: 'rw-register', ...opts });
const types = (ts: T[], opts: Partial<ElleOptions> = {}) => Object.keys(infer(ts, opts).anomalies).sort();
const name = (t: { id: number }) => `T${t.id}`;

describe('rw-register inference', () => {
  it('wr from the writer of the value read; rw from readers of nil (the initial state) to every writer', () => {
    const r = infer(
      [{ mops: [['r', 'x', null]] }, { mops: [['w', 'x', 1]] }, { mops: [['r', 'x', 1]] }],
      {},
      true,
    );
    expect(r.anomalies).toEqual({});
    expect(edgeSet(r.edges)).toEqual(['0->1:rw', '1->2:wr']);
    expect(r.explain(r.txns[1]!, r.txns[2]!, 'wr', name)?.text).toBe('T2 read T1\'s write of 1 to key "x"');
    const rw = r.explain(r.txns[0]!, r.txns[1]!, 'rw', name);
    expect(rw).toMatchObject({ kind: 'rw', key: 'x', value: 1, otherValue: null });
    expect(rw?.text).toBe(
      'T0 read key "x" = nil without T1\'s write of 1, which came later in the version order (initial-state)',
    );
    expect(r.explain(r.txns[0]!, r.txns[1]!, 'ww', name)).toBeUndefined();
  });

  it('without a version-order source, two writes are not ordered; wfr-keys orders them', () => {
    const ts: T[] = [
      { mops: [['w', 'x', 1]] },
      {
        mops: [
          ['r', 'x', 1],
          ['w', 'x', 2],
        ],
      },
      { mops: [['r', 'x', 1]] },
    ];
    expect(edgeSet(infer(ts).edges)).toEqual(['0->1:wr', '0->2:wr']);
    const r = infer(ts, { wfrKeys: true });
    expect(edgeSet(r.edges)).toEqual(['0->1:ww+wr', '0->2:wr', '2->1:rw']);
    expect(r.explain(r.txns[0]!, r.txns[1]!, 'ww', name)?.text).toBe(
      'T0\'s write of 1 to key "x" came before T1\'s write of 2 in the version order (wfr-keys)',
    );
  });

  it('G1a, G1b, garbage-read', () => {
    const a = infer([{ mops: [['w', 'x', 1]], type: 'fail' }, { mops: [['r', 'x', 1]] }]);
    expect(Object.keys(a.anomalies)).toEqual(['G1a']);
    expect(a.anomalies.G1a![0]).toMatchObject({ ops: [3, 1], data: { key: 'x', value: 1 } });
    expect(edgeSet(a.edges)).toEqual([]);
    const b = infer([
      {
        mops: [
          ['w', 'x', 1],
          ['w', 'x', 2],
        ],
      },
      { mops: [['r', 'x', 1]] },
    ]);
    expect(Object.keys(b.anomalies)).toEqual(['G1b']);
    expect(b.anomalies.G1b![0]).toMatchObject({ ops: [3, 1] });
    expect(types([{ mops: [['r', 'x', 5]] }])).toEqual(['garbage-read']);
    expect(types([{ mops: [['r', 'x', null]] }])).toEqual([]);
  });

  it("internal: a read disagreeing with the txn's own write or earlier read", () => {
    const r = infer([
      { mops: [['w', 'x', 2]] },
      {
        mops: [
          ['w', 'x', 1],
          ['r', 'x', 2],
        ],
      },
    ]);
    expect(Object.keys(r.anomalies)).toEqual(['internal']);
    expect(r.anomalies.internal![0]).toMatchObject({ ops: [3], data: { expected: 1, value: 2, mop: 1 } });
    expect(
      types([
        { mops: [['w', 'x', 1]] },
        {
          mops: [
            ['r', 'x', null],
            ['r', 'x', 1],
          ],
        },
      ]),
    ).toEqual(['internal']);
    expect(
      types([
        {
          mops: [
            ['w', 'x', 1],
            ['r', 'x', 1],
          ],
        },
      ]),
    ).toEqual([]);
  });

  it('future-read: reading the value the txn writes later itself', () => {
    const r = infer([
      {
        mops: [
          ['r', 'x', 1],
          ['w', 'x', 1],
        ],
      },
    ]);
    expect(Object.keys(r.anomalies)).toEqual(['future-read']);
    expect(r.anomalies['future-read']![0]).toMatchObject({ ops: [1], data: { key: 'x', value: 1, mop: 0 } });
    expect(
      types([
        {
          mops: [
            ['w', 'x', 1],
            ['r', 'x', 1],
          ],
        },
      ]),
    ).toEqual([]);
  });

  it('lost-update: two committed txns read one version and both write it', () => {
    const r = infer([
      { mops: [['w', 'x', 1]] },
      {
        mops: [
          ['r', 'x', 1],
          ['w', 'x', 2],
        ],
      },
      {
        mops: [
          ['r', 'x', 1],
          ['w', 'x', 3],
        ],
      },
    ]);
    expect(Object.keys(r.anomalies)).toEqual(['lost-update']);
    expect(r.anomalies['lost-update']![0]).toMatchObject({ ops: [3, 5], data: { key: 'x', value: 1 } });
    // A failed one does not count.
    expect(
      types([
        { mops: [['w', 'x', 1]] },
        {
          mops: [
            ['r', 'x', 1],
            ['w', 'x', 2],
          ],
        },
        {
          mops: [
            ['r', 'x', 1],
            ['w', 'x', 3],
          ],
          type: 'fail',
        },
      ]),
    ).toEqual([]);
  });

  it('cyclic-versions: a source contradicting the others is reported and left out', () => {
    const ts: T[] = [
      {
        mops: [
          ['r', 'x', 1],
          ['w', 'x', 2],
        ],
      },
      {
        mops: [
          ['r', 'x', 2],
          ['w', 'x', 1],
        ],
      },
    ];
    const r = infer(ts, { wfrKeys: true });
    expect(Object.keys(r.anomalies)).toEqual(['cyclic-versions']);
    expect(r.anomalies['cyclic-versions']![0]!.data).toEqual({
      key: 'x',
      values: [1, 2],
      sources: ['initial-state', 'wfr-keys'],
    });
    // wfr was dropped: only wr edges remain.
    expect(edgeSet(r.edges)).toEqual(['0->1:wr', '1->0:wr']);
  });

  it('sequential-keys: process order orders versions; a read going back is cyclic', () => {
    const ordered = infer(
      [
        { mops: [['w', 'x', 1]], p: 0 },
        { mops: [['w', 'x', 2]], p: 0 },
      ],
      { sequentialKeys: true },
    );
    expect(edgeSet(ordered.edges)).toEqual(['0->1:ww']);
    expect(ordered.explain(ordered.txns[0]!, ordered.txns[1]!, 'ww', name)?.text).toContain(
      '(sequential-keys)',
    );
    const back = infer(
      [
        { mops: [['w', 'x', 1]], p: 0 },
        { mops: [['r', 'x', null]], p: 0 },
      ],
      { sequentialKeys: true },
    );
    expect(back.anomalies['cyclic-versions']![0]!.data).toMatchObject({
      values: [null, 1],
      sources: ['initial-state', 'sequential-keys'],
    });
    // Different processes: no order.
    expect(
      edgeSet(infer([{ mops: [['w', 'x', 1]] }, { mops: [['w', 'x', 2]] }], { sequentialKeys: true }).edges),
    ).toEqual([]);
  });

  it('linearizable-keys: real-time order orders versions, concurrent txns are not ordered', () => {
    const r = infer([{ mops: [['w', 'x', 1]] }, { mops: [['w', 'x', 2]] }, { mops: [['r', 'x', 2]] }], {
      linearizableKeys: true,
    });
    expect(edgeSet(r.edges)).toEqual(['0->1:ww', '1->2:wr']);
    const c = infer([{ mops: [['w', 'x', 1]] }, { mops: [['w', 'x', 2]] }], { linearizableKeys: true }, true);
    expect(edgeSet(c.edges)).toEqual([]);
    // A stale read after a completed write, in real time: cyclic versions.
    expect(
      types([{ mops: [['w', 'x', 1]] }, { mops: [['w', 'x', 2]] }, { mops: [['r', 'x', 1]] }], {
        linearizableKeys: true,
      }),
    ).toEqual(['cyclic-versions']);
  });

  it('dirty-update: a failed write directly followed by a committed one', () => {
    const r = infer(
      [
        { mops: [['w', 'x', 1]], type: 'fail' },
        {
          mops: [
            ['r', 'x', 1],
            ['w', 'x', 2],
          ],
        },
      ],
      {
        wfrKeys: true,
      },
    );
    expect(Object.keys(r.anomalies).sort()).toEqual(['G1a', 'dirty-update']);
    expect(r.anomalies['dirty-update']![0]).toMatchObject({
      ops: [1, 3],
      data: { key: 'x', values: [1, 2] },
    });
  });

  it('exact values: bigints and keywords; 1 and "1" are different values', () => {
    const big = 2n ** 64n + 1n;
    const r = infer([
      { mops: [['w', keyword('k'), big]] },
      { mops: [['r', { $kw: 'k' }, 18446744073709551617n]] },
    ]);
    expect(r.anomalies).toEqual({});
    expect(edgeSet(r.edges)).toEqual(['0->1:wr']);
    expect(r.explain(r.txns[0]!, r.txns[1]!, 'wr', name)?.text).toBe(
      "T1 read T0's write of 18446744073709551617 to key :k",
    );
    expect(types([{ mops: [['w', 'x', 1]] }, { mops: [['r', 'x', '1']] }])).toEqual(['garbage-read']);
  });
});

describe('rw-register inference on serial runs (fast-check)', () => {
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
  const sources = fc.record({
    wfrKeys: fc.boolean(),
    sequentialKeys: fc.boolean(),
    linearizableKeys: fc.boolean(),
  });
  it('a correct store yields no anomaly under any version-order source, and every edge runs forward', () => {
    fc.assert(
      fc.property(
        txnsArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 60 }),
        sources,
        (ts, choices, opts) => {
          const run = serialRun('rw-register', ts, choices);
          expect(findMalformedTxn(run.history, 'rw-register')).toBeUndefined();
          const r = inferRwRegister(txnsOf(run.history), { workload: 'rw-register', ...opts });
          // A txn reading the same key twice is fine here: the store is serial, so both reads agree.
          expect(r.anomalies).toEqual({});
          for (const [a, b] of edgeTriples(r.edges)) {
            expect(run.position[a]).toBeLessThan(Infinity);
            expect(run.position[a]).toBeLessThan(run.position[b]!);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
