import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planSchedule, scheduleGenerator } from '../../../nemeses/schedule.ts';
import { parseTargetSpec, resolveTargets } from '../../../nemeses/targets.ts';
import {
  blockedPairs,
  grudgeFor,
  majoritiesRing,
  TOPOLOGIES,
  validateGrudge,
} from '../../../nemeses/topology.ts';
import { parseSchedule } from '../../../src/core/nemesis.ts';
import { Rng } from '../../../src/core/rng.ts';
import { simulate } from '../../../src/generator/simulate.ts';
import { nemesis } from '../../../src/generator/threads.ts';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);

describe('topologies', () => {
  it('every topology gives a valid grudge that cuts something and never a node from itself', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 9 }),
        fc.integer(),
        fc.constantFrom(...TOPOLOGIES),
        (n, seed, topo) => {
          const ns = nodes(n);
          const g = grudgeFor(topo, ns, new Rng(seed), ['n1']);
          expect(validateGrudge(g, ns)).toBeUndefined();
          expect(blockedPairs(g).length).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('isolating one node blocks exactly the 2(n-1) pairs that involve it', () => {
    const g = grudgeFor('one', nodes(5), new Rng(1));
    const [victim] = Object.entries(g).find(([, from]) => from.length === 4)!;
    const pairs = blockedPairs(g);
    expect(pairs).toHaveLength(8);
    expect(pairs.every(([a, b]) => a === victim || b === victim)).toBe(true);
  });

  it('majorities-ring: every node sees a majority, no two see the same set', () => {
    for (const n of [3, 4, 5, 6, 7]) {
      const g = majoritiesRing(nodes(n), new Rng(n));
      const views = Object.entries(g).map(([a, from]) =>
        nodes(n)
          .filter((x) => !from.includes(x) || x === a)
          .sort()
          .join(),
      );
      for (const v of views) expect(v.split(',').length).toBeGreaterThan(n / 2);
      if (n >= 4) expect(new Set(views).size).toBe(n);
    }
  });

  it('same seed, same grudge', () => {
    expect(grudgeFor('bridge', nodes(7), new Rng(9))).toEqual(grudgeFor('bridge', nodes(7), new Rng(9)));
  });

  it('rejects a grudge with unknown nodes', () => {
    expect(validateGrudge({ n1: ['n9'] }, nodes(3))).toMatch(/unknown node n9/);
  });
});

describe('targets', () => {
  it('resolves specs to node lists of the right size', () => {
    const rng = new Rng(3);
    expect(resolveTargets('one', nodes(5), rng)).toHaveLength(1);
    expect(resolveTargets('minority', nodes(5), rng)).toHaveLength(2);
    expect(resolveTargets('majority', nodes(5), rng)).toHaveLength(3);
    expect(resolveTargets('all', nodes(5), rng)).toEqual(nodes(5));
    expect(resolveTargets('primaries', nodes(5), rng, ['n4'])).toEqual(['n4']);
    expect(resolveTargets(parseTargetSpec('n1+n3'), nodes(5), rng)).toEqual(['n1', 'n3']);
    expect(() => resolveTargets(['n8'], nodes(5), rng)).toThrow(/unknown target node/);
  });
});

const cycles = [
  {
    name: 'kill',
    start: (r: Rng) => ({ f: 'kill', value: resolveTargets('one', nodes(5), r) }),
    stop: (s: { value: unknown }) => ({ f: 'start', value: s.value }),
  },
  {
    name: 'pause',
    start: (r: Rng) => ({ f: 'pause', value: resolveTargets('minority', nodes(5), r) }),
    stop: (s: { value: unknown }) => ({ f: 'resume', value: s.value }),
  },
];

describe('schedule', () => {
  it('same seed, same plan; another seed, another plan', () => {
    const a = planSchedule(cycles, { seed: 1, timeLimitS: 60, intervalS: 5 });
    expect(planSchedule(cycles, { seed: 1, timeLimitS: 60, intervalS: 5 })).toEqual(a);
    expect(planSchedule(cycles, { seed: 2, timeLimitS: 60, intervalS: 5 })).not.toEqual(a);
  });

  it('each family alternates start and stop within the time limit, at the asked mean interval', () => {
    const plan = planSchedule(cycles, { seed: 4, timeLimitS: 1000, intervalS: 5 });
    expect(plan.every((e) => e.atS > 0 && e.atS < 1000)).toBe(true);
    const kills = plan.filter((e) => e.f === 'kill' || e.f === 'start').map((e) => e.f);
    expect(kills).toEqual(kills.map((_, i) => (i % 2 === 0 ? 'kill' : 'start')));
    const meanGap = 1000 / plan.filter((e) => e.f === 'kill' || e.f === 'start').length;
    expect(meanGap).toBeGreaterThan(4.5);
    expect(meanGap).toBeLessThan(5.5);
    expect(plan.map((e) => e.atS)).toEqual([...plan.map((e) => e.atS)].sort((x, y) => x - y));
  });

  it('the generator emits the plan on the nemesis thread at the planned times', () => {
    const plan = planSchedule(cycles, { seed: 4, timeLimitS: 30, intervalS: 3 });
    const h = simulate(nemesis(scheduleGenerator(plan)), { concurrency: 2, nemesis: true, seed: 1 });
    const invokes = h.filter((o) => o.type === 'invoke');
    expect(invokes.map((o) => [o.f, o.value])).toEqual(plan.map((e) => [e.f, e.value]));
    for (const [i, o] of invokes.entries())
      expect(o.time).toBeGreaterThanOrEqual(Math.round(plan[i]!.atS * 1e9));
    expect(invokes.every((o) => o.process === 'nemesis')).toBe(true);
  });
});

describe('parseSchedule (nemesis-schedule.json)', () => {
  it('reads atS, and the old files that say at (seconds too), into the same ops', () => {
    const e = { f: 'kill', value: { nodes: ['n1'] } };
    expect(parseSchedule([{ atS: 1.5, ...e }])).toEqual([{ atS: 1.5, ...e }]);
    expect(parseSchedule([{ at: 1.5, ...e }])).toEqual([{ atS: 1.5, ...e }]);
  });
  it('round-trips a planned schedule through JSON', () => {
    const plan = planSchedule(cycles, { seed: 3, timeLimitS: 60, intervalS: 4 });
    expect(parseSchedule(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });
  it('refuses what is not a list of {atS, f, value}', () => {
    for (const bad of [
      {},
      [1],
      [{ f: 'kill' }],
      [{ atS: '1', f: 'kill' }],
      [{ atS: 1 }],
      [{ atS: Number.NaN, f: 'x' }],
    ])
      expect(parseSchedule(bad)).toBeUndefined();
  });
});
