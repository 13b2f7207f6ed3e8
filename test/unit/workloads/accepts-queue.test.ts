import { describe, expect, it } from 'vitest';
import { findOpWorkloadCannotCheck, suggestedChecks } from '../../../workloads/accepts.ts';
import { sequential } from '../checkers/queue-history.ts';

describe('analyze refuses ops the queue, unique-ids and long-fork checkers cannot read', () => {
  it('queue: an ok dequeue without its element, an unknown f, an ok drain without its list', () => {
    const ok = sequential([
      { p: 0, f: 'enqueue', value: 1, type: 'ok' },
      { p: 1, f: 'dequeue', type: 'ok', out: 1 },
      { p: 1, f: 'dequeue', type: 'fail', error: 'empty' },
      { p: 0, f: 'drain', type: 'ok', out: [] },
    ]);
    expect(findOpWorkloadCannotCheck(ok, 'queue')).toBeUndefined();
    const nil = sequential([
      { p: 0, f: 'enqueue', value: 1, type: 'ok' },
      { p: 1, f: 'dequeue', type: 'ok' },
    ]);
    const m = findOpWorkloadCannotCheck(nil, 'queue');
    expect(m?.position).toBe(3);
    expect(m?.message).toMatch(/^op 3 \(ok dequeue nil\): an ok dequeue carries the element it took/);
    expect(m?.message).toMatch(/the queue workload cannot check it/);
    const peek = findOpWorkloadCannotCheck(sequential([{ p: 0, f: 'peek', type: 'ok', out: 1 }]), 'queue');
    expect(peek?.message).toMatch(/peek is not a queue op/);
    const drain = findOpWorkloadCannotCheck(sequential([{ p: 0, f: 'drain', type: 'ok', out: 7 }]), 'queue');
    expect(drain?.message).toMatch(/an ok drain carries the list/);
    // A queue history is suggested as one.
    expect(suggestedChecks(ok)).toMatch(/--workload queue/);
  });

  it('unique-ids: an ok generate without an id', () => {
    const h = sequential([
      { p: 0, f: 'generate', type: 'ok', out: 1 },
      { p: 1, f: 'generate', type: 'ok' },
    ]);
    const m = findOpWorkloadCannotCheck(h, 'unique-ids');
    expect(m?.position).toBe(3);
    expect(m?.message).toMatch(/an ok generate carries the id it returned/);
    expect(
      findOpWorkloadCannotCheck(sequential([{ p: 0, f: 'generate', type: 'ok', out: 1 }]), 'unique-ids'),
    ).toBeUndefined();
  });

  it('long-fork: a read that is not micro-ops, and an insert completion unlike its invoke', () => {
    const ins = (p: number, k: number, out?: unknown) => ({
      p,
      f: 'txn',
      value: [['w', k, 1]],
      type: 'ok' as const,
      out,
    });
    expect(findOpWorkloadCannotCheck(sequential([ins(0, 0), ins(1, 1)]), 'long-fork')).toBeUndefined();
    const notList = sequential([ins(0, 0), { p: 1, f: 'txn', value: [['r', 0, null]], type: 'ok', out: 5 }]);
    expect(findOpWorkloadCannotCheck(notList, 'long-fork')?.message).toMatch(
      /a txn value is a list of \[f k v\] micro-ops/,
    );
    const moved = findOpWorkloadCannotCheck(sequential([ins(0, 0), ins(1, 1, [['w', 0, 1]])]), 'long-fork');
    expect(moved?.position).toBe(3);
    expect(moved?.message).toMatch(/its micro-ops differ from its invoke's/);
  });
});
