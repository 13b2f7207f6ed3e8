import { describe, expect, it } from 'vitest';
import type { Thread } from '../../../src/core/generator.ts';
import {
  clients,
  cycle,
  empty,
  fillIn,
  fn,
  gen,
  limit,
  makeContext,
  nil,
  once,
  Rng,
  repeat,
  seq,
  simulate,
  untilOk,
} from '../../../src/generator/index.ts';
import { fs, invokes, MS } from './helpers.ts';

const ctxWith = (free: Thread[], processes: [Thread, number | 'nemesis'][] = []) =>
  makeContext(
    7,
    [0, 1, 2, 'nemesis'],
    new Set(free),
    new Map<Thread, number | 'nemesis'>([[0, 0], [1, 1], [2, 2], ['nemesis', 'nemesis'], ...processes]),
    new Rng(1),
  );

describe('fillIn and makeContext', () => {
  it('takes a free thread, the context time, and null for a missing value', () => {
    const op = fillIn({ f: 'read' }, ctxWith([2, 1]));
    expect(op).toMatchObject({ type: 'invoke', time: 7, f: 'read', value: null });
    expect([1, 2]).toContain((op as { process: number }).process);
  });

  it('picks among the free threads with the context rng: every free one, never a busy one', () => {
    const ctx = ctxWith([0, 2, 'nemesis']);
    const seen = new Set<unknown>();
    for (let i = 0; i < 200; i++) seen.add((fillIn({ f: 'r' }, ctx) as { process: unknown }).process);
    expect([...seen].sort()).toEqual([0, 2, 'nemesis']);
    // The same seed picks the same threads.
    const picks = (seed: number) => {
      const c = makeContext(
        0,
        [0, 1, 2],
        new Set([0, 1, 2]),
        new Map([
          [0, 0],
          [1, 1],
          [2, 2],
        ]),
        new Rng(seed),
      );
      return Array.from({ length: 20 }, () => (fillIn({ f: 'r' }, c) as { process: number }).process);
    };
    expect(picks(5)).toEqual(picks(5));
  });

  it('keeps a given time, value and extra fields', () => {
    const op = fillIn({ f: 'w', value: 3, time: 99, node: 'n1' }, ctxWith([0]));
    expect(op).toEqual({ type: 'invoke', process: 0, time: 99, f: 'w', value: 3, node: 'n1' });
  });

  it('is pending when no thread is free or the asked process is busy', () => {
    expect(fillIn({ f: 'r' }, ctxWith([]))).toBe('pending');
    expect(fillIn({ f: 'r', process: 1 }, ctxWith([0, 2]))).toBe('pending');
    expect(fillIn({ f: 'r', process: 2 }, ctxWith([0, 2]))).toMatchObject({ process: 2 });
  });

  it('maps current and retired processes to their thread', () => {
    const ctx = ctxWith([0], [[1, 4]]);
    expect(ctx.processOf(1)).toBe(4);
    expect(ctx.threadOf(4)).toBe(1);
    expect(ctx.threadOf(1)).toBe(1); // retired: 1 mod 3
    expect(ctx.threadOf(7)).toBe(1);
    expect(ctx.threadOf('nemesis')).toBe('nemesis');
  });
});

describe('lifting', () => {
  it('once emits its template once, on a client thread', () => {
    const h = simulate(clients(once({ f: 'read', value: 1 })), { concurrency: 2, seed: 1 });
    const p = h[0]?.process;
    expect([0, 1]).toContain(p);
    expect(h).toEqual([
      { index: 0, time: 0, type: 'invoke', process: p, f: 'read', value: 1 },
      { index: 1, time: MS, type: 'ok', process: p, f: 'read', value: 1 },
    ]);
  });

  it('a template coerced by gen is emitted once', () => {
    expect(fs(simulate(gen({ f: 'x' }), { concurrency: 3, seed: 1 }))).toEqual(['x']);
  });

  it('fn is called for every op until it returns null', () => {
    let calls = 0;
    const g = fn((ctx) => {
      calls++;
      return ctx.time < 5 * MS ? { f: 'x', value: ctx.time } : null;
    });
    const h = simulate(g, { concurrency: 1, seed: 1, nemesis: false });
    expect(invokes(h).map((o) => o.value)).toEqual([0, 1, 2, 3, 4].map((t) => t * MS));
    // Not called while the only thread is busy: 5 ops + the final null.
    expect(calls).toBe(6);
  });

  it('nil and empty emit nothing', () => {
    expect(simulate(nil, { concurrency: 2, seed: 1 })).toEqual([]);
    expect(simulate(empty, { concurrency: 2, seed: 1 })).toEqual([]);
    expect(simulate(null, { concurrency: 2, seed: 1 })).toEqual([]);
  });

  it('gen rejects what it cannot coerce', () => {
    expect(() => gen({ nope: 1 } as never)).toThrow(/not a generator/);
  });
});

describe('sequencing, repeat, cycle', () => {
  const a = { f: 'a' };
  const b = { f: 'b' };
  const c = { f: 'c' };

  it('seq and arrays run their parts in order', () => {
    expect(fs(simulate(seq(a, b, c), { concurrency: 2, seed: 1 }))).toEqual(['a', 'b', 'c']);
    expect(fs(simulate(seq(a, [b, c]), { concurrency: 2, seed: 1 }))).toEqual(['a', 'b', 'c']);
    expect(fs(simulate([c, nil, a], { concurrency: 2, seed: 1 }))).toEqual(['c', 'a']);
  });

  it('the current part of a sequence hears the events', () => {
    let n = 0;
    const h = simulate(limit(10, seq(untilOk(repeat(a)), b)), {
      concurrency: 1,
      nemesis: false,
      seed: 1,
      complete: () => ({ type: ++n <= 2 ? 'fail' : 'ok' }),
    });
    expect(fs(h)).toEqual(['a', 'a', 'a', 'b']);
  });

  it('repeat emits a template n times, or forever', () => {
    expect(fs(simulate(repeat(a, 3), { concurrency: 2, seed: 1 }))).toEqual(['a', 'a', 'a']);
    expect(invokes(simulate(limit(7, repeat(a)), { concurrency: 2, seed: 1 }))).toHaveLength(7);
    expect(simulate(repeat(a, 0), { concurrency: 2, seed: 1 })).toEqual([]);
  });

  it('repeat re-emits the first op of a generator without advancing it', () => {
    expect(fs(simulate(repeat(seq(a, b), 3), { concurrency: 2, seed: 1 }))).toEqual(['a', 'a', 'a']);
  });

  it('cycle restarts an exhausted generator', () => {
    expect(fs(simulate(cycle(seq(a, b), 2), { concurrency: 1, seed: 1 }))).toEqual(['a', 'b', 'a', 'b']);
    expect(fs(simulate(limit(5, cycle([a, b, c])), { concurrency: 3, seed: 1 }))).toEqual([
      'a',
      'b',
      'c',
      'a',
      'b',
    ]);
  });

  it('cycle of a generator that emits nothing ends instead of spinning', () => {
    expect(simulate(cycle(nil), { concurrency: 1, seed: 1 })).toEqual([]);
  });

  it('a sequence on client threads dispatches as threads free up', () => {
    const h = simulate(clients(seq(a, b, c)), {
      concurrency: 2,
      seed: 1,
      complete: () => ({ latencyNs: 10 * MS }),
    });
    // a and b at once on the two threads; c waits for one to free up.
    expect(invokes(h).map((o) => [o.f, o.time])).toEqual([
      ['a', 0],
      ['b', 0],
      ['c', 10 * MS],
    ]);
    expect(
      new Set(
        invokes(h)
          .slice(0, 2)
          .map((o) => o.process),
      ),
    ).toEqual(new Set([0, 1]));
  });
});
