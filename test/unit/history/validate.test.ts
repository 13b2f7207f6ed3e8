import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideVerdict } from '../../../src/check/verdict.ts';
import { type CheckResult, noAnomalies } from '../../../src/core/checker.ts';
import type { Op } from '../../../src/core/op.ts';
import { validateHistory } from '../../../src/history/validate.ts';

type Step = [Op['process'], Op['type'], string];
const h = (steps: Step[]): Op[] =>
  steps.map(([process, type, f], index) => ({ index, time: index, process, type, f, value: null }));

describe('validateHistory', () => {
  it('a well-formed history has no problems (nemesis info/info pairs included, as Jepsen writes them)', () => {
    expect(
      validateHistory(
        h([
          [0, 'invoke', 'read'],
          [1, 'invoke', 'write'],
          ['nemesis', 'info', 'start'],
          [0, 'ok', 'read'],
          ['nemesis', 'info', 'start'],
          [1, 'info', 'write'],
          [1, 'invoke', 'read'], // pending at the end is fine
        ]),
      ),
    ).toEqual([]);
  });

  it('names a completion with no invoke, a second invoke, and a completion of another f', () => {
    const ps = validateHistory(
      h([
        [0, 'invoke', 'write'],
        [0, 'ok', 'write'],
        [5, 'ok', 'read'],
        [1, 'invoke', 'read'],
        [1, 'invoke', 'write'],
        [2, 'invoke', 'cas'],
        [2, 'ok', 'read'],
      ]),
    );
    expect(ps.map((p) => [p.index, p.kind])).toEqual([
      [2, 'orphan-completion'],
      [4, 'double-invoke'],
      [6, 'f-mismatch'],
    ]);
    expect(ps[0]!.message).toBe('op 2: ok read from process 5 completes with no invoke');
    expect(ps[1]!.message).toMatch(/process 1 invokes write while its op 3 \(read\) has not completed/);
    expect(ps[2]!.message).toMatch(/completes op 5, which invoked cas/);
  });

  it('flags two ops with one index', () => {
    const ops = h([
      [0, 'invoke', 'read'],
      [0, 'ok', 'read'],
    ]);
    ops[1]!.index = 0;
    expect(validateHistory(ops).map((p) => p.kind)).toEqual(['duplicate-index']);
  });

  it('flags a history out of index order or out of time order (file order would be judged otherwise)', () => {
    // By index, the read (0, 1) returns 1 before the write of 1 (2, 3) starts; in file order it is after.
    const byIndex = h([
      [0, 'invoke', 'write'],
      [0, 'ok', 'write'],
      [1, 'invoke', 'read'],
      [1, 'ok', 'read'],
    ]).map((o, i) => ({ ...o, index: [2, 3, 0, 1][i]! }));
    expect(validateHistory(byIndex).map((p) => [p.index, p.kind])).toEqual([[0, 'index-order']]);
    const byTime = h([
      [0, 'invoke', 'write'],
      [0, 'ok', 'write'],
      [1, 'invoke', 'read'],
      [1, 'ok', 'read'],
    ]).map((o, i) => ({ ...o, time: [300, 400, 100, 200][i]! }));
    expect(validateHistory(byTime).map((p) => [p.index, p.kind])).toEqual([[2, 'time-order']]);
    // Equal times are fine (a coarse clock).
    expect(validateHistory(byTime.map((o) => ({ ...o, time: 7 })))).toEqual([]);
  });

  it('any history whose indices or times are not in file order is flagged (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 20 }), { minLength: 2, maxLength: 10 }),
        fc.boolean(),
        (keys, onIndex) => {
          // One client op pair per process keeps the pairing well-formed; only the order fields vary.
          const ops: Op[] = keys.flatMap((_, p) => [
            { index: 0, time: 0, process: p, type: 'invoke' as const, f: 'read', value: null },
            { index: 0, time: 0, process: p, type: 'ok' as const, f: 'read', value: null },
          ]);
          const order = ops.map((_, i) => keys[Math.floor(i / 2)]! * 2 + (i % 2));
          ops.forEach((o, i) => {
            o.index = onIndex ? order[i]! : i;
            o.time = onIndex ? i : order[i]!;
          });
          const sorted = order.every((x, i) => i === 0 || x >= order[i - 1]!);
          const distinct = new Set(order).size === order.length;
          const kinds = validateHistory(ops).map((p) => p.kind);
          if (onIndex) {
            expect(kinds.includes('index-order') || kinds.includes('duplicate-index')).toBe(
              !sorted || !distinct,
            );
          } else expect(kinds.includes('time-order')).toBe(!sorted);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds every injected impossibility in random well-formed histories (property)', () => {
    // Well-formed: per process, invoke/completion alternate; then one mutation.
    const wellFormed = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('read', 'write')), { maxLength: 12 })
      .map((xs) => {
        const steps: Step[] = [];
        for (const [p, f] of xs) steps.push([p, 'invoke', f], [p, 'ok', f]);
        return h(steps);
      });
    fc.assert(
      fc.property(
        wellFormed,
        fc.nat(),
        fc.constantFrom('drop-invoke', 'dup-invoke', 'change-f'),
        (ops, at, how) => {
          expect(validateHistory(ops)).toEqual([]);
          const invokes = ops.filter((o) => o.type === 'invoke');
          if (invokes.length === 0) return;
          const inv = invokes[at % invokes.length]!;
          const pos = ops.indexOf(inv);
          let bad: Op[];
          let kind: string;
          if (how === 'drop-invoke') {
            bad = ops.filter((o) => o !== inv);
            kind = 'orphan-completion';
          } else if (how === 'dup-invoke') {
            bad = [...ops.slice(0, pos + 1), { ...inv }, ...ops.slice(pos + 1)];
            kind = 'double-invoke';
          } else {
            bad = ops.map((o) => (o === inv ? { ...o, f: 'cas' } : o));
            kind = 'f-mismatch';
          }
          bad = bad.map((o, index) => ({ ...o, index }));
          const ps = validateHistory(bad);
          expect(ps.length).toBeGreaterThan(0);
          expect(ps.map((p) => p.kind)).toContain(kind);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('decideVerdict', () => {
  const problems = validateHistory(h([[5, 'ok', 'read']]));
  const composed = (lin: CheckResult['valid'], st: CheckResult['valid']): CheckResult => ({
    valid: lin === false || st === false ? false : lin === 'unknown' || st === 'unknown' ? 'unknown' : true,
    summary: 'x',
    ...noAnomalies(),
    results: { linearizable: { valid: lin }, stats: { valid: st, reason: 'no cas op ever succeeded' } },
  });

  it('a malformed history is unknown, with the reason and every problem, and the checkers not run', () => {
    const r = decideVerdict(undefined, { historyProblems: problems });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toBe('history is malformed: 1 problem');
    expect(r.historyProblems).toEqual(problems);
  });

  it('--allow-malformed: the checkers decide, the problems stay listed', () => {
    const r = decideVerdict(composed(true, true), { historyProblems: problems, allowMalformed: true });
    expect(r.valid).toBe(true);
    expect(r.historyProblems).toHaveLength(1);
    expect(r.summary).toMatch(/malformed: 1 problem; allowed/);
  });

  it('informational checkers do not gate: the requested checker decides', () => {
    const info = { historyProblems: [], informational: ['stats', 'exceptions'] };
    expect(decideVerdict(composed(true, 'unknown'), info).valid).toBe(true);
    expect(decideVerdict(composed(false, 'unknown'), info).valid).toBe(false);
    expect(decideVerdict(composed('unknown', true), info).valid).toBe('unknown');
    // Without informational checkers (faultline's own runs) stats still gates.
    expect(decideVerdict(composed(true, 'unknown'), { historyProblems: [] }).valid).toBe('unknown');
    expect(decideVerdict(composed(true, true), { historyProblems: [] }).historyProblems).toBeUndefined();
  });
});
