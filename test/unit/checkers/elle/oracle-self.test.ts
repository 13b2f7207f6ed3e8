/**
 * The brute-force oracle's own tests (oracle.ts), so the checker is judged against something proven:
 * hand-made cases with known answers, and random histories read from a real execution, which must be
 * serializable (and strict-serializable when executed in real-time order).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { build, done, inv, serial, txn } from './histories.ts';
import { oracleCheck } from './oracle.ts';
import { buildHistory, historySpec, showHistory } from './random-history.ts';

describe('the oracle', () => {
  const la = 'list-append';
  it('accepts a serial history and finds its order', () => {
    const h = serial([
      [0, [['append', 'x', 1]]],
      [
        1,
        [
          ['r', 'x', [1]],
          ['append', 'x', 2],
        ],
      ],
      [0, [['r', 'x', [1, 2]]]],
    ]);
    expect(oracleCheck(h, la, { realtime: true })).toEqual({ serializable: true, order: [0, 1, 2] });
  });

  it('rejects write skew (G2-item) and accepts it once one read is fixed', () => {
    const skew = build([
      inv(0, [
        ['r', 'x', null],
        ['append', 'y', 1],
      ]),
      inv(1, [
        ['r', 'y', null],
        ['append', 'x', 2],
      ]),
      done(0, [
        ['r', 'x', []],
        ['append', 'y', 1],
      ]),
      done(1, [
        ['r', 'y', []],
        ['append', 'x', 2],
      ]),
    ]);
    expect(oracleCheck(skew, la, { realtime: false }).serializable).toBe(false);
    const fixed = build([
      inv(0, [
        ['r', 'x', null],
        ['append', 'y', 1],
      ]),
      inv(1, [
        ['r', 'y', null],
        ['append', 'x', 2],
      ]),
      done(0, [
        ['r', 'x', []],
        ['append', 'y', 1],
      ]),
      done(1, [
        ['r', 'y', [1]],
        ['append', 'x', 2],
      ]),
    ]);
    expect(oracleCheck(fixed, la, { realtime: false })).toEqual({ serializable: true, order: [0, 1] });
  });

  it('separates serializable from strict-serializable by real time', () => {
    // T0 completes before T1 is invoked, yet T0 read T1's append: a serial order exists (T1, T0), a
    // real-time one does not.
    const h = serial([
      [0, [['r', 'x', [1]]]],
      [1, [['append', 'x', 1]]],
    ]);
    expect(oracleCheck(h, la, { realtime: false }).serializable).toBe(true);
    expect(oracleCheck(h, la, { realtime: true }).serializable).toBe(false);
  });

  it('strong-session-serializable orders the txns of one process only', () => {
    // p1 appends 2, then reads x without it: serial as #4 < #2, but not in p1's own order.
    const h = serial([
      [0, [['append', 'x', 1]]],
      [1, [['append', 'x', 2]]],
      [1, [['r', 'x', [1]]]],
      [2, [['r', 'x', [1, 2]]]],
    ]);
    expect(oracleCheck(h, la, { realtime: false }).serializable).toBe(true);
    expect(oracleCheck(h, la, { realtime: false, process: true }).serializable).toBe(false);
    // Across processes the same shape is fine for sessions (only real time forbids it).
    const other = serial([
      [0, [['append', 'x', 1]]],
      [1, [['append', 'x', 2]]],
      [2, [['r', 'x', [1]]]],
      [3, [['r', 'x', [1, 2]]]],
    ]);
    expect(oracleCheck(other, la, { realtime: false, process: true }).serializable).toBe(true);
    expect(oracleCheck(other, la, { realtime: true }).serializable).toBe(false);
  });

  it('lets an info txn in or out, never a fail txn, and ignores unknown reads', () => {
    const read1 = (p: number) => txn(p, [['r', 'x', [1]]]);
    const info = build([
      txn(
        1,
        [
          ['append', 'x', 1],
          ['r', 'y', null],
        ],
        'info',
      ),
      read1(0),
    ]);
    expect(oracleCheck(info, la, { realtime: true }).serializable).toBe(true);
    const infoUnread = build([txn(1, [['append', 'x', 1]], 'info'), txn(0, [['r', 'x', []]])]);
    expect(oracleCheck(infoUnread, la, { realtime: true })).toEqual({ serializable: true, order: [1] });
    const fail = build([txn(1, [['append', 'x', 1]], 'fail'), read1(0)]);
    expect(oracleCheck(fail, la, { realtime: false }).serializable).toBe(false);
  });

  it('reads own writes, and rw-register reads the latest write or nil', () => {
    const own = serial([
      [
        0,
        [
          ['append', 'x', 1],
          ['r', 'x', [1]],
          ['append', 'x', 2],
          ['r', 'x', [1, 2]],
        ],
      ],
    ]);
    expect(oracleCheck(own, la, { realtime: true }).serializable).toBe(true);
    const notOwn = serial([
      [
        0,
        [
          ['append', 'x', 1],
          ['r', 'x', []],
        ],
      ],
    ]);
    expect(oracleCheck(notOwn, la, { realtime: true }).serializable).toBe(false);
    const rw = serial([
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
          ['w', 'x', 2],
          ['r', 'x', 2],
        ],
      ],
      [0, [['r', 'x', 2]]],
    ]);
    expect(oracleCheck(rw, 'rw-register', { realtime: true }).serializable).toBe(true);
    const stale = serial([
      [0, [['w', 'x', 1]]],
      [1, [['r', 'x', null]]],
    ]);
    expect(oracleCheck(stale, 'rw-register', { realtime: false }).serializable).toBe(true);
    expect(oracleCheck(stale, 'rw-register', { realtime: true }).serializable).toBe(false);
  });

  it.each(['list-append', 'rw-register'] as const)(
    '%s: histories read from a real execution are serializable (strict when in real-time order)',
    (w) => {
      fc.assert(
        fc.property(historySpec(), (spec) => {
          if (spec.mode === 'corrupted') return;
          const h = buildHistory(spec, w);
          const strict = oracleCheck(h, w, { realtime: true }).serializable;
          const ser = oracleCheck(h, w, { realtime: false }).serializable;
          expect(ser, showHistory(h)).toBe(true);
          if (spec.mode === 'realtime') expect(strict, showHistory(h)).toBe(true);
          // Real time orders a process's txns too: strict implies strong-session.
          if (strict) expect(oracleCheck(h, w, { realtime: false, process: true }).serializable).toBe(true);
        }),
        { numRuns: 1000 },
      );
    },
  );
});
