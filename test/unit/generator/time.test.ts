import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
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
import { invokes, MS, sec } from './helpers.ts';

const read = { f: 'r' };
const times = (h: ReturnType<typeof simulate>) => invokes(h).map((o) => o.time / MS);

describe('timeLimit', () => {
  it('emits nothing scheduled at or after start + limit', () => {
    const h = simulate(clients(timeLimit(sec(10 * MS), repeat(read))), {
      concurrency: 1,
      seed: 1,
      complete: () => ({ latencyNs: 3 * MS }),
    });
    expect(times(h)).toEqual([0, 3, 6, 9]);
  });

  it('ends at an op scheduled past the cutoff', () => {
    const h = simulate(timeLimit(sec(10 * MS), delay(sec(4 * MS), repeat(read))), {
      concurrency: 2,
      seed: 1,
    });
    expect(times(h)).toEqual([0, 4, 8]);
  });

  it('excludes an op scheduled exactly at the cutoff', () => {
    const h = simulate(timeLimit(sec(8 * MS), delay(sec(4 * MS), repeat(read))), { concurrency: 2, seed: 1 });
    expect(times(h)).toEqual([0, 4]);
  });

  it('starts counting when it is first asked', () => {
    const h = simulate(seq(sleep(sec(5 * MS)), timeLimit(sec(3 * MS), delay(sec(MS), repeat(read)))), {
      concurrency: 2,
      seed: 1,
    });
    expect(times(h)).toEqual([5, 6, 7]);
  });
});

describe('sleep', () => {
  it('emits nothing for its duration, starting when first asked', () => {
    const h = simulate(seq(once({ f: 'a' }), sleep(sec(10 * MS)), once({ f: 'b' })), {
      concurrency: 1,
      seed: 1,
    });
    expect(invokes(h).map((o) => [o.f, o.time / MS])).toEqual([
      ['a', 0],
      ['b', 10],
    ]);
  });

  it('wakes on time inside any, even while other threads are busy', () => {
    const g = clientsAndNemesis(
      limit(4, repeat(read)),
      seq(sleep(sec(2.5 * MS)), once({ f: 'start' }), sleep(sec(MS)), once({ f: 'stop' })),
    );
    const h = simulate(g, { concurrency: 1, seed: 1, complete: () => ({ latencyNs: 10 * MS }) });
    const nem = invokes(h).filter((o) => o.process === 'nemesis');
    expect(nem.map((o) => [o.f, o.time / MS])).toEqual([
      ['start', 2.5],
      ['stop', 13.5], // the sleep starts after `start` completed (its thread was busy)
    ]);
  });
});

describe('delay', () => {
  it('spaces ops exactly', () => {
    const h = simulate(limit(5, delay(sec(2 * MS), repeat(read))), {
      concurrency: 3,
      seed: 1,
      complete: () => ({ latencyNs: MS / 2 }),
    });
    expect(times(h)).toEqual([0, 2, 4, 6, 8]);
  });

  it('catches up after falling behind', () => {
    const h = simulate(clients(limit(4, delay(sec(2 * MS), repeat(read)))), {
      concurrency: 1,
      seed: 1,
      complete: (op) => ({ latencyNs: op.index === 0 ? 7 * MS : MS / 10 }),
    });
    // Due at 0, 2, 4, 6: the thread is busy until 7, then the late ones go at once.
    expect(times(h)).toEqual([0, 7, 7.1, 7.2]);
  });
});

describe('stagger', () => {
  it('spreads ops over random gaps in [0, 2 × mean)', () => {
    const h = simulate(limit(500, stagger(sec(4 * MS), repeat(read))), {
      concurrency: 4,
      seed: 3,
      complete: () => ({ latencyNs: MS }),
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

describe('units: the time combinators take seconds, as Jepsen', () => {
  it('timeLimit(30, …) is 30 s, delay(1, …) 1 s, sleep(2) 2 s on the ns clock', () => {
    const h = simulate(seq(sleep(2), timeLimit(30, delay(1, repeat(read)))), { concurrency: 1, seed: 1 });
    expect(times(h)[0]).toBe(2000);
    expect(times(h).at(-1)).toBe(31_000);
    expect(invokes(h)).toHaveLength(30);
  });

  it('stagger(0.01, …) averages 100 ops/s', () => {
    const h = simulate(limit(1000, stagger(0.01, repeat(read))), { concurrency: 4, seed: 1 });
    const spanS = (invokes(h).at(-1)!.time - invokes(h)[0]!.time) / 1e9;
    expect(1000 / spanS).toBeGreaterThan(90);
    expect(1000 / spanS).toBeLessThan(110);
  });

  it('a negative, NaN or infinite time is a one-line UserError naming the combinator', () => {
    for (const [f, name] of [
      [() => timeLimit(-1, repeat(read)), 'timeLimit'],
      [() => delay(Number.NaN, repeat(read)), 'delay'],
      [() => stagger(Number.POSITIVE_INFINITY, repeat(read)), 'stagger'],
      [() => sleep(-0.5), 'sleep'],
    ] as const) {
      expect(f).toThrow(UserError);
      expect(f).toThrow(new RegExp(`^${name} takes seconds`));
    }
  });
});
