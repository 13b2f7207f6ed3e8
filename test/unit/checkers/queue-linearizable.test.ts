import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkQueueLinearizable, expandQueueHistory } from '../../../checkers/queue-linearizable.ts';
import type { Op, OpType } from '../../../src/core/op.ts';
import { type Ev, interleaved } from './queue-history.ts';

const check = (h: Op[], maxOps = 1000) => checkQueueLinearizable(h, maxOps, { minimize: false });

describe('FIFO linearizability of queue histories (drain-queue model)', () => {
  it('sequential FIFO with an empty dequeue and a final drain: linearizable', async () => {
    const h = interleaved([
      ['i', 0, 'dequeue', null],
      ['c', 0, 'fail', null, 'empty'],
      ['i', 0, 'enqueue', 1],
      ['c', 0, 'ok'],
      ['i', 1, 'enqueue', 2],
      ['c', 1, 'ok'],
      ['i', 0, 'dequeue', null],
      ['c', 0, 'ok', 1],
      ['i', 0, 'drain', null],
      ['c', 0, 'ok', [2]],
    ]);
    const r = await check(h);
    expect(r.valid).toBe(true);
  });

  it('out of order: 2 dequeued before 1 though 1 was enqueued first: not linearizable, at the op that shows it', async () => {
    const h = interleaved([
      ['i', 0, 'enqueue', 1],
      ['c', 0, 'ok'],
      ['i', 0, 'enqueue', 2],
      ['c', 0, 'ok'],
      ['i', 1, 'dequeue', null],
      ['c', 1, 'ok', 2],
    ]);
    const r = await check(h);
    expect(r.valid).toBe(false);
    expect(r.anomalies.nonlinearizable![0]!.ops).toContain(4);
  });

  it('an empty dequeue while an acknowledged element is queued: not linearizable', async () => {
    const h = interleaved([
      ['i', 0, 'enqueue', 1],
      ['c', 0, 'ok'],
      ['i', 1, 'dequeue', null],
      ['c', 1, 'fail', null, 'empty'],
    ]);
    expect((await check(h)).valid).toBe(false);
    // Any other failure says nothing: the dequeue did not happen.
    const other = interleaved([
      ['i', 0, 'enqueue', 1],
      ['c', 0, 'ok'],
      ['i', 1, 'dequeue', null],
      ['c', 1, 'fail', null, 'connection refused'],
    ]);
    expect((await check(other)).valid).toBe(true);
  });

  it('concurrent drains split the queue between them in order; a drain out of order is not linearizable', async () => {
    const base: Ev[] = [
      ['i', 0, 'enqueue', 1],
      ['c', 0, 'ok'],
      ['i', 0, 'enqueue', 2],
      ['c', 0, 'ok'],
      ['i', 0, 'enqueue', 3],
      ['c', 0, 'ok'],
      ['i', 0, 'drain', null],
      ['i', 1, 'drain', null],
    ];
    expect((await check(interleaved([...base, ['c', 0, 'ok', [1, 3]], ['c', 1, 'ok', [2]]]))).valid).toBe(
      true,
    );
    expect((await check(interleaved([...base, ['c', 0, 'ok', [3, 1]], ['c', 1, 'ok', [2]]]))).valid).toBe(
      false,
    );
    // A drain that saw the queue empty while 2 was still in it (nobody took 2).
    expect((await check(interleaved([...base, ['c', 0, 'ok', [1, 3]], ['c', 1, 'ok', []]]))).valid).toBe(
      false,
    );
  });

  it('an interrupted drain may have taken one more element; a crashed dequeue may have taken the head', async () => {
    const h = interleaved([
      ['i', 0, 'enqueue', 1],
      ['c', 0, 'ok'],
      ['i', 0, 'enqueue', 2],
      ['c', 0, 'ok'],
      ['i', 0, 'enqueue', 3],
      ['c', 0, 'ok'],
      ['i', 1, 'dequeue', null],
      ['c', 1, 'info'],
      ['i', 0, 'drain', null],
      ['c', 0, 'info', [2], 'connection lost'],
      ['i', 2, 'drain', null],
      ['c', 2, 'ok', []],
    ]);
    expect((await check(h)).valid).toBe(true);
  });

  it('a drain that never completed: unknown, with the reason', async () => {
    const h = interleaved([
      ['i', 0, 'enqueue', 1],
      ['c', 0, 'ok'],
      ['i', 0, 'drain', null],
    ]);
    const r = await check(h);
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/drain #2 .* never completed/);
  });

  it("an ok enqueue whose completion carries no value enqueued its invoke's value", async () => {
    const h = interleaved([
      ['i', 0, 'enqueue', 1],
      ['c', 0, 'ok', null],
      ['i', 1, 'dequeue', null],
      ['c', 1, 'ok', 1],
    ]);
    expect((await check(h)).valid).toBe(true);
  });

  it('ops the queue checkers cannot read: unknown with one reason (not repeated in the summary), no crash', async () => {
    const nil = interleaved([
      ['i', 0, 'enqueue', 1],
      ['c', 0, 'ok'],
      ['i', 1, 'dequeue', null],
      ['c', 1, 'ok', null],
    ]);
    const r = await check(nil);
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/^op 3 \(ok dequeue nil\): an ok dequeue carries the element it took/);
    expect(r.summary).not.toContain(r.reason!);
    const peek = await check(
      interleaved([
        ['i', 0, 'peek', null],
        ['c', 0, 'ok', 3],
      ]),
    );
    expect(peek.valid).toBe('unknown');
    expect(peek.reason).toMatch(/peek is not a queue op/);
    const never = await check(interleaved([['i', 0, 'drain', null]]));
    expect(never.summary).not.toContain(never.reason!);
  });

  it('a violation is shown as the failing op and its concurrent ops, never a shrunk sub-history (dropping queue ops changes their meaning)', async () => {
    const h = interleaved([
      ['i', 0, 'enqueue', 1],
      ['c', 0, 'ok'],
      ['i', 0, 'enqueue', 2],
      ['c', 0, 'ok'],
      ['i', 1, 'dequeue', null],
      ['c', 1, 'fail', null, 'empty'],
    ]);
    // Default options: the caller did not ask to skip the minimization.
    const r = (await checkQueueLinearizable(h, 1000)) as {
      valid: unknown;
      failure?: { minimal?: unknown; op: { description: string } };
    };
    expect(r.valid).toBe(false);
    expect(r.failure?.minimal).toBeUndefined();
    // A `fail empty` dequeue reads as such, not as an ok dequeue of nil.
    expect(r.failure?.op.description).toBe("dequeue: fail 'empty' (saw the queue empty)");
  });

  it('past maxOps: skipped as unknown, never valid', async () => {
    const evs: Ev[] = [];
    for (let i = 0; i < 10; i++) evs.push(['i', 0, 'enqueue', i], ['c', 0, 'ok']);
    const r = await check(interleaved(evs), 9);
    expect(r.valid).toBe('unknown');
    expect(r.skipped).toBe(true);
    expect(r.reason).toMatch(/10 queue ops > queueLinearizableMaxOps 9/);
    expect((await check(interleaved(evs), 10)).valid).toBe(true);
  });

  it('expansion keeps the drain’s history indices and gives its steps their own processes', () => {
    const h = interleaved([
      ['i', 0, 'drain', null],
      ['c', 0, 'ok', [5, 6]],
    ]);
    const x = expandQueueHistory(h) as Op[];
    expect(x.map((o) => [o.index, o.type, o.f])).toEqual([
      [0, 'invoke', 'drain-step'],
      [0, 'invoke', 'drain-step'],
      [0, 'invoke', 'drain-step'],
      [1, 'ok', 'drain-step'],
      [1, 'ok', 'drain-step'],
      [1, 'ok', 'drain-step'],
    ]);
    expect(new Set(x.map((o) => o.process)).size).toBe(3);
  });
});

/**
 * Brute-force oracle, apart from the model and the search: every queue op becomes one or more atomic
 * steps, each with the interval of its op (positions in the history; Infinity for a crashed return,
 * including an interrupted drain's possible last take, which like any indeterminate op may take effect
 * at any time after its invocation);
 * a drain's steps form a chain (step i before step i+1). The history is linearizable when, for some
 * choice of the crashed steps to include, an order of the chosen steps exists that respects real time
 * and the chains and that a FIFO queue accepts.
 */
interface Atom {
  kind: 'enq' | 'deq' | 'take-any';
  v: unknown;
  call: number;
  ret: number;
  crashed: boolean;
  after?: number;
}

function atomsOf(h: readonly Op[]): Atom[] | 'unknown' {
  const open = new Map<Op['process'], number>();
  const done = new Map<number, number>();
  h.forEach((o, at) => {
    if (o.type === 'invoke') open.set(o.process, at);
    else {
      done.set(open.get(o.process)!, at);
      open.delete(o.process);
    }
  });
  const atoms: Atom[] = [];
  for (let at = 0; at < h.length; at++) {
    const o = h[at]!;
    if (o.type !== 'invoke') continue;
    const c = done.has(at) ? h[done.get(at)!]! : undefined;
    const type: OpType = c?.type ?? 'info';
    const ret = type === 'info' ? Infinity : done.get(at)!;
    if (o.f === 'enqueue' && type !== 'fail')
      atoms.push({ kind: 'enq', v: o.value, call: at, ret, crashed: type === 'info' });
    if (o.f === 'dequeue') {
      if (type === 'ok') atoms.push({ kind: 'deq', v: c!.value, call: at, ret, crashed: false });
      if (type === 'fail' && c!.error === 'empty')
        atoms.push({ kind: 'deq', v: null, call: at, ret, crashed: false });
      if (type === 'info') atoms.push({ kind: 'take-any', v: null, call: at, ret, crashed: true });
    }
    if (o.f === 'drain') {
      if (type === 'fail') continue;
      if (!c) return 'unknown';
      const end = done.get(at)!;
      let prev: number | undefined;
      for (const x of [...(c.value as unknown[]), null]) {
        const last = x === null;
        const crashed = last && type === 'info';
        atoms.push({
          kind: crashed ? 'take-any' : 'deq',
          v: x,
          call: at,
          ret: crashed ? Infinity : end,
          crashed,
          ...(prev !== undefined ? { after: prev } : {}),
        });
        prev = atoms.length - 1;
      }
    }
  }
  return atoms;
}

function oracle(h: readonly Op[]): boolean | 'unknown' {
  const atoms = atomsOf(h);
  if (atoms === 'unknown') return 'unknown';
  const crashed = atoms.map((a, i) => (a.crashed ? i : -1)).filter((i) => i >= 0);
  for (let mask = 0; mask < 1 << crashed.length; mask++) {
    const chosen = new Set(
      atoms.map((_, i) => i).filter((i) => !atoms[i]!.crashed || (mask >> crashed.indexOf(i)) & 1),
    );
    // A crashed chain tail left out is fine; a chain never skips a step in the middle (only tails crash).
    const placed = new Set<number>();
    const go = (q: readonly unknown[]): boolean => {
      if (placed.size === chosen.size) return true;
      for (const i of chosen) {
        if (placed.has(i)) continue;
        const a = atoms[i]!;
        if (a.after !== undefined && !placed.has(a.after)) continue;
        if ([...chosen].some((j) => !placed.has(j) && j !== i && atoms[j]!.ret < a.call)) continue;
        let next: readonly unknown[] | undefined;
        if (a.kind === 'enq') next = [...q, a.v];
        else if (a.kind === 'take-any') next = q.slice(1);
        else if (a.v === null) next = q.length === 0 ? q : undefined;
        else next = q.length > 0 && q[0] === a.v ? q.slice(1) : undefined;
        if (!next) continue;
        placed.add(i);
        if (go(next)) return true;
        placed.delete(i);
      }
      return false;
    };
    if (go([])) return true;
  }
  return false;
}

const action = fc.record({
  thread: fc.nat(2),
  f: fc.constantFrom('enqueue', 'enqueue', 'dequeue', 'dequeue', 'drain'),
  outcome: fc.constantFrom<OpType | 'empty'>('ok', 'ok', 'ok', 'empty', 'fail', 'info'),
  taken: fc.constantFrom(0, 1, 2, 3),
  drained: fc.array(fc.constantFrom(0, 1, 2, 3), { maxLength: 2 }),
});
type Action = typeof action extends fc.Arbitrary<infer T> ? T : never;

/** Random concurrent histories: up to 3 threads, up to 6 ops, enqueued values 0, 1, 2… in order. */
function build(actions: Action[]): Op[] {
  const evs: Ev[] = [];
  const procOf = [0, 1, 2];
  const open = new Map<number, string>();
  let ops = 0;
  let next = 0;
  for (const a of actions) {
    const p = procOf[a.thread]!;
    const f = open.get(a.thread);
    if (f === undefined) {
      if (ops >= 6) continue;
      ops++;
      evs.push(['i', p, a.f, a.f === 'enqueue' ? next++ : null]);
      open.set(a.thread, a.f);
      continue;
    }
    open.delete(a.thread);
    if (a.outcome === 'info') procOf[a.thread] = p + 3;
    if (f === 'enqueue') evs.push(['c', p, a.outcome === 'empty' ? 'ok' : a.outcome]);
    else if (a.outcome === 'empty')
      evs.push(f === 'dequeue' ? ['c', p, 'fail', null, 'empty'] : ['c', p, 'ok', []]);
    else if (f === 'dequeue') evs.push(['c', p, a.outcome, a.outcome === 'ok' ? a.taken : null]);
    else evs.push(['c', p, a.outcome, a.outcome === 'fail' ? null : a.drained]);
  }
  return interleaved(evs);
}

describe('queue linearizability agrees with a brute-force oracle', () => {
  it('2,000 random concurrent histories with dequeues, empties, drains and crashes', async () => {
    const seen = { true: 0, false: 0, unknown: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: 16, size: 'max' }), async (actions) => {
        const h = build(actions);
        const expected = oracle(h);
        seen[String(expected) as keyof typeof seen]++;
        const shown = h.map(
          (o) =>
            `${o.index} p${o.process} ${o.type} ${o.f} ${JSON.stringify(o.value)}${o.error ? ` ${o.error}` : ''}`,
        );
        expect((await check(h)).valid, shown.join('\n')).toBe(expected);
      }),
      { numRuns: 2000, seed: 1818 },
    );
    for (const n of Object.values(seen)) expect(n).toBeGreaterThan(50);
  }, 120_000);
});
