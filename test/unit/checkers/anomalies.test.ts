/**
 * Anomalies as data (issue 13, deliverable 4): every checker's findings are `anomalyTypes` +
 * `anomalies` (Elle's result map). For every checker, on known-good and known-bad histories and on
 * random small ones, the anomalies are non-empty exactly when the verdict is false, and every case
 * names ops that exist in the history.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bankChecker } from '../../../checkers/bank.ts';
import { compose } from '../../../checkers/compose.ts';
import { convergenceChecker } from '../../../checkers/convergence.ts';
import { counterChecker } from '../../../checkers/counter.ts';
import { exceptions } from '../../../checkers/exceptions.ts';
import { linearizable } from '../../../checkers/linearizable/index.ts';
import { setChecker } from '../../../checkers/set.ts';
import { setFull } from '../../../checkers/set-full.ts';
import { stats } from '../../../checkers/stats.ts';
import { decideVerdict } from '../../../src/check/verdict.ts';
import {
  anomalyFields,
  type CheckContext,
  type Checker,
  type CheckResult,
  composedAnomalies,
  MAX_CASES_PER_TYPE,
  noAnomalies,
} from '../../../src/core/checker.ts';
import type { Op, OpType } from '../../../src/core/op.ts';
import { validateHistory } from '../../../src/history/validate.ts';

const ctx: CheckContext = { test: { name: 't', concurrency: 3, nodes: ['n1', 'n2'] } };

/** What is wrong with a result's anomaly fields against its verdict and history ([] when nothing). */
function shapeProblems(r: CheckResult, history: readonly Op[]): string[] {
  const out: string[] = [];
  if (!Array.isArray(r.anomalyTypes) || typeof r.anomalies !== 'object' || r.anomalies === null)
    return ['anomalyTypes/anomalies missing'];
  const keys = Object.keys(r.anomalies);
  const found = r.anomalyTypes.length > 0;
  if (found !== (r.valid === false)) out.push(`valid ${String(r.valid)} with types [${r.anomalyTypes}]`);
  if (keys.length > 0 !== (r.valid === false)) out.push(`valid ${String(r.valid)} with ${keys.length} keys`);
  if (JSON.stringify([...keys].sort()) !== JSON.stringify(r.anomalyTypes))
    out.push(`anomalyTypes [${r.anomalyTypes}] are not the sorted keys [${keys}]`);
  const indices = new Set(history.map((o) => o.index));
  for (const [type, cases] of Object.entries(r.anomalies)) {
    if (cases.length === 0) out.push(`${type} has no cases`);
    for (const c of cases) {
      if (!c.explanation) out.push(`${type}: a case without explanation`);
      for (const i of c.ops) if (!indices.has(i)) out.push(`${type}: op #${i} is not in the history`);
    }
  }
  // JSON round trip: results.json must carry exactly this.
  if (JSON.stringify(JSON.parse(JSON.stringify(r.anomalies))) !== JSON.stringify(r.anomalies))
    out.push('anomalies do not survive JSON');
  return out;
}

async function run(c: Checker, h: Op[]): Promise<CheckResult> {
  const r = await c.check(ctx, h, {});
  expect(shapeProblems(r, h), `${c.name}: ${JSON.stringify(r.anomalies)}`).toEqual([]);
  return r;
}

type Spec = { f: string; value: unknown; type: Exclude<OpType, 'invoke'> | 'pending'; result?: unknown };

/** Ops one after another on one process each, completed right away (or never, for 'pending'). */
function seq(specs: Spec[], node?: (k: number) => string): Op[] {
  const h: Op[] = [];
  specs.forEach((s, k) => {
    const n = node ? { node: node(k) } : {};
    h.push({ index: h.length, time: h.length, type: 'invoke', process: k, f: s.f, value: s.value, ...n });
    if (s.type !== 'pending') {
      const value = s.result !== undefined ? s.result : s.value;
      h.push({ index: h.length, time: h.length, type: s.type, process: k, f: s.f, value, ...n });
    }
  });
  return h;
}

/**
 * A random concurrent history: each event either invokes the next op of a thread or completes the
 * thread's pending one; after an `info` the thread continues as a fresh process (as in Jepsen). Ops
 * still pending at the end never complete.
 */
function interleave(events: { thread: number; spec: Spec }[]): Op[] {
  const h: Op[] = [];
  const pending = new Map<number, Spec>();
  const proc = new Map<number, number>();
  for (const { thread, spec } of events) {
    const p = proc.get(thread) ?? thread;
    const node = `n${(thread % 2) + 1}`;
    const open = pending.get(thread);
    if (open) {
      pending.delete(thread);
      if (open.type === 'pending') continue; // it never completes; the thread stays blocked
      const value = open.result !== undefined ? open.result : open.value;
      h.push({ index: h.length, time: h.length, type: open.type, process: p, f: open.f, value, node });
      if (open.type === 'info') proc.set(thread, p + 3);
    } else {
      h.push({
        index: h.length,
        time: h.length,
        type: 'invoke',
        process: p,
        f: spec.f,
        value: spec.value,
        node,
      });
      pending.set(thread, spec);
    }
  }
  return h;
}

const outcome = fc.constantFrom<Spec['type']>('ok', 'ok', 'fail', 'info', 'pending');
const okRead = (result: fc.Arbitrary<unknown>) =>
  fc.record({ f: fc.constant('read'), value: fc.constant(null), type: fc.constant('ok' as const), result });
const historyOf = (spec: fc.Arbitrary<Spec>) =>
  fc.array(fc.record({ thread: fc.integer({ min: 0, max: 2 }), spec }), { maxLength: 14 }).map(interleave);

const setSpec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ f: fc.constant('add'), value: fc.integer({ min: 0, max: 4 }), type: outcome }),
  okRead(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 5 })),
);
/** Few distinct final values, so that the two nodes agree about as often as not. */
const convergenceSpec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ f: fc.constant('add'), value: fc.integer({ min: 0, max: 4 }), type: outcome }),
  okRead(fc.constantFrom([1], [1, 2])),
);
const counterSpec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ f: fc.constant('add'), value: fc.constantFrom(-2, -1, 1, 2), type: outcome }),
  okRead(fc.integer({ min: -4, max: 6 })),
);
const bankSpec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ f: fc.constant('transfer'), value: fc.constant({ from: 0, to: 1, amount: 1 }), type: outcome }),
  okRead(
    fc.oneof(
      // Mostly good reads (two accounts, total 10), so that whole histories of them occur too.
      { weight: 6, arbitrary: fc.constantFrom([5, 5], [4, 6], [10, 0]) },
      { weight: 2, arbitrary: fc.array(fc.integer({ min: -2, max: 6 }), { minLength: 2, maxLength: 3 }) },
      { weight: 1, arbitrary: fc.constant('garbage') },
    ),
  ),
);
const registerSpec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ f: fc.constant('write'), value: fc.integer({ min: 1, max: 3 }), type: outcome }),
  fc.record({
    f: fc.constant('read'),
    value: fc.constant(null),
    type: fc.constantFrom<Spec['type']>('ok', 'ok', 'info'),
    result: fc.integer({ min: 1, max: 3 }),
  }),
);
const anySpec = fc.oneof(setSpec, counterSpec, bankSpec, registerSpec);

/** Every checker, with the op vocabulary its random histories use. */
const CHECKERS: { checker: Checker; spec: fc.Arbitrary<Spec> }[] = [
  { checker: setChecker, spec: setSpec },
  { checker: setFull(), spec: setSpec },
  { checker: setFull({ linearizable: true }), spec: setSpec },
  { checker: counterChecker, spec: counterSpec },
  { checker: bankChecker({ total: 10, accounts: 2 }), spec: bankSpec },
  { checker: bankChecker({}), spec: bankSpec },
  { checker: bankChecker({ total: 10, allowNegative: true }), spec: bankSpec },
  { checker: convergenceChecker(), spec: convergenceSpec },
  { checker: linearizable({ model: 'register' }), spec: registerSpec },
  { checker: stats, spec: anySpec },
  { checker: exceptions, spec: anySpec },
  // Without stats (an f that never succeeded makes it unknown) and convergence (it needs agreeing final
  // reads on both nodes): with them the sample would rarely be valid. The verdict tests below have both.
  { checker: compose([setChecker, setFull(), exceptions]), spec: setSpec },
];

describe('anomalies are non-empty exactly when the verdict is false', () => {
  for (const { checker, spec } of CHECKERS) {
    it(`${checker.name}: random small histories`, async () => {
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(historyOf(spec), async (h) => {
          const r = await checker.check(ctx, h, {});
          seen.add(String(r.valid));
          expect(shapeProblems(r, h), JSON.stringify(r)).toEqual([]);
        }),
        { numRuns: checker.name === 'linearizable' ? 150 : 300 },
      );
      // The sample must reach both sides of the property, or it shows nothing.
      const canFail = checker.name !== 'stats' && checker.name !== 'exceptions';
      expect([...seen].sort()).toEqual(expect.arrayContaining(canFail ? ['false', 'true'] : ['true']));
    });
  }

  it('the shape check itself rejects what it should', () => {
    const h = seq([{ f: 'add', value: 1, type: 'ok' }]);
    const lost = { ops: [0], explanation: 'x' };
    expect(shapeProblems({ valid: false, ...noAnomalies() }, h)).toHaveLength(2);
    expect(
      shapeProblems({ valid: true, anomalyTypes: ['lost'], anomalies: { lost: [lost] } }, h),
    ).toHaveLength(2);
    expect(
      shapeProblems({ valid: 'unknown', anomalyTypes: ['lost'], anomalies: { lost: [lost] } }, h),
    ).toHaveLength(2);
    expect(
      shapeProblems(
        { valid: false, anomalyTypes: ['lost'], anomalies: { lost: [{ ...lost, ops: [7] }] } },
        h,
      ),
    ).toEqual(['lost: op #7 is not in the history']);
    expect(shapeProblems({ valid: false, anomalyTypes: ['a'], anomalies: { b: [lost] } }, h)).toHaveLength(1);
    expect(shapeProblems({ valid: false, anomalyTypes: ['lost'], anomalies: { lost: [lost] } }, h)).toEqual(
      [],
    );
  });
});

describe('set', () => {
  it('good: nothing; bad: lost, unexpected and duplicated, each naming the adds and the final read', async () => {
    const good = seq([
      { f: 'add', value: 1, type: 'ok' },
      { f: 'add', value: 2, type: 'info' },
      { f: 'read', value: null, type: 'ok', result: [1] },
    ]);
    expect((await run(setChecker, good)).anomalyTypes).toEqual([]);
    const bad = seq([
      { f: 'add', value: 1, type: 'ok' }, // #0 #1
      { f: 'add', value: 2, type: 'ok' }, // #2 #3: lost
      { f: 'add', value: 3, type: 'fail' }, // #4 #5: read anyway
      { f: 'read', value: null, type: 'ok', result: [1, 1, 3, 9] }, // #6 #7
    ]);
    const r = await run(setChecker, bad);
    expect(r.anomalyTypes).toEqual(['duplicated', 'lost', 'unexpected']);
    expect(r.anomalies.lost).toEqual([
      {
        ops: [2, 7],
        explanation: 'the add of 2 (#2) was acknowledged but the final read (#7) lacks it',
        data: { element: 2 },
      },
    ]);
    expect(r.anomalies.unexpected!.map((c) => c.ops)).toEqual([[4, 7], [7]]);
    expect(r.anomalies.unexpected![0]!.explanation).toMatch(/every add of it failed \(#4\)/);
    expect(r.anomalies.unexpected![1]!.explanation).toMatch(/9, which was never added/);
    expect(r.anomalies.duplicated!.map((c) => c.data)).toEqual([{ element: 1 }]);
  });

  it('no final read: unknown, no anomalies', async () => {
    const r = await run(setChecker, seq([{ f: 'add', value: 1, type: 'ok' }]));
    expect(r.valid).toBe('unknown');
  });

  it('keeps at most MAX_CASES_PER_TYPE cases and the true count', async () => {
    const n = MAX_CASES_PER_TYPE + 5;
    const h = seq([
      ...Array.from({ length: n }, (_, i): Spec => ({ f: 'add', value: i, type: 'ok' })),
      { f: 'read', value: null, type: 'ok', result: [] },
    ]);
    const r = await run(setChecker, h);
    expect(r.anomalies.lost).toHaveLength(MAX_CASES_PER_TYPE);
    expect(r.anomalyCounts).toEqual({ lost: n });
  });
});

describe('set-full', () => {
  const lostThenStale = seq([
    { f: 'add', value: 1, type: 'ok' }, // #0 #1
    { f: 'read', value: null, type: 'ok', result: [1] }, // #2 #3
    { f: 'read', value: null, type: 'ok', result: [] }, // #4 #5
    { f: 'add', value: 2, type: 'ok' }, // #6 #7
    { f: 'read', value: null, type: 'ok', result: [2, 2] }, // #8 #9
    { f: 'read', value: null, type: 'ok', result: [1, 2, 5] }, // #10 #11
  ]);

  it('good: nothing; bad: lost, unexpected, duplicated; stale only when linearizable', async () => {
    const good = seq([
      { f: 'add', value: 1, type: 'ok' },
      { f: 'read', value: null, type: 'ok', result: [1] },
    ]);
    expect((await run(setFull(), good)).valid).toBe(true);
    const lost = seq([
      { f: 'add', value: 1, type: 'ok' }, // #0 #1
      { f: 'read', value: null, type: 'ok', result: [1] }, // #2 #3
      { f: 'read', value: null, type: 'ok', result: [] }, // #4 #5
    ]);
    const r = await run(setFull(), lost);
    expect(r.anomalyTypes).toEqual(['lost']);
    expect(r.anomalies.lost![0]!.ops).toEqual([1, 3, 5]);
    expect(r.anomalies.lost![0]!.explanation).toBe(
      '1 was known from #1, read at #3, then missing from every read from #5 on',
    );
    const plain = await run(setFull(), lostThenStale);
    expect(plain.anomalyTypes).toEqual(['duplicated', 'unexpected']);
    expect(plain.anomalies.duplicated![0]!.ops).toEqual([9]);
    expect(plain.anomalies.unexpected![0]!.ops).toEqual([11]);
    const strict = await run(setFull({ linearizable: true }), lostThenStale);
    expect(strict.anomalyTypes).toEqual(['duplicated', 'stale', 'unexpected']);
    expect(strict.anomalies.stale![0]!.ops).toEqual([1, 5, 11]);
  });
});

describe('counter', () => {
  it('good: nothing; bad: out-of-bounds and unreachable reads', async () => {
    const good = seq([
      { f: 'add', value: 1, type: 'ok' },
      { f: 'read', value: null, type: 'ok', result: 1 },
    ]);
    expect((await run(counterChecker, good)).valid).toBe(true);
    const bad = seq([
      { f: 'add', value: 2, type: 'info' }, // #0 #1: may or may not have applied
      { f: 'read', value: null, type: 'ok', result: 1 }, // #2 #3: 0 or 2, never 1
      { f: 'read', value: null, type: 'ok', result: 7 }, // #4 #5: out of bounds
    ]);
    const r = await run(counterChecker, bad);
    expect(r.anomalyTypes).toEqual(['out-of-bounds', 'unreachable']);
    expect(r.anomalies['out-of-bounds']![0]!.ops).toEqual([5]);
    expect(r.anomalies.unreachable![0]!.ops).toEqual([3]);
    expect(r.anomalies.unreachable![0]!.explanation).toMatch(/returned 1: within 0\.\.2/);
  });
});

describe('bank', () => {
  it('good: nothing; bad: one case per read and problem, typed as Jepsen names them', async () => {
    const read = (result: unknown): Spec => ({ f: 'read', value: null, type: 'ok', result });
    const c = bankChecker({ total: 10, accounts: 2 });
    expect((await run(c, seq([read([5, 5]), read({ a: 3, b: 7 })]))).valid).toBe(true);
    const r = await run(c, seq([read([4, 5]), read([12, -2]), read([10]), read('x'), read([6, 5, -1])]));
    expect(r.anomalyTypes).toEqual([
      'malformed-read',
      'negative-value',
      'wrong-account-count',
      'wrong-total',
    ]);
    expect(r.anomalies['wrong-total']!.map((x) => x.ops)).toEqual([[1]]);
    expect(r.anomalies['negative-value']!.map((x) => x.ops)).toEqual([[3], [9]]);
    expect(r.anomalies['wrong-account-count']!.map((x) => x.ops)).toEqual([[5], [9]]);
    expect(r.anomalies['malformed-read']!.map((x) => x.ops)).toEqual([[7]]);
    expect(r.anomalies['negative-value']![0]!.explanation).toMatch(/negative: account 1 is -2/);
  });
});

describe('convergence', () => {
  const finals = (a: unknown, b: unknown) =>
    seq(
      [
        { f: 'read', value: null, type: 'ok', result: a },
        { f: 'read', value: null, type: 'ok', result: b },
      ],
      (k) => `n${k + 1}`,
    );
  it('good: nothing; bad: one divergence case naming every final read', async () => {
    expect((await run(convergenceChecker(), finals([1], [1]))).valid).toBe(true);
    const r = await run(convergenceChecker(), finals([1], [2]));
    expect(r.anomalyTypes).toEqual(['divergence']);
    expect(r.anomalies.divergence![0]!.ops).toEqual([1, 3]);
    expect(r.anomalies.divergence![0]!.explanation).toBe(
      "the nodes' final reads differ: n1 (#1) read [1]; n2 (#3) read [2]",
    );
  });
});

describe('linearizable', () => {
  it('good: nothing; bad: one nonlinearizable case with the counterexample’s ops', async () => {
    const c = linearizable({ model: 'register' });
    const good = seq([
      { f: 'write', value: 1, type: 'ok' },
      { f: 'read', value: null, type: 'ok', result: 1 },
    ]);
    expect((await run(c, good)).valid).toBe(true);
    const stale = seq([
      { f: 'write', value: 1, type: 'ok' }, // #0 #1
      { f: 'write', value: 2, type: 'ok' }, // #2 #3
      { f: 'read', value: null, type: 'ok', result: 1 }, // #4 #5
    ]);
    const r = await run(c, stale);
    expect(r.anomalyTypes).toEqual(['nonlinearizable']);
    const [one] = r.anomalies.nonlinearizable!;
    expect(one!.ops).toEqual(expect.arrayContaining([2, 4]));
    expect(one!.explanation).toMatch(/no order of the ops explains #4 \(process 2\) read 1/);
  });
});

describe('stats and exceptions never report anomalies', () => {
  it('stats is unknown, not false, when an f never succeeded; exceptions is always valid', async () => {
    const h = seq([
      { f: 'add', value: 1, type: 'fail', result: 1 },
      { f: 'read', value: null, type: 'info' },
    ]);
    expect((await run(stats, h)).valid).toBe('unknown');
    expect((await run(exceptions, h)).valid).toBe(true);
  });
});

describe('compose and the decided verdict', () => {
  const bad = seq([
    { f: 'add', value: 1, type: 'ok' },
    { f: 'read', value: null, type: 'ok', result: [] },
  ]);

  it('prefixes each false result’s types with its checker’s name', async () => {
    const r = await run(compose([setChecker, setFull(), stats]), bad);
    expect(r.anomalyTypes).toEqual(['set-full/lost', 'set/lost']);
    expect((r.results as Record<string, CheckResult>).set!.anomalyTypes).toEqual(['lost']);
  });

  it('composedAnomalies leaves out results that are not false, and carries counts', () => {
    const lost = { ops: [0], explanation: 'x' };
    expect(
      composedAnomalies({
        a: { valid: 'unknown', anomalies: { lost: [lost] } },
        b: { valid: false, anomalies: { lost: [lost] }, anomalyCounts: { lost: 5000 } },
      }),
    ).toEqual({
      anomalyTypes: ['b/lost'],
      anomalies: { 'b/lost': [lost] },
      anomalyCounts: { 'b/lost': 5000 },
    });
  });

  it('anomalyFields drops empty types, sorts, cuts and counts', () => {
    const c = { ops: [], explanation: 'x' };
    const many = Array.from({ length: MAX_CASES_PER_TYPE + 1 }, () => c);
    const f = anomalyFields({ z: [c], a: [], m: many }, { z: 3 });
    expect(f.anomalyTypes).toEqual(['m', 'z']);
    expect(Object.keys(f.anomalies)).toEqual(['m', 'z']);
    expect(f.anomalies.m).toHaveLength(MAX_CASES_PER_TYPE);
    expect(f.anomalyCounts).toEqual({ m: MAX_CASES_PER_TYPE + 1, z: 3 });
    expect(anomalyFields({ a: [c] })).toEqual({ anomalyTypes: ['a'], anomalies: { a: [c] } });
  });

  it('a malformed history is unknown with no anomalies; informational checkers do not add any', async () => {
    const composed = await compose([setChecker, stats]).check(ctx, bad, {});
    const malformed = [
      ...bad,
      { index: bad.length, time: 99, type: 'ok' as const, process: 9, f: 'add', value: 1 },
    ];
    const d = decideVerdict(composed, { historyProblems: validateHistory(malformed) });
    expect(d.valid).toBe('unknown');
    expect(shapeProblems(d, malformed)).toEqual([]);
    const allowed = decideVerdict(composed, { historyProblems: [], informational: ['stats'] });
    expect(allowed.valid).toBe(false);
    expect(allowed.anomalyTypes).toEqual(['set/lost']);
  });
});
