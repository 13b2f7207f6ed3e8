/**
 * One hand-made history per anomaly type the Elle-class checker reports (issue 15, "Verify" item 2),
 * each with the exact anomaly types and, for cycles, the exact cycle expected; and valid histories
 * that must pass. Histories are minimal: every txn is needed for the anomaly, so no other may appear.
 * Txns are named by the index of their invoke: in `serial([...])` the k-th txn is `#2k`.
 * Semantics: Adya's G0…G2 as Elle infers them (elle/list_append.clj, elle/rw_register.clj,
 * elle/consistency_model.clj); Elle itself names G-single / G-nonadjacent over items `G-single-item`.
 */
import { describe, expect, it } from 'vitest';
import { check, cycles, expectTypes, resultProblems } from './expect.ts';
import { build, done, inv, serial, txn } from './histories.ts';

const LA = { workload: 'list-append' as const, consistencyModels: ['serializable'] };
const RW = { workload: 'rw-register' as const, consistencyModels: ['serializable'] };
const STRICT = { workload: 'list-append' as const, consistencyModels: ['strict-serializable'] };
const SESSION = { workload: 'list-append' as const, consistencyModels: ['strong-session-serializable'] };

describe('cycle anomalies (list-append, serializable)', () => {
  it('G0: two txns append to x and y in opposite orders', async () => {
    const h = serial([
      [
        0,
        [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ],
      ],
      [
        1,
        [
          ['append', 'x', 2],
          ['append', 'y', 2],
        ],
      ],
      [
        2,
        [
          ['r', 'x', [1, 2]],
          ['r', 'y', [2, 1]],
        ],
      ],
    ]);
    const r = await check(h, LA);
    expectTypes(r, ['G0']);
    expect(cycles(r, 'G0')).toEqual(['#0 -ww-> #2 -ww-> #0']);
  });

  it('G1c: T0 reads T2, yet T2 overwrites T0 (wr + ww)', async () => {
    const h = serial([
      [
        0,
        [
          ['append', 'x', 1],
          ['r', 'y', [1]],
        ],
      ],
      [
        1,
        [
          ['append', 'x', 2],
          ['append', 'y', 1],
        ],
      ],
      [2, [['r', 'x', [1, 2]]]],
    ]);
    const r = await check(h, LA);
    expectTypes(r, ['G1c']);
    expect(cycles(r, 'G1c')).toEqual(['#0 -ww-> #2 -wr-> #0']);
  });

  it('G-single: read skew, one anti-dependency', async () => {
    // #2 misses #0's append to y, but #0's append to x precedes #2's.
    const h = serial([
      [
        0,
        [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ],
      ],
      [
        1,
        [
          ['append', 'x', 2],
          ['r', 'y', []],
        ],
      ],
      [
        2,
        [
          ['r', 'x', [1, 2]],
          ['r', 'y', [1]],
        ],
      ],
    ]);
    const r = await check(h, LA);
    expectTypes(r, ['G-single']);
    expect(cycles(r, 'G-single')).toEqual(['#0 -ww-> #2 -rw-> #0']);
  });

  it('G-nonadjacent: two anti-dependencies separated by wr edges', async () => {
    const h = serial([
      [0, [['append', 'x', 1]]],
      [
        1,
        [
          ['r', 'x', [1]],
          ['r', 'y', []],
        ],
      ],
      [2, [['append', 'y', 1]]],
      [
        3,
        [
          ['r', 'y', [1]],
          ['r', 'x', []],
        ],
      ],
    ]);
    const r = await check(h, LA);
    expectTypes(r, ['G-nonadjacent']);
    expect(cycles(r, 'G-nonadjacent')).toEqual(['#0 -wr-> #2 -rw-> #4 -wr-> #6 -rw-> #0']);
  });

  it('G2-item: write skew, two adjacent anti-dependencies', async () => {
    const h = build([
      inv(0, [
        ['r', 'x', null],
        ['append', 'y', 1],
      ]),
      inv(1, [
        ['r', 'y', null],
        ['append', 'x', 1],
      ]),
      done(0, [
        ['r', 'x', []],
        ['append', 'y', 1],
      ]),
      done(1, [
        ['r', 'y', []],
        ['append', 'x', 1],
      ]),
      txn(2, [
        ['r', 'x', [1]],
        ['r', 'y', [1]],
      ]),
    ]);
    const r = await check(h, LA);
    expectTypes(r, ['G2-item']);
    expect(cycles(r, 'G2-item')).toEqual(['#0 -rw-> #1 -rw-> #0']);
  });

  it('a cycle whose second step is both ww and rw is G-single only, not also G2-item', async () => {
    // #1 → #0 is ww (k1: 1 then 2) and rw (k2 read [] before #0's append): as ww the cycle has one
    // anti-dependency. Elle's G2-item must not explain as G-single (elle/txn.clj
    // base-cycle-anomaly-specs: "insists on being G2, rather than G-single"), as the paper example.
    const h = build([
      inv(0, [
        ['r', 'x', null],
        ['append', 'k1', 2],
        ['append', 'k2', 1],
      ]),
      inv(1, [
        ['append', 'x', 1],
        ['append', 'k1', 1],
        ['r', 'k2', null],
      ]),
      done(0, [
        ['r', 'x', []],
        ['append', 'k1', 2],
        ['append', 'k2', 1],
      ]),
      done(1, [
        ['append', 'x', 1],
        ['append', 'k1', 1],
        ['r', 'k2', []],
      ]),
      txn(2, [['r', 'k1', [1, 2]]]),
    ]);
    const r = await check(h, LA);
    expectTypes(r, ['G-single']);
    expect(cycles(r, 'G-single')).toEqual(['#0 -rw-> #1 -ww-> #0']);
  });

  it('rw-register G2-item: write skew on registers (versions known from the initial state)', async () => {
    const h = build([
      inv(0, [
        ['r', 'x', null],
        ['w', 'y', 1],
      ]),
      inv(1, [
        ['r', 'y', null],
        ['w', 'x', 1],
      ]),
      done(0, [
        ['r', 'x', null],
        ['w', 'y', 1],
      ]),
      done(1, [
        ['r', 'y', null],
        ['w', 'x', 1],
      ]),
    ]);
    const r = await check(h, RW);
    expectTypes(r, ['G2-item']);
    expect(cycles(r, 'G2-item')).toEqual(['#0 -rw-> #1 -rw-> #0']);
  });
});

describe('cycles through process order (strong-session-serializable)', () => {
  it('G0-process: a process appends 2 then 1, a read shows 1 before 2', async () => {
    const h = serial([
      [0, [['append', 'x', 2]]],
      [0, [['append', 'x', 1]]],
      [1, [['r', 'x', [1, 2]]]],
    ]);
    const r = await check(h, SESSION);
    expectTypes(r, ['G0-process']);
    expect(cycles(r, 'G0-process')).toEqual(['#0 -process-> #2 -ww-> #0']);
    // Plain serializable has no process edges: the same history is serializable (#2, #0, #4).
    expectTypes(await check(h, LA), []);
  });

  it('G-single-process: a process misses its own earlier append', async () => {
    const h = serial([
      [0, [['append', 'x', 1]]],
      [1, [['append', 'x', 2]]],
      [1, [['r', 'x', [1]]]],
      [2, [['r', 'x', [1, 2]]]],
    ]);
    const r = await check(h, SESSION);
    expectTypes(r, ['G-single-process']);
    expect(cycles(r, 'G-single-process')).toEqual(['#2 -process-> #4 -rw-> #2']);
    expectTypes(await check(h, LA), []);
  });
});

describe('cycles through real time (strict-serializable)', () => {
  it('G-single-realtime: a read that began after an append completed misses it', async () => {
    const h = serial([
      [0, [['append', 'x', 1]]],
      [1, [['append', 'x', 2]]],
      [2, [['r', 'x', [1]]]],
      [3, [['r', 'x', [1, 2]]]],
    ]);
    const r = await check(h, STRICT);
    expectTypes(r, ['G-single-realtime']);
    expect(cycles(r, 'G-single-realtime')).toEqual(['#2 -realtime-> #4 -rw-> #2']);
    expectTypes(await check(h, LA), []);
  });

  it('G2-item-realtime: two anti-dependencies and a real-time edge', async () => {
    // #0 (appends x, reads z) runs across everything; #1 appends z and completes before #3 begins,
    // which misses #0's append to x.
    const h = build([
      inv(0, [
        ['append', 'x', 1],
        ['r', 'z', null],
      ]),
      txn(1, [['append', 'z', 1]]),
      txn(2, [['r', 'x', []]]),
      done(0, [
        ['append', 'x', 1],
        ['r', 'z', []],
      ]),
    ]);
    const r = await check(h, STRICT);
    expectTypes(r, ['G2-item-realtime']);
    expect(cycles(r, 'G2-item-realtime')).toEqual(['#0 -rw-> #1 -realtime-> #3 -rw-> #0']);
    expectTypes(await check(h, LA), []);
  });
});

describe('anomalies without a cycle', () => {
  it('G1a: an ok read sees a failed append', async () => {
    const h = serial([
      [0, [['append', 'x', 1]], 'fail'],
      [1, [['r', 'x', [1]]]],
      [2, [['append', 'y', 1]]],
      [3, [['r', 'y', [1]]]],
    ]);
    const r = await check(h, LA);
    expectTypes(r, ['G1a']);
    expect(r.anomalies.G1a?.[0]?.ops).toEqual(expect.arrayContaining([3]));
  });

  it('G1b: a read sees an intermediate append (and so misses the final one: G-single)', async () => {
    const h = serial([
      [
        0,
        [
          ['append', 'x', 1],
          ['append', 'x', 2],
        ],
      ],
      [1, [['r', 'x', [1]]]],
    ]);
    const r = await check(h, LA);
    expectTypes(r, ['G-single', 'G1b']);
    expect(cycles(r, 'G-single')).toEqual(['#0 -wr-> #2 -rw-> #0']);
  });

  it('rw-register G1a and G1b', async () => {
    const g1a = serial([
      [0, [['w', 'x', 1]], 'fail'],
      [1, [['r', 'x', 1]]],
    ]);
    expectTypes(await check(g1a, RW), ['G1a']);
    const g1b = serial([
      [
        0,
        [
          ['w', 'x', 1],
          ['w', 'x', 2],
        ],
      ],
      [1, [['r', 'x', 1]]],
    ]);
    expect((await check(g1b, RW)).anomalyTypes).toContain('G1b');
  });

  it('internal: a txn does not see its own append', async () => {
    const h = serial([
      [
        0,
        [
          ['append', 'x', 3],
          ['r', 'x', []],
        ],
      ],
    ]);
    expectTypes(await check(h, LA), ['internal']);
    const rw = serial([
      [
        0,
        [
          ['w', 'x', 3],
          ['r', 'x', 4],
        ],
      ],
      [1, [['w', 'x', 4]]],
    ]);
    expect((await check(rw, RW)).anomalyTypes).toContain('internal');
  });

  it('future-read: a txn reads the value it appends later', async () => {
    const h = serial([
      [
        0,
        [
          ['r', 'x', [1]],
          ['append', 'x', 1],
        ],
      ],
    ]);
    expectTypes(await check(h, LA), ['future-read']);
  });

  it('rw-register future-read: a txn reads the value it writes later', async () => {
    // No serial order explains it (the value does not exist before the write), as list-append's
    // future-read (found by oracle.test.ts).
    const h = serial([
      [
        0,
        [
          ['r', 'x', 1],
          ['w', 'x', 1],
        ],
      ],
    ]);
    expectTypes(await check(h, RW), ['future-read']);
  });

  it('dirty-update: a committed append builds on a failed one (seen by a read: also G1a)', async () => {
    const h = serial([
      [0, [['append', 'x', 1]], 'fail'],
      [1, [['append', 'x', 2]]],
      [2, [['r', 'x', [1, 2]]]],
    ]);
    expectTypes(await check(h, LA), ['G1a', 'dirty-update']);
  });

  it('lost-update: two txns read the same version and both append (also G2-item)', async () => {
    const h = serial([
      [0, [['append', 'x', 0]]],
      [
        1,
        [
          ['r', 'x', [0]],
          ['append', 'x', 1],
        ],
      ],
      [
        2,
        [
          ['r', 'x', [0]],
          ['append', 'x', 2],
        ],
      ],
    ]);
    const r = await check(h, LA);
    expectTypes(r, ['G2-item', 'lost-update']);
    expect(cycles(r, 'G2-item')).toEqual(['#2 -rw-> #4 -rw-> #2']);
    expect([...(r.anomalies['lost-update']?.[0]?.ops ?? [])].sort()).toEqual(expect.arrayContaining([3, 5]));
  });

  it('rw-register lost-update: two txns read nil and both write', async () => {
    const h = serial([
      [
        0,
        [
          ['r', 'x', null],
          ['w', 'x', 1],
        ],
      ],
      [
        1,
        [
          ['r', 'x', null],
          ['w', 'x', 2],
        ],
      ],
    ]);
    expect((await check(h, RW)).anomalyTypes).toContain('lost-update');
  });

  it('duplicate-elements: an element appears twice in a read', async () => {
    const h = serial([
      [0, [['append', 'x', 1]]],
      [1, [['r', 'x', [1, 1]]]],
    ]);
    expectTypes(await check(h, LA), ['duplicate-elements']);
  });

  it('incompatible-order: two reads of x neither of which is a prefix of the other', async () => {
    const h = serial([
      [0, [['append', 'x', 1]]],
      [1, [['append', 'x', 2]]],
      [2, [['r', 'x', [1, 2]]]],
      [3, [['r', 'x', [2]]]],
    ]);
    expectTypes(await check(h, LA), ['incompatible-order']);
  });

  it('cyclic-versions: sequential keys order x both 1 < 2 and 2 < 1 (rw-register)', async () => {
    const h = build([
      inv(0, [['w', 'x', 1]]),
      inv(1, [['w', 'x', 2]]),
      done(0, [['w', 'x', 1]]),
      done(1, [['w', 'x', 2]]),
      txn(0, [['r', 'x', 2]]),
      txn(1, [['r', 'x', 1]]),
    ]);
    const r = await check(h, { ...RW, sequentialKeys: true });
    expect(r.anomalyTypes).toContain('cyclic-versions');
    expect(r.valid).toBe(false);
    // Without the sequential-keys assumption nothing orders the two writes.
    expectTypes(await check(h, RW), []);
  });

  it("a read showing a txn's own appends in reverse order is no serial outcome", async () => {
    // #2 appended 2 then 3; no execution, at any isolation level, makes x = [3 2 1]. Elle's rules infer
    // no edge from a txn to itself, and the read ends in #0's (final) append, so no G1b either: Elle
    // misses it (found by oracle.test.ts); ours names it incompatible-order, the read against #2's own
    // order. ([2 1] after one txn appended 1 then 2 is G1b.)
    const h = serial([
      [0, [['append', 'x', 1]]],
      [
        1,
        [
          ['append', 'x', 2],
          ['append', 'x', 3],
        ],
      ],
      [2, [['r', 'x', [3, 2, 1]]]],
    ]);
    const r = await check(h, LA);
    expect(r.valid, JSON.stringify(r.anomalyTypes)).toBe(false);
    expect(r.anomalyTypes).toContain('incompatible-order');
    const g1b = serial([
      [
        0,
        [
          ['append', 'x', 1],
          ['append', 'x', 2],
        ],
      ],
      [1, [['r', 'x', [2, 1]]]],
    ]);
    expect((await check(g1b, LA)).anomalyTypes).toContain('G1b');
  });

  it('garbage-read: a read of a value nobody wrote (list-append and rw-register)', async () => {
    expectTypes(await check(serial([[0, [['r', 'x', [5]]]]]), LA), ['garbage-read']);
    expectTypes(await check(serial([[0, [['r', 'x', 5]]]]), RW), ['garbage-read']);
  });
});

describe('valid histories pass', () => {
  it('a serial list-append history, strict-serializable', async () => {
    const h = serial([
      [
        0,
        [
          ['append', 'x', 1],
          ['r', 'x', [1]],
        ],
      ],
      [
        1,
        [
          ['r', 'x', [1]],
          ['append', 'x', 2],
          ['append', 'y', 1],
        ],
      ],
      [
        0,
        [
          ['r', 'x', [1, 2]],
          ['r', 'y', [1]],
        ],
      ],
    ]);
    expectTypes(await check(h, STRICT), []);
    expectTypes(await check(h, SESSION), []);
  });

  it('concurrent txns serializable in an order other than their invocations', async () => {
    const h = build([
      inv(0, [['r', 'x', null]]),
      inv(1, [['append', 'x', 1]]),
      done(1, [['append', 'x', 1]]),
      done(0, [['r', 'x', [1]]]),
    ]);
    expectTypes(await check(h, STRICT), []);
  });

  it('an info append may or may not have happened; a fail append is ignored unless read', async () => {
    const h = serial([
      [0, [['append', 'x', 1]], 'info'],
      [1, [['append', 'x', 2]], 'fail'],
      [2, [['r', 'x', []]]],
      [3, [['append', 'x', 3]]],
      [4, [['r', 'x', [3]]]],
    ]);
    expectTypes(await check(h, STRICT), []);
  });

  it('one txn appending twice over its own read is no lost update (Elle)', async () => {
    const h = serial([
      [
        0,
        [
          ['r', 'x', []],
          ['append', 'x', 1],
          ['append', 'x', 2],
        ],
      ],
      [1, [['r', 'x', [1, 2]]]],
    ]);
    expectTypes(await check(h, STRICT), []);
  });

  it('a serial rw-register history, strict-serializable', async () => {
    const h = serial([
      [
        0,
        [
          ['r', 'x', null],
          ['w', 'x', 1],
        ],
      ],
      [
        1,
        [
          ['r', 'x', 1],
          ['w', 'y', 2],
          ['r', 'y', 2],
        ],
      ],
      [
        0,
        [
          ['r', 'y', 2],
          ['r', 'x', 1],
        ],
      ],
    ]);
    expectTypes(await check(h, { ...RW, consistencyModels: ['strict-serializable'] }), []);
  });

  it('write skew is allowed by snapshot isolation, and G2-item by read-committed', async () => {
    const h = build([
      inv(0, [
        ['r', 'x', null],
        ['append', 'y', 1],
      ]),
      inv(1, [
        ['r', 'y', null],
        ['append', 'x', 1],
      ]),
      done(0, [
        ['r', 'x', []],
        ['append', 'y', 1],
      ]),
      done(1, [
        ['r', 'y', []],
        ['append', 'x', 1],
      ]),
    ]);
    expectTypes(await check(h, { ...LA, consistencyModels: ['snapshot-isolation'] }), []);
    expectTypes(await check(h, { ...LA, consistencyModels: ['read-committed'] }), []);
  });
});

describe("the tests' own cycle check (expect.ts resultProblems)", () => {
  it('rejects a cycle whose edges its micro-ops do not justify, and accepts a real one', async () => {
    const h = serial([
      [
        0,
        [
          ['append', 'x', 1],
          ['r', 'y', [1]],
        ],
      ],
      [
        1,
        [
          ['append', 'x', 2],
          ['append', 'y', 1],
        ],
      ],
      [2, [['r', 'x', [1, 2]]]],
    ]);
    const r = await check(h, LA);
    expect(resultProblems(r, h)).toEqual([]);
    const forged = structuredClone(r);
    const steps = (forged.anomalies.G1c![0]!.data as { cycle: { edge: { kind: string; value?: unknown } }[] })
      .cycle;
    steps[0]!.edge.value = 7; // a ww edge naming an append nobody made
    expect(resultProblems(forged, h).join('\n')).toMatch(/not justified/);
    steps[0]!.edge.kind = 'process'; // #0 and #2 ran on different processes
    expect(resultProblems(forged, h).join('\n')).toMatch(/-process-> .* not justified/);
  });
});
