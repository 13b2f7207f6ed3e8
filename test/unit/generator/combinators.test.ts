import { describe, expect, it } from 'vitest';
import {
  any,
  clients,
  filter,
  flipFlop,
  fn,
  gen,
  limit,
  map,
  mix,
  nemesis,
  nil,
  once,
  onUpdate,
  phases,
  processLimit,
  repeat,
  seq,
  simulate,
  sleep,
  synchronize,
  untilOk,
} from '../../../src/generator/index.ts';
import { completions, fs, invokes, MS, sec } from './helpers.ts';

const a = { f: 'a' };
const b = { f: 'b' };

describe('limit', () => {
  it('emits at most n ops', () => {
    expect(invokes(simulate(limit(3, repeat(a)), { concurrency: 2, seed: 1 }))).toHaveLength(3);
    expect(simulate(limit(0, repeat(a)), { concurrency: 2, seed: 1 })).toEqual([]);
    expect(invokes(simulate(limit(5, seq(a, b)), { concurrency: 2, seed: 1 }))).toHaveLength(2);
  });
});

describe('synchronize and phases', () => {
  it('synchronize waits until every thread is free', () => {
    const slow = () => ({ latencyNs: 5 * MS });
    const plain = simulate(clients(seq(a, b)), { concurrency: 2, seed: 1, complete: slow });
    const synced = simulate(clients(seq(a, synchronize(b))), { concurrency: 2, seed: 1, complete: slow });
    expect(invokes(plain).map((o) => o.time)).toEqual([0, 0]);
    expect(invokes(synced).map((o) => o.time)).toEqual([0, 5 * MS]);
  });

  it('phases: each phase starts after every op of the previous one completed', () => {
    const h = simulate(phases(limit(6, repeat(a)), limit(6, repeat(b)), once({ f: 'c' })), {
      concurrency: 3,
      seed: 4,
      complete: (_op, rng) => ({ latencyNs: rng.float() * 10 * MS }),
    });
    expect(fs(h)).toEqual([...Array(6).fill('a'), ...Array(6).fill('b'), 'c']);
    const lastA = Math.max(
      ...completions(h)
        .filter((o) => o.f === 'a')
        .map((o) => o.index),
    );
    const firstB = Math.min(
      ...invokes(h)
        .filter((o) => o.f === 'b')
        .map((o) => o.index),
    );
    const lastB = Math.max(
      ...completions(h)
        .filter((o) => o.f === 'b')
        .map((o) => o.index),
    );
    const c = invokes(h).find((o) => o.f === 'c')!;
    expect(firstB).toBeGreaterThan(lastA);
    expect(c.index).toBeGreaterThan(lastB);
  });
});

describe('mix', () => {
  it('picks a child at random for each op', () => {
    const h = simulate(limit(400, mix([repeat(a), repeat(b)])), { concurrency: 2, seed: 5 });
    const n = fs(h).filter((f) => f === 'a').length;
    expect(n).toBeGreaterThan(150);
    expect(n).toBeLessThan(250);
  });

  it('drops exhausted children and ends when all are', () => {
    const h = simulate(limit(50, mix([once(a), repeat(b)])), { concurrency: 2, seed: 5 });
    expect(fs(h).filter((f) => f === 'a')).toHaveLength(1);
    expect(fs(h)).toHaveLength(50);
    expect(fs(simulate(mix([once(a), once(b)]), { concurrency: 2, seed: 5 })).sort()).toEqual(['a', 'b']);
  });
});

describe('any', () => {
  it('takes the soonest op of its children', () => {
    const h = simulate(any([seq(sleep(sec(3 * MS)), once(a)), once(b)]), { concurrency: 2, seed: 1 });
    expect(invokes(h).map((o) => [o.f, o.time])).toEqual([
      ['b', 0],
      ['a', 3 * MS],
    ]);
  });

  it('does not let an op scheduled far ahead overtake a child that wakes sooner', () => {
    const h = simulate(any([once({ f: 'b', time: 10 * MS }), seq(sleep(sec(3 * MS)), once(a))]), {
      concurrency: 2,
      seed: 1,
    });
    expect(invokes(h).map((o) => [o.f, o.time / MS])).toEqual([
      ['a', 3],
      ['b', 10],
    ]);
  });

  it('ends when every child has', () => {
    expect(
      fs(simulate(any([limit(2, repeat(a)), limit(3, repeat(b))]), { concurrency: 1, seed: 1 })).sort(),
    ).toEqual(['a', 'a', 'b', 'b', 'b']);
  });

  it('tells every child about every event', () => {
    // untilOk in the second child must hear that its op completed ok, whichever child emitted first.
    const h = simulate(limit(20, any([nemesis(limit(1, repeat(a))), clients(untilOk(repeat(b)))])), {
      concurrency: 1,
      seed: 1,
    });
    expect(fs(h).filter((f) => f === 'b')).toHaveLength(1);
  });
});

describe('flipFlop', () => {
  it('alternates and ends when the one whose turn it is is exhausted', () => {
    expect(fs(simulate(limit(6, flipFlop(repeat(a), repeat(b))), { concurrency: 2, seed: 1 }))).toEqual([
      'a',
      'b',
      'a',
      'b',
      'a',
      'b',
    ]);
    expect(fs(simulate(flipFlop(once(a), repeat(b)), { concurrency: 2, seed: 1 }))).toEqual(['a', 'b']);
  });
});

describe('untilOk', () => {
  it('stops after the first ok completion', () => {
    let n = 0;
    const h = simulate(clients(untilOk(repeat(a))), {
      concurrency: 1,
      seed: 1,
      complete: () => ({ type: ++n <= 3 ? 'fail' : 'ok' }),
    });
    expect(h.map((o) => o.type)).toEqual([
      'invoke',
      'fail',
      'invoke',
      'fail',
      'invoke',
      'fail',
      'invoke',
      'ok',
    ]);
  });

  it('lets ops in flight finish but starts none after the ok', () => {
    let n = 0;
    const h = simulate(clients(untilOk(repeat(a))), {
      concurrency: 3,
      seed: 1,
      complete: () => ({ type: ++n === 5 ? 'ok' : 'info', latencyNs: n * MS }),
    });
    const ok = h.find((o) => o.type === 'ok')!;
    expect(invokes(h).every((o) => o.index < ok.index)).toBe(true);
    expect(invokes(h)).toHaveLength(completions(h).length);
    expect(invokes(h).length).toBeGreaterThanOrEqual(5);
  });
});

describe('map, filter, onUpdate, processLimit', () => {
  it('map transforms each op', () => {
    const h = simulate(
      map((op) => ({ ...op, value: 42, f: `${op.f}!` }), limit(3, repeat(a))),
      { concurrency: 2, seed: 1 },
    );
    expect(invokes(h).map((o) => [o.f, o.value])).toEqual([
      ['a!', 42],
      ['a!', 42],
      ['a!', 42],
    ]);
  });

  it('filter keeps only matching ops', () => {
    const xs = [1, 2, 3, 4, 5, 6].map((v) => ({ f: 'w', value: v }));
    const h = simulate(
      filter((op) => (op.value as number) % 2 === 0, gen(xs)),
      { concurrency: 2, seed: 1 },
    );
    expect(invokes(h).map((o) => o.value)).toEqual([2, 4, 6]);
  });

  it('onUpdate replaces how events are handled', () => {
    const g = onUpdate(
      (inner, ctx, e) => (e.type === 'ok' && e.f === 'first' ? gen({ f: 'second' }) : inner.update(ctx, e)),
      // synchronize(nil) keeps it pending (not exhausted, which would be final) until `first` completes.
      seq(once({ f: 'first' }), synchronize(nil)),
    );
    expect(fs(simulate(g, { concurrency: 1, seed: 1 }))).toEqual(['first', 'second']);
  });

  it('processLimit stops at the first op of a process beyond n', () => {
    const crashy = simulate(clients(processLimit(2, repeat(a))), {
      concurrency: 2,
      seed: 1,
      complete: () => ({ type: 'info' }),
      maxSteps: 10_000,
    });
    expect(invokes(crashy).map((o) => o.process)).toEqual([0, 1]);
    const fine = simulate(clients(limit(10, processLimit(2, repeat(a)))), { concurrency: 2, seed: 1 });
    expect(new Set(invokes(fine).map((o) => o.process))).toEqual(new Set([0, 1]));
    expect(invokes(fine)).toHaveLength(10);
  });

  it('fn sees the restricted context of its combinator', () => {
    const h = simulate(
      clients(
        limit(
          2,
          fn((ctx) => ({ f: 'r', value: ctx.threads })),
        ),
      ),
      {
        concurrency: 2,
        seed: 1,
      },
    );
    expect(invokes(h)[0]!.value).toEqual([0, 1]);
  });
});
