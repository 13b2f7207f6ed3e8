import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CounterResult, counterChecker } from '../../../checkers/counter.ts';
import type { Op } from '../../../src/core/op.ts';

const ctx = { test: { name: 't', concurrency: 2, nodes: [] } };
const check = (ops: Op[]) => counterChecker.check(ctx, ops, {}) as CounterResult;

/** Builds a history from [process, type, f, value] steps; times = indexes. */
function h(steps: [number, Op['type'], string, unknown][]): Op[] {
  return steps.map(([process, type, f, value], index) => ({ index, time: index, process, type, f, value }));
}

describe('counter checker: deltas of any sign', () => {
  it('add 5 ok, add -3 info, read 5: valid (the decrement may never have applied)', () => {
    const r = check(
      h([
        [0, 'invoke', 'add', 5],
        [0, 'ok', 'add', 5],
        [1, 'invoke', 'add', -3],
        [1, 'info', 'add', -3],
        [0, 'invoke', 'read', null],
        [0, 'ok', 'read', 5],
      ]),
    );
    expect(r.valid).toBe(true);
    expect(r.lastRead).toEqual({ value: 5, lower: 2, upper: 5 });
  });

  it('the same with read 2 is valid (it applied) and read 3 is not (no subset of the adds sums to 3)', () => {
    const base: [number, Op['type'], string, unknown][] = [
      [0, 'invoke', 'add', 5],
      [0, 'ok', 'add', 5],
      [1, 'invoke', 'add', -3],
      [1, 'info', 'add', -3],
      [0, 'invoke', 'read', null],
    ];
    expect(check(h([...base, [0, 'ok', 'read', 2]])).valid).toBe(true);
    const r = check(h([...base, [0, 'ok', 'read', 3]]));
    expect(r.valid).toBe(false);
    expect(r.errors[0]).toMatchObject({ value: 3, lower: 2, upper: 5, unreachable: true });
  });

  it('an acknowledged decrement moves both bounds; a failed one never applies', () => {
    const steps: [number, Op['type'], string, unknown][] = [
      [0, 'invoke', 'add', 4],
      [0, 'ok', 'add', 4],
      [0, 'invoke', 'add', -1],
      [0, 'ok', 'add', -1],
      [1, 'invoke', 'add', -2],
      [1, 'fail', 'add', -2],
      [0, 'invoke', 'read', null],
    ];
    expect(check(h([...steps, [0, 'ok', 'read', 3]])).valid).toBe(true);
    const low = check(h([...steps, [0, 'ok', 'read', 1]]));
    expect(low.valid).toBe(false);
    expect(low.errors[0]).toMatchObject({ lower: 3, upper: 3 });
  });

  it('a decrement still running (no completion) may or may not be in a later read', () => {
    const steps: [number, Op['type'], string, unknown][] = [
      [0, 'invoke', 'add', 2],
      [0, 'ok', 'add', 2],
      [1, 'invoke', 'add', -2],
      [0, 'invoke', 'read', null],
    ];
    expect(check(h([...steps, [0, 'ok', 'read', 0]])).valid).toBe(true);
    expect(check(h([...steps, [0, 'ok', 'read', 2]])).valid).toBe(true);
    expect(check(h([...steps, [0, 'ok', 'read', -1]])).valid).toBe(false);
  });

  it('an add invoked after the read completed is not in it', () => {
    const r = check(
      h([
        [0, 'invoke', 'read', null],
        [0, 'ok', 'read', -4],
        [1, 'invoke', 'add', -4],
        [1, 'ok', 'add', -4],
      ]),
    );
    expect(r.valid).toBe(false);
    expect(r.errors[0]).toMatchObject({ lower: 0, upper: 0 });
  });

  it('unit deltas over a long history need no search (every value between the bounds is reachable)', () => {
    const steps: [number, Op['type'], string, unknown][] = [];
    for (let i = 0; i < 2000; i++) {
      steps.push([i + 10, 'invoke', 'add', i % 3 === 0 ? -1 : 1], [i + 10, 'info', 'add', 0]);
    }
    const ops = h(steps).map((o) => (o.type === 'info' ? { ...o, value: steps[o.index - 1]![3] } : o));
    const read = h([
      [0, 'invoke', 'read', null],
      [0, 'ok', 'read', 17],
    ]).map((o) => ({ ...o, index: o.index + ops.length }));
    const r = check([...ops, ...read]);
    expect(r.valid).toBe(true);
    expect(r.boundsOnlyReads).toBe(0);
  });
});

// ---------- the brute-force oracle ----------

interface Spec {
  f: 'add' | 'read';
  /** The delta of an add, or the value a read returned. */
  value: number;
  outcome: 'ok' | 'fail' | 'info' | 'pending';
  /** Event slots: invoke at `start`, completion at `start + len` (none when pending). */
  start: number;
  len: number;
}

/** One process per op, so pairing is trivial; events sorted by slot, invokes first within a slot. */
function historyOf(specs: Spec[]): { ops: Op[]; span: Map<number, [number, number]> } {
  const events: { slot: number; order: number; op: Omit<Op, 'index' | 'time'>; spec: number }[] = [];
  specs.forEach((s, p) => {
    events.push({
      slot: s.start,
      order: 0,
      op: { type: 'invoke', process: p, f: s.f, value: s.f === 'add' ? s.value : null },
      spec: p,
    });
    if (s.outcome !== 'pending') {
      const type = s.f === 'read' ? (s.outcome === 'ok' ? 'ok' : 'fail') : s.outcome;
      events.push({
        slot: s.start + s.len,
        order: 1,
        op: { type, process: p, f: s.f, value: s.value },
        spec: p,
      });
    }
  });
  events.sort((a, b) => a.slot - b.slot || a.order - b.order || a.spec - b.spec);
  const ops = events.map((e, index) => ({ ...e.op, index, time: index }) as Op);
  // Positions of each op's invoke and completion (completion = +inf when pending).
  const span = new Map<number, [number, number]>();
  ops.forEach((o, i) => {
    const cur = span.get(o.process as number) ?? [i, Number.POSITIVE_INFINITY];
    if (o.type === 'invoke') cur[0] = i;
    else cur[1] = i;
    span.set(o.process as number, cur);
  });
  return { ops, span };
}

/**
 * Is there, for this read, a choice of linearization point p inside the read, and for every add
 * either "never applied" (only if not acknowledged, and always if failed) or a point q inside its
 * interval (after its invoke; before its completion if acknowledged), such that the adds with q < p
 * sum to the value read? Enumerates p over the gaps between events and every subset of adds.
 */
function readPossible(specs: Spec[], span: Map<number, [number, number]>, reader: number): boolean {
  const [ri, rc] = span.get(reader)!;
  const adds = specs.flatMap((s, p) => (s.f === 'add' && s.outcome !== 'fail' ? [p] : []));
  for (let p = ri + 0.5; p < rc; p += 1) {
    for (let mask = 0; mask < 1 << adds.length; mask++) {
      let sum = 0n; // exact, whatever the magnitudes
      let ok = true;
      adds.forEach((a, bit) => {
        const [ai, ac] = span.get(a)!;
        const acked = specs[a]!.outcome === 'ok';
        const included = (mask >> bit) & 1;
        // Included: some q in (ai, ac) with q < p. Excluded: never applied (if not acked) or q > p.
        if (included ? !(ai < p) : acked && !(ac > p)) ok = false;
        if (included) sum += BigInt(specs[a]!.value);
      });
      if (ok && sum === BigInt(specs[reader]!.value)) return true;
    }
  }
  return false;
}

describe('counter checker agrees with a brute-force oracle', () => {
  const spec = (f: 'add' | 'read'): fc.Arbitrary<Spec> =>
    fc.record({
      f: fc.constant(f),
      value: f === 'add' ? fc.integer({ min: -3, max: 3 }) : fc.integer({ min: -6, max: 6 }),
      outcome:
        f === 'add'
          ? fc.constantFrom('ok', 'ok', 'fail', 'info', 'pending')
          : fc.constantFrom('ok', 'ok', 'fail'),
      start: fc.integer({ min: 0, max: 8 }),
      len: fc.integer({ min: 1, max: 4 }),
    }) as fc.Arbitrary<Spec>;

  it('on small random histories with negative deltas', () => {
    fc.assert(
      fc.property(
        fc.array(spec('add'), { maxLength: 5 }),
        fc.array(spec('read'), { minLength: 1, maxLength: 3 }),
        (adds, reads) => {
          const specs = [...adds, ...reads];
          const { ops, span } = historyOf(specs);
          const r = check(ops);
          const okReads = specs.flatMap((s, p) => (s.f === 'read' && s.outcome === 'ok' ? [p] : []));
          if (okReads.length === 0) return r.valid === 'unknown';
          const expected = okReads.every((p) => readPossible(specs, span, p));
          const bad = okReads.filter((p) => !readPossible(specs, span, p)).length;
          return r.valid === expected && r.errorCount === bad;
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('counter checker: sums past 2^53 are refused, never rounded into a verdict', () => {
  const P52 = 2 ** 52;
  it('adds of 2^52+1, 2^52, -2^52, -2^52 then a read of 0 (true total 1): not called valid', () => {
    const r = check(
      h([
        [0, 'invoke', 'add', P52 + 1],
        [0, 'ok', 'add', P52 + 1],
        [0, 'invoke', 'add', P52],
        [0, 'ok', 'add', P52],
        [0, 'invoke', 'add', -P52],
        [0, 'ok', 'add', -P52],
        [0, 'invoke', 'add', -P52],
        [0, 'ok', 'add', -P52],
        [0, 'invoke', 'read', null],
        [0, 'ok', 'read', 0],
      ]),
    );
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/values too large to check exactly/);
    expect(r.anomalyTypes).toEqual([]);
  });

  it('an add up to 2^53−1 is checked exactly (reads do not count toward the limit)', () => {
    const M = Number.MAX_SAFE_INTEGER;
    const steps: [number, Op['type'], string, unknown][] = [
      [0, 'invoke', 'add', M - 1],
      [0, 'ok', 'add', M - 1],
      [0, 'invoke', 'read', null],
    ];
    expect(check(h([...steps, [0, 'ok', 'read', M - 1]])).valid).toBe(true);
    expect(check(h([...steps, [0, 'ok', 'read', M - 2]])).valid).toBe(false);
    expect(check(h([...steps, [0, 'ok', 'read', M]])).valid).toBe(false);
    expect(check(h([...steps, [0, 'ok', 'read', -M]])).valid).toBe(false);
  });

  it('large values whose sums stay safe are still checked exactly', () => {
    const steps: [number, Op['type'], string, unknown][] = [
      [0, 'invoke', 'add', P52 / 2 + 1],
      [0, 'ok', 'add', P52 / 2 + 1],
      [0, 'invoke', 'add', -1],
      [0, 'ok', 'add', -1],
      [0, 'invoke', 'read', null],
    ];
    expect(check(h([...steps, [0, 'ok', 'read', P52 / 2]])).valid).toBe(true);
    expect(check(h([...steps, [0, 'ok', 'read', P52 / 2 + 1]])).valid).toBe(false);
  });

  it('on random histories with deltas near ±2^52: unknown or the exact (BigInt) oracle verdict', () => {
    const big = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.integer({ min: -2, max: 2 }).map((d) => P52 + d),
      fc.integer({ min: -2, max: 2 }).map((d) => -P52 + d),
    );
    const spec = (f: 'add' | 'read'): fc.Arbitrary<Spec> =>
      fc.record({
        f: fc.constant(f),
        value: f === 'add' ? big : fc.oneof(big, fc.integer({ min: -6, max: 6 })),
        outcome:
          f === 'add'
            ? fc.constantFrom('ok', 'ok', 'fail', 'info', 'pending')
            : fc.constantFrom('ok', 'ok', 'fail'),
        start: fc.integer({ min: 0, max: 8 }),
        len: fc.integer({ min: 1, max: 4 }),
      }) as fc.Arbitrary<Spec>;
    fc.assert(
      fc.property(
        fc.array(spec('add'), { maxLength: 5 }),
        fc.array(spec('read'), { minLength: 1, maxLength: 3 }),
        (adds, reads) => {
          const specs = [...adds, ...reads];
          const { ops, span } = historyOf(specs);
          const r = check(ops);
          const okReads = specs.flatMap((s, p) => (s.f === 'read' && s.outcome === 'ok' ? [p] : []));
          if (okReads.length === 0) return r.valid === 'unknown';
          if (r.valid === 'unknown') return /too large/.test(String(r.reason));
          return r.valid === okReads.every((p) => readPossible(specs, span, p));
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('counter checker on long histories', () => {
  it('many indeterminate multi-unit adds: exact checks stay within a budget, the rest by bounds', () => {
    const ops: Op[] = [];
    const push = (o: Omit<Op, 'index' | 'time'>) => ops.push({ index: ops.length, time: ops.length, ...o });
    for (let i = 0; i < 3000; i++) {
      const d = i % 2 ? 5 : -4;
      push({ type: 'invoke', process: 100 + i, f: 'add', value: d });
      push({ type: 'info', process: 100 + i, f: 'add', value: d });
      if (i % 10 === 0) {
        push({ type: 'invoke', process: 0, f: 'read', value: null });
        push({ type: 'ok', process: 0, f: 'read', value: 0 }); // nothing applied yet: reachable
      }
    }
    const r = check(ops);
    expect(r.readCount).toBe(300);
    expect(r.valid).toBe(true);
    expect(r.boundsOnlyReads).toBeGreaterThan(0);
  });
});
