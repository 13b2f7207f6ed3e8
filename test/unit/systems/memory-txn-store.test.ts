import { describe, expect, it } from 'vitest';
import { type TxnMode, type TxnOutcome, TxnStore } from '../../../systems/memory/txn-store.ts';

/**
 * Two txns started together on one store with txnStepMs 0: each pause is one turn of the event loop,
 * so the txns alternate micro-op by micro-op (Node runs setImmediate callbacks in order).
 */
async function pair(
  mode: TxnMode,
  a: unknown[][],
  b: unknown[][],
  kind: 'list-append' | 'rw-register' = 'list-append',
  tuning: { abortRate?: number } = {},
): Promise<[TxnOutcome, TxnOutcome, TxnStore]> {
  const s = new TxnStore(mode, 1, { txnStepMs: 0, ...tuning });
  const [x, y] = await Promise.all([s.execute(kind, a), s.execute(kind, b)]);
  return [x, y, s];
}

const read = async (s: TxnStore, k: number, kind: 'list-append' | 'rw-register' = 'list-append') => {
  const r = await s.execute(kind, [['r', k, null]]);
  return r.type === 'ok' ? r.value[0]![2] : r;
};

// Write skew: each reads both keys and appends to one of them.
const skewA = [
  ['r', 1, null],
  ['r', 2, null],
  ['append', 1, 1],
];
const skewB = [
  ['r', 1, null],
  ['r', 2, null],
  ['append', 2, 1],
];

describe('memory txn store', () => {
  it('serializable: each txn at once; the second sees the first', async () => {
    const [a, b, s] = await pair('serializable', skewA, skewB);
    expect(a).toEqual({
      type: 'ok',
      value: [
        ['r', 1, []],
        ['r', 2, []],
        ['append', 1, 1],
      ],
    });
    expect(b).toEqual({
      type: 'ok',
      value: [
        ['r', 1, [1]],
        ['r', 2, []],
        ['append', 2, 1],
      ],
    });
    expect(await read(s, 1)).toEqual([1]);
  });

  it('snapshot-isolation: write skew commits; a write-write conflict aborts the later committer', async () => {
    const [a, b, s] = await pair('snapshot-isolation', skewA, skewB);
    expect(a).toEqual({
      type: 'ok',
      value: [
        ['r', 1, []],
        ['r', 2, []],
        ['append', 1, 1],
      ],
    });
    expect(b).toEqual({
      type: 'ok',
      value: [
        ['r', 1, []],
        ['r', 2, []],
        ['append', 2, 1],
      ],
    });
    expect([await read(s, 1), await read(s, 2)]).toEqual([[1], [1]]);
    const lu = [
      ['r', 3, null],
      ['append', 3, 1],
      ['r', 3, null],
    ];
    const [c, d, s2] = await pair('snapshot-isolation', lu, [
      ['r', 3, null],
      ['append', 3, 2],
    ]);
    // The shorter txn commits first; the other one's write conflicts with it.
    expect(d).toEqual({
      type: 'ok',
      value: [
        ['r', 3, []],
        ['append', 3, 2],
      ],
    });
    expect(c).toMatchObject({ type: 'fail', error: expect.stringMatching(/committed first/) });
    expect(await read(s2, 3)).toEqual([2]);
  });

  it('lost-update: both read the same version, both commit', async () => {
    const [a, b, s] = await pair(
      'lost-update',
      [
        ['r', 1, null],
        ['w', 1, 1],
      ],
      [
        ['r', 1, null],
        ['w', 1, 2],
      ],
      'rw-register',
    );
    expect(a).toEqual({
      type: 'ok',
      value: [
        ['r', 1, null],
        ['w', 1, 1],
      ],
    });
    expect(b).toEqual({
      type: 'ok',
      value: [
        ['r', 1, null],
        ['w', 1, 2],
      ],
    });
    expect(await read(s, 1, 'rw-register')).toBe(2);
  });

  it('read-committed: a writer finding the key locked aborts; a reader sees a commit between its reads (read skew)', async () => {
    const [a, b] = await pair(
      'read-committed',
      [
        ['r', 1, null],
        ['append', 1, 1],
      ],
      [
        ['r', 1, null],
        ['append', 1, 2],
      ],
    );
    expect(a).toEqual({
      type: 'ok',
      value: [
        ['r', 1, []],
        ['append', 1, 1],
      ],
    });
    expect(b).toMatchObject({ type: 'fail', error: expect.stringMatching(/being written by another txn/) });
    const [c, d] = await pair(
      'read-committed',
      [
        ['r', 1, null],
        ['r', 9, null],
        ['r', 9, null],
        ['r', 2, null],
        ['r', 1, null],
      ],
      [
        ['append', 1, 1],
        ['append', 2, 1],
      ],
    );
    expect(d.type).toBe('ok');
    // Key 1 before the writer's commit, key 2 after it; a key once read stays as read.
    expect(c).toEqual({
      type: 'ok',
      value: [
        ['r', 1, []],
        ['r', 9, []],
        ['r', 9, []],
        ['r', 2, [1]],
        ['r', 1, []],
      ],
    });
  });

  it('read-committed: a txn whose read key changed before it took the write lock aborts', async () => {
    const s = new TxnStore('read-committed', 1, { txnStepMs: 0 });
    const [a, b] = await Promise.all([
      s.execute('list-append', [
        ['r', 1, null],
        ['r', 9, null],
        ['r', 9, null],
        ['append', 1, 2],
      ]),
      s.execute('list-append', [['append', 1, 1]]),
    ]);
    expect(b).toEqual({ type: 'ok', value: [['append', 1, 1]] });
    expect(a).toMatchObject({ type: 'fail', error: expect.stringMatching(/changed since this txn read it/) });
    expect(await read(s, 1)).toEqual([1]);
  });

  it("read-uncommitted: a reader sees a running txn's writes, including intermediate ones", async () => {
    // The reader starts first, so in each turn it reads before the writer's next micro-op.
    const [b, a, s] = await pair(
      'read-uncommitted',
      [
        ['r', 9, null],
        ['r', 1, null],
        ['r', 1, null],
      ],
      [
        ['append', 1, 1],
        ['append', 1, 2],
      ],
    );
    expect(a.type).toBe('ok');
    expect(b).toEqual({
      type: 'ok',
      value: [
        ['r', 9, []],
        ['r', 1, [1]],
        ['r', 1, [1, 2]],
      ],
    });
    expect(await read(s, 1)).toEqual([1, 2]);
  });

  it('dirty-read: an aborted txn was read, and its writes are rolled back', async () => {
    const [b, a, s] = await pair(
      'dirty-read',
      [
        ['r', 9, null],
        ['r', 1, null],
      ],
      [['append', 1, 1]],
      'list-append',
      { abortRate: 1 },
    );
    expect(a).toMatchObject({ type: 'fail', error: expect.stringMatching(/aborted/) });
    expect(b).toEqual({
      type: 'ok',
      value: [
        ['r', 9, []],
        ['r', 1, [1]],
      ],
    });
    expect(await read(s, 1)).toEqual([]);
  });

  it('read-uncommitted: a txn finding a key it writes locked aborts with nothing done', async () => {
    const [a, b, s] = await pair(
      'read-uncommitted',
      [
        ['append', 1, 1],
        ['append', 2, 1],
      ],
      [
        ['append', 2, 2],
        ['append', 3, 1],
      ],
    );
    expect(a.type).toBe('ok');
    expect(b).toMatchObject({
      type: 'fail',
      error: expect.stringMatching(/key 2 is being written by another txn/),
    });
    expect([await read(s, 2), await read(s, 3)]).toEqual([[1], []]);
  });

  it('refuses micro-ops of another workload, applying nothing', async () => {
    const s = new TxnStore('serializable', 1, { txnStepMs: 0 });
    await expect(
      s.execute('list-append', [
        ['append', 1, 1],
        ['w', 1, 2],
      ]),
    ).rejects.toThrow('list-append: micro-op ["w" 1 2] is not [r k nil] or [append k v]');
    expect(await read(s, 1)).toEqual([]);
  });
});
