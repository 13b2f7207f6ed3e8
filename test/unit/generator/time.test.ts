import { describe, expect, it } from 'vitest';
import {
  clients,
  clientsAndNemesis,
  delay,
  limit,
  once,
  repeat,
  seq,
  simulate,
  sleep,
  stagger,
  timeLimit,
} from '../../../src/generator/index.ts';
import { invokes, MS } from './helpers.ts';

const read = { f: 'r' };
const times = (h: ReturnType<typeof simulate>) => invokes(h).map((o) => o.time / MS);

describe('timeLimit', () => {
  it('emits nothing scheduled at or after start + limit', () => {
    const h = simulate(clients(timeLimit(10 * MS, repeat(read))), {
      concurrency: 1,
      seed: 1,
      complete: () => ({ latency: 3 * MS }),
    });
    expect(times(h)).toEqual([0, 3, 6, 9]);
  });

  it('ends at an op scheduled past the cutoff', () => {
    const h = simulate(timeLimit(10 * MS, delay(4 * MS, repeat(read))), { concurrency: 2, seed: 1 });
    expect(times(h)).toEqual([0, 4, 8]);
  });

  it('excludes an op scheduled exactly at the cutoff', () => {
    const h = simulate(timeLimit(8 * MS, delay(4 * MS, repeat(read))), { concurrency: 2, seed: 1 });
    expect(times(h)).toEqual([0, 4]);
  });

  it('starts counting when it is first asked', () => {
    const h = simulate(seq(sleep(5 * MS), timeLimit(3 * MS, delay(MS, repeat(read)))), {
      concurrency: 2,
      seed: 1,
    });
    expect(times(h)).toEqual([5, 6, 7]);
  });
});

describe('sleep', () => {
  it('emits nothing for its duration, starting when first asked', () => {
    const h = simulate(seq(once({ f: 'a' }), sleep(10 * MS), once({ f: 'b' })), { concurrency: 1, seed: 1 });
    expect(invokes(h).map((o) => [o.f, o.time / MS])).toEqual([
      ['a', 0],
      ['b', 10],
    ]);
  });

  it('wakes on time inside any, even while other threads are busy', () => {
    const g = clientsAndNemesis(
      limit(4, repeat(read)),
      seq(sleep(2.5 * MS), once({ f: 'start' }), sleep(MS), once({ f: 'stop' })),
    );
    const h = simulate(g, { concurrency: 1, seed: 1, complete: () => ({ latency: 10 * MS }) });
    const nem = invokes(h).filter((o) => o.process === 'nemesis');
    expect(nem.map((o) => [o.f, o.time / MS])).toEqual([
      ['start', 2.5],
      ['stop', 13.5], // the sleep starts after `start` completed (its thread was busy)
    ]);
  });
});

describe('delay', () => {
  it('spaces ops exactly', () => {
    const h = simulate(limit(5, delay(2 * MS, repeat(read))), {
      concurrency: 3,
      seed: 1,
      complete: () => ({ latency: MS / 2 }),
    });
    expect(times(h)).toEqual([0, 2, 4, 6, 8]);
  });

  it('catches up after falling behind', () => {
    const h = simulate(clients(limit(4, delay(2 * MS, repeat(read)))), {
      concurrency: 1,
      seed: 1,
      complete: (op) => ({ latency: op.index === 0 ? 7 * MS : MS / 10 }),
    });
    // Due at 0, 2, 4, 6: the thread is busy until 7, then the late ones go at once.
    expect(times(h)).toEqual([0, 7, 7.1, 7.2]);
  });
});

describe('stagger', () => {
  it('spreads ops over random gaps in [0, 2 × mean)', () => {
    const h = simulate(limit(500, stagger(4 * MS, repeat(read))), {
      concurrency: 4,
      seed: 3,
      complete: () => ({ latency: MS }),
    });
    const ts = invokes(h).map((o) => o.time);
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
    expect(Math.max(...gaps)).toBeLessThan(8 * MS);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
    expect(new Set(gaps).size).toBeGreaterThan(400); // random, not fixed
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean / MS).toBeGreaterThan(3.5);
    expect(mean / MS).toBeLessThan(4.5);
  });
});
