import { describe, expect, it } from 'vitest';
import {
  checkInference,
  checkTxnHistory,
  type ElleResult,
  elleChecker,
} from '../../../../checkers/elle/index.ts';
import { type EdgeList, type Inference, RW, type Txn, WR, WW } from '../../../../checkers/elle/types.ts';
import { UserError } from '../../../../src/core/errors.ts';
import { type T, txnHistory } from './infer-helpers.ts';

/** The core invariant of every result: anomaly fields are non-empty exactly when valid is false. */
function consistent(r: ElleResult): ElleResult {
  expect(r.anomalyTypes.length > 0).toBe(r.valid === false);
  expect(Object.keys(r.anomalies).sort()).toEqual(r.anomalyTypes);
  expect(typeof r.summary).toBe('string');
  expect(r.summary).not.toMatch(/\n/);
  if (r.valid === 'unknown') expect(r.reason).toBeTruthy();
  return r;
}

const check = (ts: T[], models: string[], overlap = true) =>
  consistent(
    checkTxnHistory(txnHistory(ts, overlap), { workload: 'list-append', consistencyModels: models }),
  );

// Write skew: both read x and y empty, each appends to one of them.
const writeSkew: T[] = [
  {
    mops: [
      ['r', 'x', null],
      ['r', 'y', null],
      ['append', 'x', 1],
    ],
  },
  {
    mops: [
      ['r', 'x', null],
      ['r', 'y', null],
      ['append', 'y', 1],
    ],
  },
  {
    mops: [
      ['r', 'x', [1]],
      ['r', 'y', [1]],
    ],
  },
];

describe('checkTxnHistory on list-append histories', () => {
  it('write skew is a G2-item: not serializable, but snapshot-isolation holds', () => {
    const r = check(writeSkew, ['serializable']);
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['G2-item']);
    expect(r.summary).toBe(
      'not serializable: G2-item ×1 (not repeatable-read; also not serializable, strict-serializable, strong-session-serializable)',
    );
    expect(r.not).toEqual(['repeatable-read']);
    const c = r.anomalies['G2-item']![0]!;
    // The invokes of the two writers (#0 and #1), in cycle order from the earliest.
    expect(c.ops).toEqual([0, 1]);
    expect(c.explanation).toBe(
      'G2-item cycle of 2 txns. Let T1 = #0–#3, process 0, 0–0.003 ms: [r "x" nil] [r "y" nil] [append "x" 1]; ' +
        'T2 = #1–#4, process 1, 0.001–0.004 ms: [r "x" nil] [r "y" nil] [append "y" 1]. ' +
        'Then T1 < T2 because T1 read key "y" = [] without T2\'s append of 1, which came next; ' +
        'T2 < T1 because T2 read key "x" = [] without T1\'s append of 1, which came next: a contradiction.',
    );
    expect(c.data).toMatchObject({
      cycle: [
        { label: 'T1', invokeIndex: 0, completeIndex: 3, process: 0, edge: { kind: 'rw', key: 'y' } },
        { label: 'T2', invokeIndex: 1, completeIndex: 4, process: 1, edge: { kind: 'rw', key: 'x' } },
      ],
    });

    const si = check(writeSkew, ['snapshot-isolation']);
    expect(si.valid).toBe(true);
    expect(si.otherAnomalies).toEqual({ 'G2-item': 1 });
    expect(si.summary).toBe(
      'snapshot-isolation: 3 committed txns, no prohibited anomaly; allowed by snapshot-isolation: G2-item ×1 (not repeatable-read; also not serializable, strict-serializable, strong-session-serializable)',
    );
  });

  it('a G1c (circular information flow) is not read-committed', () => {
    const r = check(
      [
        {
          mops: [
            ['append', 'x', 1],
            ['r', 'y', [1]],
          ],
        },
        {
          mops: [
            ['append', 'y', 1],
            ['r', 'x', [1]],
          ],
        },
      ],
      ['read-committed'],
    );
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['G1c']);
    expect(r.summary).toMatch(/^not read-committed: G1c ×1 \(not read-committed; also not /);
    expect(r.anomalies.G1c![0]!.explanation).toContain(
      'T1 < T2 because T2 read T1\'s append of 1 to key "x"; T2 < T1 because T1 read T2\'s append of 1 to key "y": a contradiction.',
    );
  });

  it('a serial history is valid under strict-serializable', () => {
    const r = check(
      [
        { mops: [['append', 'x', 1]] },
        {
          mops: [
            ['r', 'x', [1]],
            ['append', 'x', 2],
          ],
        },
        { mops: [['r', 'x', [1, 2]]] },
      ],
      ['strict-serializable'],
      false,
    );
    expect(r).toMatchObject({
      valid: true,
      summary: 'strict-serializable: 3 committed txns, no prohibited anomaly',
      txnCount: 3,
      committedCount: 3,
      sccCount: 0,
      not: [],
      alsoNot: [],
      otherAnomalies: {},
    });
  });

  it('a stale read after the write completed: serializable, but G-single-realtime under strict-serializable', () => {
    const ts: T[] = [{ mops: [['append', 'x', 1]] }, { mops: [['r', 'x', null]] }];
    expect(check(ts, ['serializable'], false).valid).toBe(true);
    const r = check(ts, ['strict-serializable'], false);
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['G-single-realtime']);
    expect(r.anomalies['G-single-realtime']![0]!.explanation).toContain(
      'T1 < T2 because T1 completed (#1, 0.001 ms) 0.001 ms before T2 was invoked (#2, 0.002 ms); T2 < T1 because T2 read key "x" = [] without T1\'s append of 1, which came later: a contradiction.',
    );
    expect(r.summary).toMatch(
      /^not strict-serializable: G-single-realtime ×1 \(not strong-snapshot-isolation; also not /,
    );
  });

  it('the same stale read by one process: G-single-process under strong-session-serializable', () => {
    const ts: T[] = [
      { mops: [['append', 'x', 1]], p: 7 },
      { mops: [['r', 'x', null]], p: 7 },
    ];
    const r = check(ts, ['strong-session-serializable'], false);
    expect(r.anomalyTypes).toEqual(['G-single-process']);
    expect(r.anomalies['G-single-process']![0]!.explanation).toContain('process 7 executed T1 before T2');
  });

  it('non-cycle anomalies count like cycles: a G1a is allowed by read-uncommitted only', () => {
    const ts: T[] = [{ mops: [['append', 'x', 1]], type: 'fail' }, { mops: [['r', 'x', [1]]] }];
    const ru = check(ts, ['read-uncommitted'], false);
    expect(ru.valid).toBe(true);
    expect(ru.otherAnomalies).toEqual({ G1a: 1 });
    const rc = check(ts, ['read-committed'], false);
    expect(rc.valid).toBe(false);
    expect(rc.anomalyTypes).toEqual(['G1a']);
  });

  it('no committed txn: unknown, with a reason', () => {
    const r = check([{ mops: [['append', 'x', 1]], type: 'fail' }], ['serializable']);
    expect(r.valid).toBe('unknown');
    expect(r.reason).toBe('no committed transactions to check (1 txns, none completed ok)');
  });

  it('bad input is a UserError: an unknown model, a malformed txn', () => {
    expect(() => elleChecker({ workload: 'list-append', consistencyModels: ['serialisable'] })).toThrow(
      UserError,
    );
    const h = txnHistory([{ mops: [['append', 'x', 1]] }, { mops: [['append', 'x', 1]] }]);
    expect(() => checkTxnHistory(h, { workload: 'list-append' })).toThrow(UserError);
  });

  it('elleChecker is named elle and checks with the default model, strict-serializable', async () => {
    const c = elleChecker({ workload: 'list-append' });
    expect(c.name).toBe('elle');
    const r = (await c.check(
      { test: { name: 't', concurrency: 2, nodes: [] } },
      txnHistory(writeSkew, true),
      {},
    )) as ElleResult;
    expect(r.consistencyModels).toEqual(['strict-serializable']);
    expect(r.anomalyTypes).toEqual(['G2-item']);
  });
});

/** A hand-built inference: txns 0…n−1 all concurrent (invoked at #0…, completed after all invokes). */
function inference(
  n: number,
  edges: [number, number, number][],
  anomalies: Inference['anomalies'] = {},
): Inference {
  const txns: Txn[] = Array.from({ length: n }, (_, id) => ({
    id,
    process: id,
    type: 'ok',
    mops: [],
    invokeIndex: id,
    completeIndex: n + id,
    invokeTimeNs: id * 1e6,
    completeTimeNs: (n + id) * 1e6,
  }));
  const list: EdgeList = {
    length: edges.length,
    from: Int32Array.from(edges.map((e) => e[0])),
    to: Int32Array.from(edges.map((e) => e[1])),
    mask: Uint8Array.from(edges.map((e) => e[2])),
  };
  return {
    txns,
    edges: list,
    anomalies,
    explain: (a, b, kind, name) => ({ kind, text: `${name(a)} ${kind} ${name(b)}` }),
  };
}

describe('checkInference', () => {
  it('past the budget, a proven G2-item still fails the check (searchTimedOut, with its SCC)', () => {
    const inf = inference(3, [
      [0, 1, RW],
      [1, 2, RW],
      [2, 0, RW],
    ]);
    const r = consistent(checkInference(inf, { consistencyModels: ['serializable'] }, { timeLimitMs: 0 }));
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['G2-item']);
    const c = r.anomalies['G2-item']![0]!;
    expect(c.data).toEqual({ cycle: [], searchTimedOut: true, scc: [0, 1, 2], sccSize: 3 });
    expect(c.explanation).toMatch(
      /^a G2-item cycle exists among these 3 txns: .*\(time limit of 0 ms reached\)$/,
    );
    // With time, the cycle itself.
    const full = consistent(checkInference(inf, { consistencyModels: ['serializable'] }));
    expect(full.anomalies['G2-item']![0]!.explanation).toBe(
      'G2-item cycle of 3 txns. Let T1 = #0–#3, process 0, 0–3 ms: ; T2 = #1–#4, process 1, 1–4 ms: ; T3 = #2–#5, process 2, 2–5 ms: . Then T1 < T2 because T1 rw T2; T2 < T3 because T2 rw T3; T3 < T1 because T3 rw T1: a contradiction.',
    );
  });

  it('past the budget, an undecided prohibited class makes the verdict unknown, never valid', () => {
    // Write skew under serializable, with the check cancelled before any search: nothing decided, so
    // unknown (cycles.test.ts has the time-limit cases: proven classes, unsearched ones).
    const inf = inference(2, [
      [0, 1, RW],
      [1, 0, RW],
    ]);
    const ac = new AbortController();
    ac.abort();
    const r = consistent(checkInference(inf, { consistencyModels: ['serializable'] }, { signal: ac.signal }));
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/cancelled/);
    const full = consistent(checkInference(inf, { consistencyModels: ['serializable'] }));
    expect(full.valid).toBe(false);
    expect(full.anomalyTypes).toEqual(['G2-item']);
    // Snapshot isolation allows write skew.
    expect(consistent(checkInference(inf, { consistencyModels: ['snapshot-isolation'] })).valid).toBe(true);
    // On items a G-single is a G-single-item, which implies G2-item: repeatable-read rules it out.
    const single = inference(2, [
      [0, 1, RW],
      [1, 0, WR],
    ]);
    const rr = consistent(checkInference(single, { consistencyModels: ['repeatable-read'] }));
    expect(rr.valid).toBe(false);
    expect(rr.anomalyTypes).toEqual(['G-single']);
  });

  it('an anomaly type the lattice does not know fails the check rather than passing silently', () => {
    const inf = inference(1, [], { 'strange-thing': [{ ops: [0], explanation: 'odd' }] });
    const r = consistent(checkInference(inf, { consistencyModels: ['read-uncommitted'] }));
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['strange-thing']);
  });

  it('extra anomalies named in the options fail the check even when the models allow them', () => {
    const inf = inference(2, [
      [0, 1, RW],
      [1, 0, RW],
    ]);
    expect(consistent(checkInference(inf, { consistencyModels: ['snapshot-isolation'] })).valid).toBe(true);
    const r = consistent(
      checkInference(inf, { consistencyModels: ['snapshot-isolation'], anomalies: ['G2'] }),
    );
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['G2-item']);
  });

  it('past MAX_CASES_PER_TYPE cycles of a type, the rest are counted, not explained', () => {
    const edges: [number, number, number][] = [];
    for (let i = 0; i < 1001; i++) edges.push([2 * i, 2 * i + 1, RW], [2 * i + 1, 2 * i, RW]);
    const r = consistent(checkInference(inference(2002, edges), { consistencyModels: ['serializable'] }));
    expect(r.anomalies['G2-item']).toHaveLength(1000);
    expect(r.anomalyCounts).toEqual({ 'G2-item': 1001 });
    expect(r.summary).toMatch(/^not serializable: G2-item ×1001 /);
    expect(r.sccCount).toBe(1001);
  });

  it('counts every committed txn and every edge kind merged per pair', () => {
    const inf = inference(3, [
      [0, 1, WW],
      [0, 1, WR],
      [1, 2, WR],
    ]);
    const r = consistent(checkInference(inf, { consistencyModels: ['serializable'] }));
    expect(r).toMatchObject({ valid: true, txnCount: 3, committedCount: 3, edgeCount: 2, sccCount: 0 });
  });
});

describe('checkTxnHistory on rw-register histories', () => {
  it('write skew over registers is a G2-item; each read of a committed write is fine', () => {
    const h = txnHistory(
      [
        {
          mops: [
            ['r', 'x', null],
            ['r', 'y', null],
            ['w', 'x', 1],
          ],
        },
        {
          mops: [
            ['r', 'x', null],
            ['r', 'y', null],
            ['w', 'y', 1],
          ],
        },
      ],
      true,
    );
    const r = consistent(
      checkTxnHistory(h, { workload: 'rw-register', consistencyModels: ['serializable'] }),
    );
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['G2-item']);
    const si = consistent(
      checkTxnHistory(h, { workload: 'rw-register', consistencyModels: ['snapshot-isolation'] }),
    );
    expect(si.valid).toBe(true);
  });
});
