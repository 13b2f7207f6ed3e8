import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../systems/memory/store.ts';

describe('memory store', () => {
  it('honest: reads see the latest write, cas compares, adds accumulate', () => {
    const s = new MemoryStore('honest', 1);
    s.write('k', 1);
    expect(s.read('n3', 'k')).toBe(1);
    expect(s.cas('k', 2, 3)).toBe(false);
    expect(s.cas('k', 1, 3)).toBe(true);
    expect(s.read('n2', 'k')).toBe(3);
    for (let i = 0; i < 100; i++) s.add('set', i);
    expect(s.read('n1', 'set')).toHaveLength(100);
    expect(s.read('n1', 'missing')).toBeNull();
  });

  it('lost-writes drops about the asked fraction of adds', () => {
    const s = new MemoryStore('lost-writes', 7, { lossRate: 0.2 });
    for (let i = 0; i < 5000; i++) s.add('set', i);
    const kept = (s.read('n1', 'set') as number[]).length;
    expect(kept).toBeGreaterThan(3800);
    expect(kept).toBeLessThan(4200);
  });

  it('duplicated-adds applies some adds twice', () => {
    const s = new MemoryStore('duplicated-adds', 7, { duplicateRate: 0.5 });
    for (let i = 0; i < 100; i++) s.add('set', i);
    const xs = s.read('n1', 'set') as number[];
    expect(xs.length).toBeGreaterThan(120);
    expect(new Set(xs).size).toBe(100);
  });

  it('stale-reads serves n2… from a copy up to staleMs old; n1 is current', () => {
    let now = 0;
    const s = new MemoryStore('stale-reads', 1, { staleMs: 100 }, () => now);
    s.write('k', 1);
    expect(s.read('n2', 'k')).toBe(1);
    s.write('k', 2);
    expect(s.read('n1', 'k')).toBe(2);
    expect(s.read('n2', 'k')).toBe(1);
    now = 150;
    expect(s.read('n2', 'k')).toBe(2);
  });

  it('delayed-visibility hides acknowledged writes for visibilityMs', () => {
    let now = 0;
    const s = new MemoryStore('delayed-visibility', 1, { visibilityMs: 50 }, () => now);
    s.add('set', 1);
    expect(s.read('n1', 'set')).toBeNull();
    now = 60;
    expect(s.read('n1', 'set')).toEqual([1]);
  });
});
