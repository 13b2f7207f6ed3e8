/**
 * Kind 16: planning is bounded. A fault schedule is planned up front (and stored for --replay), so the
 * registry refuses a plan of more than MAX_PLANNED_FAULTS faults per family with one line before drawing
 * anything, and planSchedule itself refuses one too (for callers that skip the registry).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PLANNED_FAULTS, planSchedule } from '../../../nemeses/schedule.ts';
import { UserError } from '../../../src/core/errors.ts';
import { resolveTest } from '../../../src/registry.ts';

const cycle = {
  name: 'x',
  start: () => ({ f: 'start-x', value: null }),
  stop: () => ({ f: 'stop-x', value: null }),
};

describe('planning is bounded', () => {
  it('the registry refuses --time-limit / --nemesis-interval above the bound, one line', () => {
    const t = () =>
      resolveTest({ system: 'etcd', nemesis: 'kill', timeLimit: 1_000_000, nemesisInterval: 0.01 });
    expect(t).toThrow(UserError);
    expect(t).toThrow(
      /^--time-limit 1000000 with --nemesis-interval 0\.01 would plan 100000000 faults per family; at most 50000: /,
    );
  });

  it('at the bound it plans, and the plan holds about timeLimit / interval faults per family', () => {
    const r = resolveTest({
      system: 'etcd',
      nemesis: 'kill,pause',
      timeLimit: MAX_PLANNED_FAULTS,
      nemesisInterval: 1,
      seed: 3,
    });
    const starts = r.nemesis!.schedule!.filter((e) => e.f === 'kill').length;
    expect(starts).toBeGreaterThan(MAX_PLANNED_FAULTS / 4);
    expect(starts).toBeLessThanOrEqual(MAX_PLANNED_FAULTS);
  });

  it('a replay does not plan, so a stored schedule is used whatever its size', () => {
    const schedule = [{ atS: 1, f: 'kill', value: { nodes: ['n1'] } }];
    const r = resolveTest(
      { system: 'etcd', nemesis: 'kill', timeLimit: 1_000_000, nemesisInterval: 0.01 },
      { schedule },
    );
    expect(r.nemesis!.schedule).toEqual(schedule);
  });

  it('planSchedule refuses what it could not hold, and never plans more than 2·limit/interval + 2 ops', () => {
    expect(() => planSchedule([cycle], { seed: 1, timeLimitS: 1e9, intervalS: 1e-6 })).toThrow(
      /more than 50000 faults/,
    );
    expect(() => planSchedule([cycle], { seed: 1, timeLimitS: 10, intervalS: 0 })).toThrow(
      /faults per family/,
    );
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.nat(),
        (limit, interval, seed) => {
          fc.pre(limit / interval <= MAX_PLANNED_FAULTS);
          const plan = planSchedule([cycle], { seed, timeLimitS: limit, intervalS: interval });
          // Gaps are at least interval/2: at most 2·limit/interval gaps fit, one op after each.
          expect(plan.length).toBeLessThanOrEqual(2 * (limit / interval) + 2);
          expect(plan.every((e) => e.atS < limit + 1e-3)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
