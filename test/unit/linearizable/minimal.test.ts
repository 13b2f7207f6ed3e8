import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkLinearizableSync,
  formatLinearizabilityResult,
  type LinearizabilityResult,
} from '../../../checkers/linearizable/index.ts';
import type { Op, OpType } from '../../../src/core/op.ts';
import { readHistoryFile } from '../../../src/history/formats/index.ts';
import { pairOps } from '../../../src/history/pairs.ts';
import { h, porcupineDir } from './helpers.ts';

const DIR = porcupineDir();
const present = existsSync(DIR);

/** Value identity as the checker's register models see it. */
const vk = (v: unknown): string => JSON.stringify(v ?? null);

/**
 * For register-like ops ([key, v] values when `keyed`): the values an op observed (a known read, an ok
 * cas's `from`) and wrote (a write, a cas's `to`). Written apart from the checker's models.
 */
function flow(inv: Op, done: Op | undefined, keyed: boolean): { key: string; obs: string[]; wr: string[] } {
  const type = done?.type ?? 'info';
  const raw = type === 'ok' && done ? done.value : inv.value;
  const [key, v] = keyed ? (raw as [unknown, unknown]) : ['', raw];
  const k = vk(key);
  if (inv.f === 'read') return { key: k, obs: type === 'ok' && v !== null ? [vk(v)] : [], wr: [] };
  if (inv.f === 'write') return { key: k, obs: [], wr: type === 'fail' ? [] : [vk(v)] };
  const [from, to] = v as [unknown, unknown];
  return { key: k, obs: type === 'ok' ? [vk(from)] : [], wr: type === 'fail' ? [] : [vk(to)] };
}

/**
 * Every value observed by an op of `sub` has a writer in `sub` (same key, invoked before the observer
 * returned) whenever `full` has one: the counterexample keeps the writes its reads depend on.
 */
function readsHaveWriters(sub: readonly Op[], full: readonly Op[], keyed: boolean | 'no-flow'): boolean {
  if (keyed === 'no-flow') return true;
  const writers = (h: readonly Op[]) =>
    pairOps(h).pairs.map((p) => ({ ...p, ...flow(p.invoke, p.completion, keyed) }));
  const all = writers(full);
  const mine = writers(sub);
  const ret = (p: { completion: Op | undefined }) => p.completion?.index ?? Number.POSITIVE_INFINITY;
  return mine.every((r) =>
    r.obs.every((v) => {
      const can = (w: (typeof all)[number]) =>
        w.invoke !== r.invoke && w.key === r.key && w.wr.includes(v) && w.invoke.index < ret(r);
      return !all.some(can) || mine.some(can);
    }),
  );
}

/**
 * The counterexample fails, contains the failing op, keeps a write of every value its ops read, and when
 * oneMinimal, dropping any other op (invoke + completion) that no kept read needs makes it linearizable.
 */
function expectExplains(
  r: LinearizabilityResult,
  history: readonly Op[],
  model: string,
  keyed: boolean | 'no-flow' = false,
): void {
  expect(r.valid).toBe(false);
  const m = r.failure?.minimal;
  expect(m).toBeDefined();
  expect(checkLinearizableSync(m!.history, model, { minimize: false }).valid).toBe(false);
  const { pairs } = pairOps(m!.history);
  expect(pairs.length).toBe(m!.ops.length);
  expect(pairs.map((p) => p.invoke.index)).toContain(r.failure!.op.index);
  expect(readsHaveWriters(m!.history, history, keyed)).toBe(true);
  // Each op shows who ran it: the process and the node of the original history.
  for (const ref of m!.ops) {
    const inv = history[ref.index]!;
    const done = ref.completionIndex === null ? undefined : history[ref.completionIndex]!;
    expect(ref.process).toBe(inv.process);
    expect(ref.node).toBe(done?.node ?? inv.node);
  }
  if (!m!.oneMinimal) return;
  // Without data flow, the minimizer keeps sets whose values all have an origin when real time is
  // ignored (minimize.ts); the same condition decides which smaller sets it had to consider.
  const grounded = (ops: Op[]) => {
    // Every op concurrent with every other: all invokes, then all completions, one process per op.
    const ps = pairOps(ops).pairs.map((q, k) => ({ ...q, k }));
    const all = [
      ...ps.map((q) => ({ ...q.invoke, process: q.k })),
      ...ps.flatMap((q) => (q.completion ? [{ ...q.completion, process: q.k }] : [])),
    ].map((o, index) => ({ ...o, index, time: index }));
    return checkLinearizableSync(all, model, { minimize: false }).valid !== false;
  };
  const needGrounded = keyed === 'no-flow' && grounded(m!.history);
  for (const p of pairs) {
    if (p.invoke.index === r.failure!.op.index) continue;
    const rest = m!.history.filter((op: Op) => op !== p.invoke && op !== p.completion);
    if (!readsHaveWriters(rest, history, keyed) || (needGrounded && !grounded(rest))) continue;
    expect(checkLinearizableSync(rest, model, { minimize: false }).valid, `without #${p.invoke.index}`).toBe(
      true,
    );
  }
}

describe('minimal failing sub-history', () => {
  it('stale read after a completed write', () => {
    const history = h([
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'read', null],
      [2, 'invoke', 'write', 5],
      [2, 'ok', 'write', 5],
      [0, 'invoke', 'write', 2],
      [0, 'ok', 'write', 2],
      [1, 'ok', 'read', 5],
      [3, 'invoke', 'read', null],
      [3, 'ok', 'read', 1],
    ]);
    const r = checkLinearizableSync(history, 'register');
    expectExplains(r, history, 'register');
    expect(r.failure!.minimal!.ops.length).toBeLessThanOrEqual(3);
    expect(r.failure!.op.description).toBe('read 1');
    const text = formatLinearizabilityResult(r);
    expect(text).toMatch(/^linearizable: false — NOT linearizable: read 1/);
    expect(text).toContain('cannot linearize: #8 → #9  p3  read 1');
    expect(text).toContain('minimal failing sub-history');
    expect(text).toMatch(/then read 1 \(#8\): read 1, but the register holds/);
  });

  it('lost cas with crashed ops around', () => {
    const history = h([
      [0, 'invoke', 'write', 0],
      [0, 'ok', 'write', 0],
      [1, 'invoke', 'cas', [0, 1]],
      [2, 'invoke', 'cas', [0, 2]],
      [1, 'ok', 'cas', [0, 1]],
      [2, 'ok', 'cas', [0, 2]],
      [3, 'invoke', 'write', 7],
      [3, 'info', 'write', 7],
    ]);
    expectExplains(checkLinearizableSync(history, 'cas-register'), history, 'cas-register');
  });

  it
    .skipIf(!present)
    .each([
      'jepsen/etcd_000.log',
      'jepsen/etcd_004.log',
      'jepsen/etcd_057.log',
      'jepsen/etcd_099.log',
      'kv/c01-bad.txt',
      'kv/c10-bad.txt',
    ])('%s', (file) => {
    const { history, model } = readHistoryFile(`${DIR}/${file}`);
    const r = checkLinearizableSync(history, model!);
    // Porcupine's kv (get/put/append) declares no data flow: only the failing op is required there.
    expectExplains(r, history, model!, model === 'porcupine-kv' ? 'no-flow' : false);
    expect(r.failure!.finalPaths.length).toBeGreaterThan(0);
  });
});

/**
 * Random small histories over a few threads, each thread on its own node: values 0..3, completions
 * mostly ok, some fail or info (the thread then continues under a fresh process), some left pending.
 * With `keyed`, values are [key, v] over keys 0..1 (the kv model).
 */
const action = fc.record({
  thread: fc.nat(3),
  f: fc.constantFrom('read', 'read', 'write', 'cas'),
  a: fc.nat(3),
  b: fc.nat(3),
  key: fc.nat(1),
  outcome: fc.constantFrom<OpType>('ok', 'ok', 'ok', 'ok', 'ok', 'fail', 'info'),
  read: fc.constantFrom<number | null>(0, 1, 2, 3, null),
});
type Action = typeof action extends fc.Arbitrary<infer T> ? T : never;

function build(actions: Action[], model: 'register' | 'cas-register' | 'kv'): Op[] {
  const history: Op[] = [];
  const procOf = [0, 1, 2, 3];
  const open = new Map<number, Op>();
  const push = (o: Omit<Op, 'index' | 'time'>) =>
    history.push({ ...o, index: history.length, time: history.length });
  const wrap = (key: number, v: unknown) => (model === 'kv' ? [key, v] : v);
  for (const a of actions) {
    const p = procOf[a.thread]!;
    const node = `n${a.thread + 1}`;
    const inv = open.get(a.thread);
    if (!inv) {
      const f = model === 'register' && a.f === 'cas' ? 'write' : a.f;
      const v = f === 'read' ? null : f === 'write' ? a.a : [a.a, a.b];
      const op: Op = { index: 0, time: 0, type: 'invoke', process: p, f, value: wrap(a.key, v), node };
      push(op);
      open.set(a.thread, op);
      continue;
    }
    open.delete(a.thread);
    const key = model === 'kv' ? (inv.value as [number, unknown])[0] : 0;
    const value = inv.f === 'read' && a.outcome === 'ok' ? wrap(key, a.read) : inv.value;
    push({ type: a.outcome, process: p, f: inv.f, value, node });
    if (a.outcome === 'info') procOf[a.thread] = p + 4;
  }
  return history;
}

describe('counterexamples explain the failing op (property)', () => {
  for (const model of ['register', 'cas-register', 'kv'] as const) {
    it(`${model}: the counterexample fails, holds the failing op and the writes its reads saw`, () => {
      let invalid = 0;
      fc.assert(
        fc.property(fc.array(action, { minLength: 6, maxLength: 30, size: 'max' }), (actions) => {
          const h = build(actions, model);
          const r = checkLinearizableSync(h, model, { parallel: false });
          if (r.valid !== false) return;
          invalid++;
          expectExplains(r, h, model, model === 'kv');
          const text = formatLinearizabilityResult(r);
          expect(text).toContain(`cannot linearize: #${r.failure!.op.index} `);
          expect(text).toMatch(/← cannot linearize/);
          expect(text).not.toMatch(/partition/);
        }),
        { numRuns: 1500 },
      );
      // Enough violations, or the property proves little.
      expect(invalid).toBeGreaterThan(200);
    });
  }

  it('says "key" for the parts of a kv history, and shows each op\'s process and node', () => {
    const history: Op[] = [
      { index: 0, time: 0, type: 'invoke', process: 0, f: 'write', value: [5, 76], node: 'n1' },
      { index: 1, time: 1, type: 'ok', process: 0, f: 'write', value: [5, 76], node: 'n1' },
      { index: 2, time: 2, type: 'invoke', process: 1, f: 'write', value: [5, 63], node: 'n2' },
      { index: 3, time: 3, type: 'ok', process: 1, f: 'write', value: [5, 63], node: 'n2' },
      { index: 4, time: 4, type: 'invoke', process: 3, f: 'write', value: [6, 1], node: 'n3' },
      { index: 5, time: 5, type: 'ok', process: 3, f: 'write', value: [6, 1], node: 'n3' },
      { index: 6, time: 6, type: 'invoke', process: 2, f: 'read', value: [5, null], node: 'n3' },
      { index: 7, time: 7, type: 'ok', process: 2, f: 'read', value: [5, 76], node: 'n3' },
    ];
    const r = checkLinearizableSync(history, 'kv');
    expect(r.summary).toBe('NOT linearizable (key 5): read 76');
    expectExplains(r, history, 'kv', true);
    expect(r.failure!.minimal!.ops.map((o) => o.index)).toEqual([0, 2, 6]);
    const text = formatLinearizabilityResult(r);
    expect(text).toContain('2 keys checked apart');
    expect(text).toContain('  key: 5');
    expect(text).toContain('cannot linearize: #6 → #7  p2 on n3  read 76');
    expect(text).toContain('#0 p0 on n1 invoke write [5,76]');
    expect(text).toContain('#7 p2 on n3 ok read [5,76]   ← cannot linearize');
    expect(text).not.toMatch(/partition/);
  });
});
