import { describe, expect, it } from 'vitest';
import {
  checkLinearizableSync,
  getModel,
  Illegal,
  linearizable,
  type Model,
  modelNames,
} from '../../../checkers/linearizable/index.ts';
import { h } from './helpers.ts';

const valid = (rows: Parameters<typeof h>[0], model: string | Model<unknown>) =>
  checkLinearizableSync(h(rows), model, { minimize: false }).valid;

describe('models', () => {
  it('registry knows every model and names the known ones on a typo', () => {
    expect(modelNames()).toEqual(
      expect.arrayContaining([
        'register',
        'cas-register',
        'kv',
        'set',
        'fifo-queue',
        'mutex',
        'etcd',
        'porcupine-kv',
      ]),
    );
    expect(() => getModel('cas-regsiter')).toThrow(
      /unknown linearizability model "cas-regsiter" \(known: register/,
    );
  });

  it('set: a read must see every completed add', () => {
    const rows: Parameters<typeof h>[0] = [
      [0, 'invoke', 'add', 1],
      [0, 'ok', 'add', 1],
      [1, 'invoke', 'add', 2],
      [2, 'invoke', 'read', null],
      [2, 'ok', 'read', [1]],
      [1, 'ok', 'add', 2],
    ];
    expect(valid(rows, 'set')).toBe(true);
    expect(valid([...rows, [2, 'invoke', 'read', null], [2, 'ok', 'read', [1]]], 'set')).toBe(false);
  });

  it('fifo-queue: dequeues in enqueue order', () => {
    const q: Parameters<typeof h>[0] = [
      [0, 'invoke', 'enqueue', 'a'],
      [0, 'ok', 'enqueue', 'a'],
      [0, 'invoke', 'enqueue', 'b'],
      [0, 'ok', 'enqueue', 'b'],
      [1, 'invoke', 'dequeue', null],
    ];
    expect(valid([...q, [1, 'ok', 'dequeue', 'a']], 'fifo-queue')).toBe(true);
    expect(valid([...q, [1, 'ok', 'dequeue', 'b']], 'fifo-queue')).toBe(false);
  });

  it('mutex: two holders at once are illegal', () => {
    expect(
      valid(
        [
          [0, 'invoke', 'acquire', null],
          [0, 'ok', 'acquire', null],
          [1, 'invoke', 'acquire', null],
          [1, 'ok', 'acquire', null],
        ],
        'mutex',
      ),
    ).toBe(false);
  });

  it('etcd: a failed cas asserts the value differed', () => {
    const base: Parameters<typeof h>[0] = [
      [0, 'invoke', 'write', 3],
      [0, 'ok', 'write', 3],
      [1, 'invoke', 'cas', [3, 4]],
    ];
    expect(valid([...base, [1, 'fail', 'cas', [3, 4]]], 'etcd')).toBe(false);
    // Knossos semantics drop the failed op
    expect(valid([...base, [1, 'fail', 'cas', [3, 4]]], 'cas-register')).toBe(true);
    expect(valid([...base, [1, 'info', 'cas', [3, 4]]], 'etcd')).toBe(true);
  });

  it('kv: keys are independent and partitioned; nemesis ops are ignored', () => {
    const r = checkLinearizableSync(
      h([
        [0, 'invoke', 'write', ['x', 1]],
        ['nemesis', 'invoke', 'start-partition', null],
        [0, 'ok', 'write', ['x', 1]],
        [1, 'invoke', 'read', ['y', null]],
        [1, 'ok', 'read', ['y', 1]],
        ['nemesis', 'info', 'start-partition', null],
      ]),
      'kv',
    );
    expect(r.valid).toBe(false);
    expect(r.partitions.total).toBe(2);
    expect(r.partitions.illegal).toEqual(['y']);
  });

  it('accepts a user model object, and the Checker wraps it', async () => {
    const counter: Model<number> = {
      name: 'counter',
      init: () => 0,
      step: (n, c) =>
        c.f === 'incr'
          ? n + 1
          : c.value === n || c.outcome !== 'ok'
            ? n
            : new Illegal(`read ${c.value} ≠ ${n}`),
    };
    const rows: Parameters<typeof h>[0] = [
      [0, 'invoke', 'incr', null],
      [0, 'ok', 'incr', null],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 0],
    ];
    const m = counter as Model<unknown>;
    expect(valid(rows, m)).toBe(false);
    const checker = linearizable({ model: m });
    expect(checker.name).toBe('linearizable');
    const r = await checker.check({ test: { name: 't', concurrency: 2, nodes: [] } }, h(rows), {});
    expect(r.valid).toBe(false);
    expect(JSON.parse(JSON.stringify(r)).failure.op.description).toBe('read 0');
  });
});
