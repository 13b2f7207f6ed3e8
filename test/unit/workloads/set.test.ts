import { describe, expect, it } from 'vitest';
import { limit } from '../../../src/generator/combinators.ts';
import { simulate } from '../../../src/generator/simulate.ts';
import { setWorkload } from '../../../workloads/set.ts';

describe('set workload', () => {
  it('adds only by default; setReads mixes in reads and adds the set-full checker', () => {
    const plain = setWorkload(3);
    expect(plain.checkers.map((c) => c.name)).toEqual(['set']);
    const fs = (g: typeof plain.generator) =>
      new Set(simulate(limit(400, g), { concurrency: 3, seed: 1, nemesis: false }).map((o) => o.f));
    expect(fs(plain.generator)).toEqual(new Set(['add']));
    const mixed = setWorkload(3, { setReads: true });
    expect(mixed.checkers.map((c) => c.name)).toEqual(['set', 'set-full']);
    expect(fs(mixed.generator)).toEqual(new Set(['add', 'read']));
  });
});
