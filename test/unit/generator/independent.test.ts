import { describe, expect, it } from 'vitest';
import type { Op } from '../../../src/core/op.ts';
import {
  clients,
  fn,
  independentConcurrent,
  independentSequential,
  LazyList,
  limit,
  onUpdate,
  repeat,
  simulate,
  untilOk,
} from '../../../src/generator/index.ts';
import { invokes, MS, pairs, threadOf } from './helpers.ts';

describe('LazyList', () => {
  it('is an immutable view of an iterable, read once', () => {
    let pulled = 0;
    function* nat() {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    const xs = LazyList.of(nat());
    const a = xs.first()!;
    const b = a.rest.first()!;
    expect([a.value, b.value, xs.first()!.value, a.rest.first()!.value]).toEqual([0, 1, 0, 1]);
    expect(pulled).toBe(2);
    expect(LazyList.of([]).first()).toBeNull();
  });
});

describe('independentSequential', () => {
  it('runs one key after the other, values as [key, value]', () => {
    const h = simulate(
      independentSequential(['x', 'y'], (k) => limit(2, repeat({ f: 'w', value: k.toUpperCase() }))),
      { concurrency: 2, seed: 1 },
    );
    expect(invokes(h).map((o) => o.value)).toEqual([
      ['x', 'X'],
      ['x', 'X'],
      ['y', 'Y'],
      ['y', 'Y'],
    ]);
  });
});

describe('independentConcurrent', () => {
  it('gives each group of threads one key at a time and moves on when its generator ends', () => {
    const h = simulate(
      independentConcurrent(2, [0, 1, 2, 3], (k) => limit(3, repeat({ f: 'w', value: `v${k}` }))),
      { concurrency: 4, seed: 1, complete: (_o, rng) => ({ latencyNs: (0.5 + rng.float()) * MS }) },
    );
    const ops = invokes(h);
    expect(ops).toHaveLength(12);
    for (const o of ops) {
      const [k, v] = o.value as [number, string];
      expect(v).toBe(`v${k}`);
    }
    // Every key was worked on by exactly one group of two threads.
    const groups = new Map<number, Set<number>>();
    for (const o of ops) {
      const k = (o.value as [number, string])[0];
      const g = Math.floor((threadOf(o.process, 4) as number) / 2);
      groups.set(k, (groups.get(k) ?? new Set()).add(g));
    }
    for (const gs of groups.values()) expect(gs.size).toBe(1);
    expect([...groups.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(ops.some((o) => o.process === 'nemesis')).toBe(false);
  });

  it("tells each key's generator about its own completions, unwrapped", () => {
    const seen: unknown[] = [];
    const g = independentConcurrent(1, ['a', 'b', 'c'], (k) =>
      onUpdate(
        (inner, ctx, e: Op) => {
          seen.push([k, e.type, e.value]);
          return inner.update(ctx, e);
        },
        untilOk(repeat({ f: 'r', value: k })),
      ),
    );
    const h = simulate(limit(50, g), {
      concurrency: 2,
      seed: 1,
      complete: (op) => ({ value: [(op.value as [string, unknown])[0], 'done'] }),
    });
    // untilOk stops each key after one ok: so it heard its completion, and only its own.
    expect(invokes(h).map((o) => o.value)).toEqual([
      ['a', 'a'],
      ['b', 'b'],
      ['c', 'c'],
    ]);
    expect(seen).toEqual([
      ['a', 'invoke', 'a'],
      ['b', 'invoke', 'b'],
      ['a', 'ok', 'done'],
      ['b', 'ok', 'done'],
      ['c', 'invoke', 'c'],
      ['c', 'ok', 'done'],
    ]);
  });

  it('takes keys lazily from an infinite iterable', () => {
    function* keys() {
      for (let i = 0; ; i++) yield i;
    }
    const h = simulate(
      limit(
        10,
        independentConcurrent(1, keys(), (k) => limit(2, repeat({ f: 'w', value: k }))),
      ),
      {
        concurrency: 1,
        seed: 1,
        nemesis: false,
      },
    );
    expect(invokes(h).map((o) => (o.value as number[])[0])).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it('refuses a thread count that does not split into groups', () => {
    expect(() =>
      simulate(
        independentConcurrent(2, [1], () => repeat({ f: 'w' })),
        { concurrency: 3, seed: 1 },
      ),
    ).toThrow(/3 client threads cannot be split into groups of 2/);
    expect(() => independentConcurrent(0, [1], () => null)).toThrow(/positive integer/);
  });

  it('gives inner generators a context of their group only', () => {
    const h = simulate(
      clients(
        independentConcurrent(2, [7, 8], () =>
          limit(
            2,
            fn((ctx) => ({ f: 'r', value: ctx.threads })),
          ),
        ),
      ),
      { concurrency: 4, seed: 1 },
    );
    for (const { invoke } of pairs(h)) {
      const [, threads] = invoke.value as [number, number[]];
      expect(threads).toContain(threadOf(invoke.process, 4));
      expect(threads).toHaveLength(2);
    }
  });
});
