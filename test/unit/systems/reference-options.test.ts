/**
 * Every reference design accepts the timeout options its node programs read through nodes/lib.mjs
 * (`--opt timeoutScaleMax=…`, `--opt adaptiveTimeouts=false`), as systems/reference/README.md documents,
 * and refuses values out of range with a one-line UserError.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { resolveTest } from '../../../src/registry.ts';
import { REFERENCE_SYSTEMS } from '../../../systems/reference/index.ts';

const resolve = (system: string, mode: string, workload: string, options: Record<string, unknown>) =>
  resolveTest({ system, mode, workload, nodes: 3, options } as Parameters<typeof resolveTest>[0]);

describe('reference timeout options', () => {
  for (const d of REFERENCE_SYSTEMS) {
    it(`${d.name} accepts timeoutScaleMax and adaptiveTimeouts`, () => {
      const workload =
        d.name === 'reference/atomic-commit' ? 'bank' : d.name === 'reference/crdt' ? 'counter' : 'register';
      const r = resolve(d.name, d.modes[0]!, workload, { timeoutScaleMax: 4, adaptiveTimeouts: false });
      expect(r.test.options).toMatchObject({ timeoutScaleMax: 4, adaptiveTimeouts: false });
    });
  }
  it('refuses a cap below 1', () => {
    expect(() => resolve('reference/primary-backup', 'sync', 'set', { timeoutScaleMax: 0 })).toThrow(
      UserError,
    );
    expect(() => resolve('reference/primary-backup', 'sync', 'set', { timeoutScaleMax: 0 })).toThrow(
      /timeoutScaleMax=0: expected number in \[1, 1000\]/,
    );
  });
});
