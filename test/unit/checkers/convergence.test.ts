import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConvergenceResult, canonical, convergence, finalReads } from '../../../checkers/convergence.ts';
import type { Op } from '../../../src/core/op.ts';

const nodes = ['n1', 'n2', 'n3'];
const ctx = { test: { name: 't', concurrency: 3, nodes } };

interface Read {
  node: string;
  outcome: 'ok' | 'fail' | 'info';
  value: unknown;
}

/** Main-phase reads, then the heal (a nemesis op, when `heal`), then the final reads. */
function history(main: Read[], heal: boolean, final: Read[]): Op[] {
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: h.length, ...o });
  let p = 0;
  const read = (r: Read) => {
    const process = p++;
    push({ type: 'invoke', process, f: 'read', value: null, node: r.node });
    push({ type: r.outcome, process, f: 'read', value: r.outcome === 'ok' ? r.value : null });
  };
  main.forEach(read);
  if (heal) {
    push({ type: 'invoke', process: 'nemesis', f: 'stop-partition', value: null });
    push({ type: 'ok', process: 'nemesis', f: 'stop-partition', value: null });
  }
  final.forEach(read);
  return h;
}

const check = (h: Op[]) => convergence.check(ctx, h, {}) as ConvergenceResult;
const ok = (node: string, value: unknown): Read => ({ node, outcome: 'ok', value });

describe('convergence checker', () => {
  it('passes when every node reads the same after the heal, whatever they read before', () => {
    const r = check(
      history(
        [ok('n1', [1]), ok('n2', [1, 2])],
        true,
        nodes.map((n) => ok(n, [1, 2, 3])),
      ),
    );
    expect(r.valid).toBe(true);
    expect(r.finalReads.map((f) => f.node)).toEqual(nodes);
    expect(r.missing).toEqual([]);
  });

  it('flags nodes that disagree and groups them by value', () => {
    const r = check(history([], true, [ok('n1', 5), ok('n2', 5), ok('n3', 4)]));
    expect(r.valid).toBe(false);
    expect(r.summary).toMatch(/DIVERGED: 2 different/);
    expect(r.groups).toEqual([
      { value: 5, nodes: ['n1', 'n2'] },
      { value: 4, nodes: ['n3'] },
    ]);
  });

  it('ignores reads before the heal and failed reads; lists nodes without a final read', () => {
    const r = check(
      history([ok('n3', 9)], true, [ok('n1', 1), ok('n2', 1), { node: 'n3', outcome: 'fail', value: null }]),
    );
    expect(r.valid).toBe(true);
    expect(r.missing).toEqual(['n3']);
  });

  it('compares maps by content, not key order', () => {
    expect(canonical({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe(canonical({ a: [2, { c: 2, d: 1 }], b: 1 }));
    const r = check(history([], false, [ok('n1', { a: 1, b: 2 }), ok('n2', { b: 2, a: 1 })]));
    expect(r.valid).toBe(true);
  });

  it('is unknown with fewer than two final reads', () => {
    expect(check(history([ok('n1', 1)], true, [ok('n1', 1)])).valid).toBe('unknown');
  });

  it('takes the last read per node when there was no nemesis', () => {
    const h = history([ok('n1', 1), ok('n2', 2)], false, [ok('n1', 3), ok('n2', 3)]);
    expect(finalReads(h).map((f) => f.value)).toEqual([3, 3]);
    expect(check(h).valid).toBe(true);
  });

  it('agrees with a brute-force oracle on small random histories', () => {
    const read: fc.Arbitrary<Read> = fc.record({
      node: fc.constantFrom(...nodes),
      outcome: fc.constantFrom('ok', 'ok', 'fail', 'info'),
      value: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constantFrom([0, 1], [1, 0])),
    }) as fc.Arbitrary<Read>;
    fc.assert(
      fc.property(
        fc.array(read, { maxLength: 5 }),
        fc.boolean(),
        fc.array(read, { maxLength: 6 }),
        (main, heal, final) => {
          const r = check(history(main, heal, final));
          // Oracle: the last ok read of each node among those that count.
          const counted = heal ? final : [...main, ...final];
          const last = new Map<string, unknown>();
          for (const x of counted) if (x.outcome === 'ok') last.set(x.node, x.value);
          const values = new Set([...last.values()].map((v) => JSON.stringify(v)));
          const expected = last.size < 2 ? 'unknown' : values.size === 1;
          const missing = nodes.filter((n) => !last.has(n));
          return r.valid === expected && JSON.stringify(r.missing) === JSON.stringify(missing);
        },
      ),
      { numRuns: 300 },
    );
  });
});
