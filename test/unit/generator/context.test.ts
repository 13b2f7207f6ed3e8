import { describe, expect, it } from 'vitest';
import type { Thread } from '../../../src/core/generator.ts';
import { Rng } from '../../../src/core/rng.ts';
import { contextOn, fillIn, makeContext, restrictContext } from '../../../src/generator/index.ts';
import { ThreadSet } from '../../../src/generator/thread-set.ts';

const isClient = (t: Thread) => t !== 'nemesis';
const threads: Thread[] = [0, 1, 2, 3, 'nemesis'];

describe('restrictContext', () => {
  it("a child's free threads are the parent's free threads it may use, in thread order", () => {
    const free = new Set<Thread>(['nemesis', 3, 1]);
    const ctx = makeContext(5, threads, free, new Map(), new Rng(1));
    const child = restrictContext(ctx, isClient);
    expect(child.threads).toEqual([0, 1, 2, 3]);
    expect(child.time).toBe(5);
    expect([...child.free]).toEqual([1, 3]);
    expect(child.free.size).toBe(2);
    expect(child.free.has(3)).toBe(true);
    expect(child.free.has('nemesis')).toBe(false);
    expect(child.free.has(0)).toBe(false);
    expect([...child.free.keys()]).toEqual([1, 3]);
    expect([...child.free.entries()]).toEqual([
      [1, 1],
      [3, 3],
    ]);
    const seen: Thread[] = [];
    child.free.forEach((t) => {
      seen.push(t);
    });
    expect(seen).toEqual([1, 3]);
    // The same answer as a plain copy would give, for every thread.
    for (const t of threads) expect(child.free.has(t)).toBe(free.has(t) && isClient(t));
  });

  it('follows the parent as its threads are taken and freed (the runner reuses one free set)', () => {
    const free = new Set<Thread>(threads);
    const ctx = makeContext(0, threads, free, new Map(), new Rng(1));
    free.delete(2);
    expect([...restrictContext(ctx, isClient).free]).toEqual([0, 1, 3]);
    free.add(2);
    free.delete(0);
    expect([...restrictContext(ctx, isClient).free]).toEqual([1, 2, 3]);
  });

  it('keeping every thread shares the parent threads and free set; nested restrictions compose', () => {
    const clientsOnly: Thread[] = [0, 1, 2];
    const free = new Set<Thread>([0, 2]);
    const ctx = makeContext(0, clientsOnly, free, new Map(), new Rng(1));
    const child = restrictContext(ctx, isClient);
    expect(child.threads).toBe(clientsOnly);
    expect(child.free).toBe(free);
    const wide = makeContext(0, threads, new Set<Thread>(threads), new Map(), new Rng(1));
    const odd = restrictContext(restrictContext(wide, isClient), (t) => t === 1 || t === 3);
    expect(odd.threads).toEqual([1, 3]);
    expect([...odd.free]).toEqual([1, 3]);
  });

  it('contextOn restricts to an explicit list', () => {
    const ctx = makeContext(0, threads, new Set<Thread>([0, 'nemesis']), new Map(), new Rng(1));
    const on = contextOn(ctx, ['nemesis', 1]);
    expect(on.threads).toEqual([1, 'nemesis']);
    expect([...on.free]).toEqual(['nemesis']);
  });
});

describe('ThreadSet (the machine’s free threads)', () => {
  it('behaves as a Set of its threads: membership, size, insertion order, re-adding', () => {
    const s = new ThreadSet(3, true);
    const ref = new Set<Thread>();
    const both = (f: (x: Set<Thread> | ThreadSet) => unknown) => {
      f(ref);
      f(s);
    };
    both((x) => x.add(2));
    both((x) => x.add('nemesis'));
    both((x) => x.add(0));
    both((x) => x.add(2)); // already there: keeps its place
    expect([...s]).toEqual([...ref]);
    expect(s.delete('nemesis')).toBe(ref.delete('nemesis'));
    expect(s.delete('nemesis')).toBe(false);
    both((x) => x.add(1));
    both((x) => x.add('nemesis'));
    expect([...s]).toEqual([2, 0, 1, 'nemesis']);
    expect([...s]).toEqual([...ref]);
    expect(s.size).toBe(4);
    expect([...s.entries()]).toEqual([...ref.entries()]);
    for (const t of [0, 1, 2, 3, -1, 0.5, 'nemesis', 'other'] as Thread[]) expect(s.has(t)).toBe(ref.has(t));
    for (const t of [2, 0, 1, 'nemesis'] as Thread[]) both((x) => x.delete(t));
    expect(s.size).toBe(0);
    expect([...s]).toEqual([]);
    expect(() => s.add(3)).toThrow(/not one of this machine's threads/);
    expect(() => new ThreadSet(2, false).add('nemesis')).toThrow(/not one/);
  });

  it('finds the k-th member in thread order, and knows its universe', () => {
    const s = new ThreadSet(4, true);
    for (const t of ['nemesis', 3, 1] as Thread[]) s.add(t);
    expect([0, 1, 2, 3].map((k) => s.nthInThreadOrder(k))).toEqual([1, 3, 'nemesis', undefined]);
    expect(s.isUniverse([0, 1, 2, 3, 'nemesis'])).toBe(true);
    expect(s.isUniverse([0, 1, 2, 3])).toBe(false);
    expect(s.isUniverse([1, 0, 2, 3, 'nemesis'])).toBe(false);
    // fillIn over the machine's set picks exactly what it picks over a plain Set with the same members.
    const threads: Thread[] = [0, 1, 2, 3, 'nemesis'];
    for (const seed of [1, 2, 3, 4, 5]) {
      const a = fillIn({ f: 'r' }, makeContext(0, threads, s, new Map(), new Rng(seed)));
      const b = fillIn({ f: 'r' }, makeContext(0, threads, new Set<Thread>(s), new Map(), new Rng(seed)));
      expect(a).toEqual(b);
    }
  });

  it('random adds and deletes agree with a Set', () => {
    const s = new ThreadSet(8, true);
    const ref = new Set<Thread>();
    const rng = new Rng(7);
    for (let i = 0; i < 5000; i++) {
      const r = rng.int(9);
      const t: Thread = r === 8 ? 'nemesis' : r;
      if (rng.float() < 0.5) {
        s.add(t);
        ref.add(t);
      } else expect(s.delete(t)).toBe(ref.delete(t));
      expect(s.size).toBe(ref.size);
      if (i % 50 === 0) {
        const inOrder = ([0, 1, 2, 3, 4, 5, 6, 7, 'nemesis'] as Thread[]).filter((x) => ref.has(x));
        for (let k = 0; k <= inOrder.length; k++) expect(s.nthInThreadOrder(k)).toBe(inOrder[k]);
      }
    }
    expect([...s]).toEqual([...ref]);
  });
});
