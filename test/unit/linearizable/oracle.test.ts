import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizableSync } from '../../../checkers/linearizable/index.ts';
import type { Op, OpType } from '../../../src/core/op.ts';
import { bruteForceLinearizable } from './oracle.ts';

/**
 * Random tiny histories: up to 4 threads, up to 8 ops, values 0..2, completions ok/fail/info, some
 * invokes left pending. A thread that gets `info` continues under a fresh process id, as in Jepsen.
 */
const action = fc.record({
  thread: fc.nat(3),
  f: fc.constantFrom('read', 'write', 'cas'),
  a: fc.nat(2),
  b: fc.nat(2),
  // mostly ok; some fail, some info; reads rarely return nil (unknown)
  outcome: fc.constantFrom<OpType>('ok', 'ok', 'ok', 'ok', 'fail', 'info'),
  read: fc.constantFrom<number | null>(0, 1, 2, 0, 1, 2, null),
});

type Action = typeof action extends fc.Arbitrary<infer T> ? T : never;

function build(actions: Action[], model: 'register' | 'cas-register'): Op[] {
  const history: Op[] = [];
  const procOf = [0, 1, 2, 3];
  const open = new Map<number, Op>();
  let ops = 0;
  const push = (o: Omit<Op, 'index' | 'time'>) =>
    history.push({ ...o, index: history.length, time: history.length });
  for (const a of actions) {
    const p = procOf[a.thread]!;
    const inv = open.get(a.thread);
    if (!inv) {
      if (ops >= 8) continue;
      ops++;
      const f = model === 'register' && a.f === 'cas' ? 'write' : a.f;
      const value = f === 'read' ? null : f === 'write' ? a.a : [a.a, a.b];
      const op: Op = { index: 0, time: 0, type: 'invoke', process: p, f, value };
      push(op);
      open.set(a.thread, op);
      continue;
    }
    open.delete(a.thread);
    const value = inv.f === 'read' && a.outcome === 'ok' ? a.read : inv.value;
    push({ type: a.outcome, process: p, f: inv.f, value });
    if (a.outcome === 'info') procOf[a.thread] = p + 4;
  }
  return history;
}

describe('linearizability search agrees with a brute-force oracle', () => {
  for (const model of ['register', 'cas-register'] as const) {
    it(`${model}: 10,000 random histories`, () => {
      let valid = 0;
      let invalid = 0;
      const lens: number[] = [];
      fc.assert(
        fc.property(fc.array(action, { minLength: 4, maxLength: 24, size: 'max' }), (actions) => {
          const h = build(actions, model);
          const expected = bruteForceLinearizable(h, model);
          const r = checkLinearizableSync(h, model, { minimize: false });
          if (expected) valid++;
          else invalid++;
          expect(r.valid).toBe(expected);
          if (process.env.ORACLE_STATS) lens.push(h.length);
        }),
        { numRuns: 10_000 },
      );
      if (process.env.ORACLE_STATS)
        console.log(model, valid, invalid, lens.reduce((a, b) => a + b, 0) / lens.length);
      // both verdicts must be well represented, or the property proves little
      expect(valid).toBeGreaterThan(500);
      expect(invalid).toBeGreaterThan(500);
    });
  }
});
