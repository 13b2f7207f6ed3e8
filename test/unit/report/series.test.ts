import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../../src/core/op.ts';
import { buildRows } from '../../../src/report/rows.ts';
import { bucketWidth, perfSeries, quantile } from '../../../src/report/series.ts';
import { historyOf } from './helpers.ts';

describe('rows', () => {
  it('pairs ops, groups processes into threads, and puts the nemesis on its own lane', () => {
    const h = historyOf([
      [0, 'invoke', 0, 'add', 1],
      [1, 'invoke', 1, 'add', 2],
      [2, 'invoke', 'nemesis', 'kill'],
      [3, 'info', 0, 'add', 1],
      [4, 'ok', 1, 'add', 2],
      [5, 'ok', 'nemesis', 'kill'],
      [6, 'invoke', 2, 'add', 3], // thread 0 continues as process 0 + 2
      [7, 'fail', 2, 'add', 3],
      [8, 'invoke', 3, 'add', 4], // never completes
    ]);
    const r = buildRows(h, 2);
    expect(r.threads).toBe(2);
    expect(r.rows.map((x) => [x.invoke.index, x.completion?.index, x.outcome, x.lane])).toEqual([
      [0, 3, 'info', 0],
      [1, 4, 'ok', 1],
      [2, 5, 'ok', -1],
      [6, 7, 'fail', 0],
      [8, undefined, 'pending', 1],
    ]);
    expect(r.endNs).toBe(8e6);
  });

  it('estimates the concurrency when test.json does not give it', () => {
    const h = historyOf([
      [0, 'invoke', 0, 'r'],
      [1, 'invoke', 1, 'r'],
      [2, 'invoke', 2, 'r'],
      [3, 'ok', 0, 'r'],
      [4, 'ok', 1, 'r'],
      [5, 'ok', 2, 'r'],
    ]);
    expect(buildRows(h).threads).toBe(3);
  });

  it('counts completions without an invocation instead of drawing them', () => {
    expect(buildRows(historyOf([[0, 'ok', 0, 'r']])).orphans).toBe(1);
  });
});

describe('perf series', () => {
  it('picks round bucket widths', () => {
    expect(bucketWidth(20)).toBe(0.2);
    expect(bucketWidth(120)).toBe(1);
    expect(bucketWidth(3600)).toBe(30);
    expect(bucketWidth(0)).toBe(0.01);
  });

  it('computes nearest-rank quantiles', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([7], 0.01)).toBe(7);
  });

  it('buckets throughput by completion time and outcome, and latency per f and outcome', () => {
    const h = historyOf([
      [0, 'invoke', 0, 'write', 1],
      [10, 'ok', 0, 'write', 1],
      [20, 'invoke', 0, 'read'],
      [50, 'fail', 0, 'read'],
      [1500, 'invoke', 1, 'read'],
      [1501, 'info', 1, 'read'],
      [1600, 'invoke', 'nemesis', 'start-partition'],
      [1700, 'ok', 'nemesis', 'start-partition'],
      [2000, 'invoke', 2, 'read'],
    ]);
    const p = perfSeries(buildRows(h, 3), { buckets: 2 });
    expect(p.bucketS).toBe(1);
    expect(p.tS).toEqual([0, 1]);
    expect(p.throughput).toEqual({ ok: [1, 0], fail: [1, 0], info: [0, 1] });
    expect(p.scatter).toEqual([
      { f: 'read', outcome: 'info', tS: [1.501], latencyMs: [1], rows: [2] },
      { f: 'read', outcome: 'fail', tS: [0.05], latencyMs: [30], rows: [1] },
      { f: 'write', outcome: 'ok', tS: [0.01], latencyMs: [10], rows: [0] },
    ]);
    expect(p.quantiles.p50).toEqual([10, 1]);
    expect(p.quantiles.p99).toEqual([30, 1]);
    expect(p.overall).toEqual({ count: 1, p50: 10, p95: 10, p99: 10, max: 10 });
    expect(p.durationS).toBe(2);
  });

  it('accounts for every completed client op exactly once (property)', () => {
    const arb = fc.array(
      fc.record({
        gap: fc.integer({ min: 0, max: 5e8 }),
        lat: fc.integer({ min: 0, max: 3e9 }),
        t: fc.constantFrom('ok', 'fail', 'info'),
      }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(arb, (specs) => {
        const h: Op[] = [];
        let time = 0;
        specs.forEach((s, p) => {
          time += s.gap;
          h.push({ index: 0, time, type: 'invoke', process: p, f: 'w', value: p });
          h.push({ index: 0, time: time + s.lat, type: s.t as 'ok', process: p, f: 'w', value: p });
        });
        h.sort((a, b) => a.time - b.time);
        h.forEach((op, i) => {
          op.index = i;
        });
        const p = perfSeries(buildRows(h, 4));
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        const counted = sum(p.throughput.ok) + sum(p.throughput.fail) + sum(p.throughput.info);
        expect(Math.round(counted * p.bucketS)).toBe(specs.length);
        expect(sum(p.scatter.map((g) => g.tS.length))).toBe(specs.length);
        for (const q of ['p50', 'p95', 'p99'] as const) expect(p.quantiles[q]).toHaveLength(p.tS.length);
      }),
    );
  });
});
