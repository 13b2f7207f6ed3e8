import { describe, expect, it } from 'vitest';
import { setFull, setFullChecker } from '../../../checkers/set-full.ts';
import type { Op } from '../../../src/core/op.ts';

const ctx = { test: { name: 't', concurrency: 2, nodes: ['n1'] } };
const MS = 1e6;

/** [process, type, f, value, time ms] */
function h(steps: [number, Op['type'], string, unknown, number][]): Op[] {
  return steps.map(([process, type, f, value, t], index) => ({
    index,
    time: t * MS,
    process,
    type,
    f,
    value,
  }));
}

type R = Record<string, unknown> & { valid: unknown };
const check = (ops: Op[], c = setFullChecker) => c.check(ctx, ops, {}) as R;

describe('set-full checker', () => {
  it('stable elements, with the latency until they stayed visible', () => {
    const r = check(
      h([
        [0, 'invoke', 'add', 1, 0],
        [0, 'ok', 'add', 1, 10],
        [1, 'invoke', 'read', null, 20],
        [1, 'ok', 'read', [1], 25],
        [1, 'invoke', 'read', null, 30],
        [1, 'ok', 'read', [1], 35],
      ]),
    );
    expect(r.valid).toBe(true);
    expect(r.stableCount).toBe(1);
    expect(r.lostCount).toBe(0);
    expect((r.stableLatencyMs as Record<string, number>)['0.5']).toBe(20);
  });

  it('lost: seen (or acknowledged), then missing from every later read', () => {
    const r = check(
      h([
        [0, 'invoke', 'add', 1, 0],
        [0, 'ok', 'add', 1, 10],
        [0, 'invoke', 'add', 2, 11],
        [0, 'info', 'add', 2, 12],
        [1, 'invoke', 'read', null, 20],
        [1, 'ok', 'read', [1, 2], 25],
        [1, 'invoke', 'read', null, 30],
        [1, 'ok', 'read', [], 35],
      ]),
    );
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([1, 2]);
    expect(r.lostDetails).toEqual([
      { element: 1, knownAtMs: 10, lastPresentMs: 20, lastAbsentMs: 30 },
      { element: 2, knownAtMs: 25, lastAbsentMs: 30 },
    ]);
  });

  it('stale reads: missing, then present again; only an anomaly when linearizable', () => {
    const ops = h([
      [0, 'invoke', 'add', 7, 0],
      [0, 'ok', 'add', 7, 10],
      [1, 'invoke', 'read', null, 20],
      [1, 'ok', 'read', [], 25],
      [1, 'invoke', 'read', null, 30],
      [1, 'ok', 'read', [7], 35],
    ]);
    const r = check(ops);
    expect(r.valid).toBe(true);
    expect(r.staleCount).toBe(1);
    expect(r.stableCount).toBe(1);
    expect(check(ops, setFull({ linearizable: true })).valid).toBe(false);
  });

  it('never read, never seen, unexpected and duplicated elements', () => {
    const r = check(
      h([
        [1, 'invoke', 'read', null, 0],
        [1, 'ok', 'read', [9, 9], 5],
        [0, 'invoke', 'add', 1, 10],
        [0, 'ok', 'add', 1, 20],
        [0, 'invoke', 'add', 2, 21],
        [0, 'fail', 'add', 2, 22],
      ]),
    );
    expect(r.neverReadCount).toBe(1);
    expect(r.neverSeenCount).toBe(1);
    expect(r.unexpected).toEqual([9]);
    expect(r.duplicated).toEqual([9]);
    expect(r.valid).toBe(false);
  });

  it('is unknown without reads', () => {
    expect(check(h([[0, 'invoke', 'add', 1, 0]])).valid).toBe('unknown');
  });
});
