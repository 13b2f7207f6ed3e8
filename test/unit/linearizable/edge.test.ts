import { describe, expect, it } from 'vitest';
import { checkLinearizable, checkLinearizableSync } from '../../../checkers/linearizable/index.ts';
import { h } from './helpers.ts';

describe('edge cases', () => {
  it('empty history, nemesis only, fail only: linearizable, nothing to check', async () => {
    expect((await checkLinearizable([], 'register')).summary).toContain('empty history');
    const nem = h([
      ['nemesis', 'invoke', 'start', null],
      ['nemesis', 'info', 'start', null],
    ]);
    expect((await checkLinearizable(nem, 'cas-register')).valid).toBe(true);
    const fails = h([
      [0, 'invoke', 'write', 1],
      [0, 'fail', 'write', 1],
    ]);
    const r = checkLinearizableSync(fails, 'register');
    expect(r.valid).toBe(true);
    expect(r.opCount).toBe(0);
  });

  it('only crashed ops and pending invokes: linearizable (they may never happen)', () => {
    const r = checkLinearizableSync(
      h([
        [0, 'invoke', 'write', 1],
        [1, 'invoke', 'cas', [5, 6]],
        [0, 'info', 'write', 1],
        [2, 'invoke', 'read', null],
      ]),
      'cas-register',
    );
    expect(r.valid).toBe(true);
  });

  it('reports malformed pairing instead of crashing', () => {
    const r = checkLinearizableSync(
      h([
        [0, 'ok', 'write', 1],
        [1, 'invoke', 'write', 2],
        [1, 'invoke', 'write', 3],
        [1, 'ok', 'write', 3],
      ]),
      'register',
    );
    expect(r.problems.length).toBe(2);
    expect(['boolean', 'string']).toContain(typeof r.valid);
  });

  it('a read of a value never written is refuted with a reason', () => {
    const r = checkLinearizableSync(
      h([
        [0, 'invoke', 'read', null],
        [0, 'ok', 'read', 9],
      ]),
      'register',
    );
    expect(r.valid).toBe(false);
    expect(r.failure!.finalPaths[0]!.tried[0]!.error).toBe('read 9, but the register holds nil');
  });
});
