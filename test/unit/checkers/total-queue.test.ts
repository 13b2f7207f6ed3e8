import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTotalQueue, totalQueue } from '../../../checkers/total-queue.ts';
import type { Op, OpType } from '../../../src/core/op.ts';
import { queueWorkload } from '../../../workloads/queue.ts';
import { type Step, sequential } from './queue-history.ts';

const enq = (p: number, v: number, type: Step['type'] = 'ok'): Step => ({ p, f: 'enqueue', value: v, type });
const deq = (p: number, v: number | null, type: Step['type'] = 'ok'): Step =>
  v === null && type === 'fail'
    ? { p, f: 'dequeue', type: 'fail', error: 'empty' }
    : { p, f: 'dequeue', type, out: v };
const drain = (p: number, xs: number[] | null, type: Step['type'] = 'ok'): Step => ({
  p,
  f: 'drain',
  type,
  out: xs ?? undefined,
});

describe('total-queue: hand-written histories', () => {
  it('every acknowledged enqueue dequeued once: valid, with counts', () => {
    const r = checkTotalQueue(
      sequential([
        enq(0, 1),
        enq(1, 2),
        deq(0, 1),
        deq(1, null, 'fail'),
        enq(0, 3),
        drain(0, [2, 3]),
        drain(1, []),
      ]),
    );
    expect(r.valid).toBe(true);
    expect(r).toMatchObject({
      attemptedCount: 3,
      acknowledgedCount: 3,
      dequeuedCount: 3,
      lost: [],
      unexpected: [],
    });
    expect(r.anomalyTypes).toEqual([]);
  });

  it('lost: acknowledged, never dequeued nor drained; the case names the enqueue op, process and time', () => {
    const h = sequential([enq(3, 7), enq(0, 8), drain(0, [8])]);
    const r = checkTotalQueue(h);
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([7]);
    expect(r.anomalyTypes).toEqual(['lost']);
    const c = r.anomalies.lost![0]!;
    expect(c.ops).toEqual([1]);
    expect(c.explanation).toContain('#1 (enqueue ok, process 3, 1 ms)');
    expect(c.data).toMatchObject({ element: 7, enqueues: [{ index: 1, process: 3, timeNs: 1e6 }] });
  });

  it('lost with no completed drain: unknown (the elements may still be queued), never valid', () => {
    const r = checkTotalQueue(sequential([enq(0, 1), drain(0, [], 'info'), drain(1, [], 'fail')]));
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/no drain completed/);
    expect(r.anomalyTypes).toEqual([]);
  });

  it('no drain at all (a history from elsewhere): judged as Jepsen does, lost is invalid', () => {
    expect(checkTotalQueue(sequential([enq(0, 1)])).valid).toBe(false);
  });

  it('no drain at all when drains are required (the queue workload: a run stopped before its final phase): unknown', () => {
    const r = checkTotalQueue(sequential([enq(0, 1), enq(1, 2), deq(0, 2)]), 'exactly-once', true);
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/the history has none/);
    // Anything definite still counts: an unexpected element is invalid with or without drains.
    expect(checkTotalQueue(sequential([enq(0, 1), deq(0, 7)]), 'exactly-once', true).valid).toBe(false);
    // The queue workload requires drains unless told otherwise.
    const wl = queueWorkload({ concurrency: 2, nodes: ['n1'], rate: 10, options: {} });
    const stopped = sequential([enq(0, 1)]);
    const tq = wl.checkers.find((c) => c.name === 'total-queue')!;
    expect((tq.check({} as never, stopped, {} as never) as { valid: unknown }).valid).toBe('unknown');
    const jepsen = queueWorkload({
      concurrency: 2,
      nodes: ['n1'],
      rate: 10,
      options: { queueRequireDrain: false },
    });
    const tq2 = jepsen.checkers.find((c) => c.name === 'total-queue')!;
    expect((tq2.check({} as never, stopped, {} as never) as { valid: unknown }).valid).toBe(false);
  });

  it('unexpected: dequeued but never enqueued', () => {
    const r = checkTotalQueue(sequential([enq(0, 1), deq(1, 1), drain(0, [9])]));
    expect(r.valid).toBe(false);
    expect(r.unexpected).toEqual([9]);
    expect(r.failedButDequeued).toEqual([]);
    expect(r.anomalies.unexpected![0]!.explanation).toMatch(/9 was dequeued .* but never enqueued/);
  });

  it('a failed enqueue that comes out is unexpected too (fail means certainly not enqueued)', () => {
    const r = checkTotalQueue(sequential([enq(0, 4, 'fail'), deq(1, 4)]));
    expect(r.valid).toBe(false);
    expect(r.unexpected).toEqual([4]);
    expect(r.failedButDequeued).toEqual([4]);
    expect(r.anomalies.unexpected![0]!.explanation).toMatch(/every enqueue of it failed/);
    expect(r.anomalies.unexpected![0]!.ops).toEqual([1, 3]);
  });

  it('duplicated: invalid under exactly-once, reported but valid under at-least-once', () => {
    const h = sequential([enq(0, 1), deq(1, 1), drain(0, [1]), drain(1, [])]);
    const once = checkTotalQueue(h);
    expect(once.valid).toBe(false);
    expect(once.duplicated).toEqual([{ element: 1, count: 2 }]);
    expect(once.anomalies.duplicated![0]!.ops).toEqual([1, 3, 5]);
    const least = checkTotalQueue(h, 'at-least-once');
    expect(least.valid).toBe(true);
    expect(least.duplicated).toEqual([{ element: 1, count: 2 }]);
    expect(least.summary).toMatch(/at-least-once: allowed/);
  });

  it('recovered: an indeterminate enqueue that came out is fine; one that did not is fine too', () => {
    const r = checkTotalQueue(
      sequential([enq(0, 1, 'info'), enq(1, 2, 'pending'), enq(2, 3, 'info'), drain(3, [1, 2])]),
    );
    expect(r.valid).toBe(true);
    expect(r.recovered).toEqual([1, 2]);
  });

  it("an interrupted drain's elements count as dequeued", () => {
    const r = checkTotalQueue(sequential([enq(0, 1), enq(0, 2), drain(0, [1], 'info'), drain(1, [2])]));
    expect(r.valid).toBe(true);
    expect(r.dequeuedCount).toBe(2);
  });

  it('nemesis ops and other fs are ignored; the Checker wrapper passes the delivery option', async () => {
    const h: Op[] = [
      { index: 0, time: 0, type: 'invoke', process: 'nemesis', f: 'start-partition', value: null },
      ...sequential([enq(0, 1), deq(0, 1), deq(0, 1)]).map((o) => ({ ...o, index: o.index + 1 })),
    ];
    expect((await totalQueue().check({ test: { name: 't', concurrency: 1, nodes: [] } }, h, {})).valid).toBe(
      false,
    );
    const least = totalQueue({ delivery: 'at-least-once' });
    expect((await least.check({ test: { name: 't', concurrency: 1, nodes: [] } }, h, {})).valid).toBe(true);
  });
});

/**
 * Brute-force oracle, written apart from the checker: the history is valid when every dequeued element
 * can be matched to an enqueue attempt of that value that may have happened (not `fail`), one dequeue
 * per attempt under exactly-once, so that every acknowledged attempt is matched. If dequeues can be
 * matched but not every acknowledged attempt: lost, which is invalid once someone saw the queue empty
 * (an ok drain, or no drains at all) and unknown otherwise.
 */
function oracle(h: readonly Op[], exactlyOnce: boolean): boolean | 'unknown' {
  const inv = new Map<Op['process'], Op>();
  const attempts: { v: unknown; type: OpType | 'pending' }[] = [];
  const dequeued: unknown[] = [];
  let drains = 0;
  let okDrains = 0;
  const done = new Set<Op>();
  for (const o of h) {
    if (o.type === 'invoke') {
      inv.set(o.process, o);
      continue;
    }
    const i = inv.get(o.process)!;
    done.add(i);
    if (i.f === 'enqueue') attempts.push({ v: i.value, type: o.type });
    if (i.f === 'dequeue' && o.type === 'ok') dequeued.push(o.value);
    if (i.f === 'drain') {
      drains++;
      if (o.type === 'ok') okDrains++;
      if (o.type !== 'fail') dequeued.push(...(o.value as unknown[]));
    }
  }
  // A drain that never completed may have taken elements nobody saw: lost ones are then unknown.
  let blind = false;
  for (const o of h)
    if (o.type === 'invoke' && !done.has(o)) {
      if (o.f === 'enqueue') attempts.push({ v: o.value, type: 'pending' });
      if (o.f === 'drain') {
        drains++;
        blind = true;
      }
    }
  let matchable = false;
  let covering = false;
  const image = new Array<number>(attempts.length).fill(0);
  const go = (d: number): void => {
    if (covering) return;
    if (d === dequeued.length) {
      matchable = true;
      if (attempts.every((a, j) => a.type !== 'ok' || image[j]! > 0)) covering = true;
      return;
    }
    attempts.forEach((a, j) => {
      if (a.type === 'fail' || a.v !== dequeued[d] || (exactlyOnce && image[j]! > 0)) return;
      image[j]!++;
      go(d + 1);
      image[j]!--;
    });
  };
  go(0);
  if (!matchable) return false;
  if (covering) return true;
  return (drains === 0 || okDrains > 0) && !blind ? false : 'unknown';
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    p: fc.nat(3),
    f: fc.constant('enqueue'),
    value: fc.nat(3),
    type: fc.constantFrom<Step['type']>('ok', 'ok', 'fail', 'info', 'pending'),
  }),
  fc.record({
    p: fc.nat(3),
    f: fc.constant('dequeue'),
    type: fc.constantFrom<Step['type']>('ok', 'ok', 'info'),
    out: fc.nat(4),
  }),
  fc.record({
    p: fc.nat(3),
    f: fc.constant('drain'),
    type: fc.constantFrom<Step['type']>('ok', 'ok', 'info', 'fail', 'pending'),
    out: fc.array(fc.nat(4), { maxLength: 3 }),
  }),
);

describe('total-queue: ops it cannot read make the verdict unknown', () => {
  it('an ok dequeue without its element is malformed (empty is fail), not an empty dequeue that loses one', () => {
    for (const out of [null, undefined]) {
      const h = sequential([enq(0, 1), enq(0, 2), deq(1, 1), drain(0, [])]);
      // The second dequeue completes ok with no element (nil or no value at all).
      const bad = sequential([
        enq(0, 1),
        enq(0, 2),
        deq(1, 1),
        { p: 1, f: 'dequeue', type: 'ok' },
        drain(0, []),
      ]);
      if (out === undefined) delete (bad[7] as { value?: unknown }).value;
      expect(checkTotalQueue(h).valid).toBe(false); // 2 lost, as a control
      const r = checkTotalQueue(bad);
      expect(r.valid).toBe('unknown');
      expect(r.reason).toMatch(/^op 7 \(ok dequeue nil\): an ok dequeue carries the element it took/);
      expect(r.anomalyTypes).toEqual([]);
      expect(r.summary).not.toMatch(/LOST/);
    }
  });

  it('an op the queue workload does not know (peek): unknown, naming it', () => {
    const r = checkTotalQueue(sequential([enq(0, 1), { p: 1, f: 'peek', type: 'ok', out: 1 }, drain(0, [])]));
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/op 3 \(ok peek 1\): peek is not a queue op/);
  });

  it('an ok drain without its list: unknown', () => {
    const r = checkTotalQueue(sequential([enq(0, 1), drain(0, 1 as never)]));
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/an ok drain carries the list/);
  });

  it("an ok enqueue whose completion omits the value enqueued its invoke's: valid", () => {
    const h = sequential([enq(0, 1), deq(1, 1), drain(0, [])]);
    delete (h[1] as { value?: unknown }).value;
    expect(checkTotalQueue(h).valid).toBe(true);
  });

  it('an info drain without a list may have taken what is missing: lost elements are unknown, not lost', () => {
    const h = sequential([enq(0, 1), enq(0, 2), drain(0, [1]), drain(1, null, 'info')]);
    const r = checkTotalQueue(h);
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/drain #7 ended without the list of what it took/);
    // With the list, the same drain says what it took: 2 is lost.
    expect(
      checkTotalQueue(sequential([enq(0, 1), enq(0, 2), drain(0, [1]), drain(1, [], 'info')])).valid,
    ).toBe(false);
  });
});

describe('total-queue agrees with a brute-force matching oracle', () => {
  for (const exactlyOnce of [true, false]) {
    it(`${exactlyOnce ? 'exactly-once' : 'at-least-once'}: 3,000 random small histories`, () => {
      const seen = { true: 0, false: 0, unknown: 0 };
      fc.assert(
        fc.property(fc.array(stepArb, { maxLength: 8 }), (steps) => {
          const h = sequential(steps);
          const expected = oracle(h, exactlyOnce);
          const got = checkTotalQueue(h, exactlyOnce ? 'exactly-once' : 'at-least-once');
          seen[String(expected) as keyof typeof seen]++;
          expect(got.valid).toBe(expected);
          expect(got.anomalyTypes.length > 0).toBe(expected === false);
        }),
        { numRuns: 3000, seed: exactlyOnce ? 18 : 81 },
      );
      // The generator reaches every verdict often enough for the agreement to mean something.
      for (const n of Object.values(seen)) expect(n).toBeGreaterThan(50);
    });
  }
});

describe('the queue workload picks its checkers', () => {
  const names = (options: Record<string, unknown>) =>
    queueWorkload({ concurrency: 2, nodes: ['n1'], rate: 10, options }).checkers.map((c) => c.name);
  it('total-queue alone by default; FIFO linearizability when asked for with a bound', () => {
    expect(names({})).toEqual(['total-queue']);
    expect(names({ queueDelivery: 'at-least-once' })).toEqual(['total-queue']);
    expect(names({ queueLinearizableMaxOps: 100 })).toEqual(['total-queue', 'linearizable']);
    expect(names({ queueDelivery: 'at-least-once', queueLinearizableMaxOps: 100 }).length).toBe(2);
    expect(names({ queueLinearizableMaxOps: 0 })).toEqual(['total-queue']);
  });
});
