import { describe, expect, it } from 'vitest';
import { postgresDialect as d } from '../../../systems/postgres/dialect.ts';
import { isolationOf, isolationSql } from '../../../systems/sql/dialect.ts';
import {
  mopsOf,
  parseList,
  planOp,
  type QueryResult,
  runTxn,
  type SqlSession,
} from '../../../systems/sql/txn.ts';

/** A scripted session: answers by the statement's first word (or its SQL text), records what was sent. */
class Scripted implements SqlSession {
  sent: string[] = [];
  private readonly answer: (sql: string, params: readonly unknown[]) => Promise<QueryResult> | QueryResult;
  constructor(answer?: (sql: string, params: readonly unknown[]) => Promise<QueryResult> | QueryResult) {
    this.answer = answer ?? (() => ({ rows: [], rowCount: 0 }));
  }
  async query(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
    this.sent.push(sql.split(' ')[0]!);
    return this.answer(sql, params);
  }
}

const sqlError = (code: string, message = `error ${code}`) => Object.assign(new Error(message), { code });
const opts = (readOnly = false, signal = new AbortController().signal) => ({
  isolation: 'serializable' as const,
  readOnly,
  signal,
});

describe('runTxn', () => {
  it('BEGIN at the isolation level, the body, COMMIT: ok with the body value', async () => {
    const s = new Scripted((sql) =>
      sql.startsWith('SELECT v') ? { rows: [{ v: '1,2,3' }], rowCount: 1 } : { rows: [], rowCount: 1 },
    );
    const plan = planOp(
      d,
      'list-append',
      'txn',
      [
        ['append', 1, 4],
        ['r', 1, null],
      ],
      {},
    );
    expect(plan.readOnly).toBe(false);
    const r = await runTxn(s, d, opts(), plan.body);
    expect(r).toEqual({
      completion: {
        type: 'ok',
        value: [
          ['append', 1, 4],
          ['r', 1, [1, 2, 3]],
        ],
      },
      broken: false,
    });
    expect(s.sent).toEqual(['BEGIN', 'INSERT', 'SELECT', 'COMMIT']);
  });

  it('a serialization failure at COMMIT is fail, the connection kept', async () => {
    const s = new Scripted((sql) => {
      if (sql === 'COMMIT') throw sqlError('40001', 'could not serialize access');
      return { rows: [], rowCount: 1 };
    });
    const r = await runTxn(s, d, opts(), planOp(d, 'rw-register', 'txn', [['w', 1, 1]], {}).body);
    expect(r.completion).toEqual({ type: 'fail', error: 'could not serialize access' });
    expect(r.broken).toBe(false);
  });

  it('a lost connection at COMMIT is info (never retried), the connection dropped', async () => {
    const s = new Scripted((sql) => {
      if (sql === 'COMMIT') throw Object.assign(new Error('Connection terminated unexpectedly'), {});
      return { rows: [], rowCount: 1 };
    });
    const r = await runTxn(s, d, opts(), planOp(d, 'rw-register', 'txn', [['w', 1, 1]], {}).body);
    expect(r.completion.type).toBe('info');
    expect(r.broken).toBe(true);
    expect(s.sent.filter((x) => x === 'COMMIT')).toHaveLength(1);
  });

  it('a lost connection at COMMIT of a read-only txn is fail (it changed nothing)', async () => {
    const s = new Scripted((sql) => {
      if (sql === 'COMMIT') throw new Error('Connection terminated unexpectedly');
      return { rows: [], rowCount: 0 };
    });
    const r = await runTxn(s, d, opts(true), planOp(d, 'set', 'read', null, {}).body);
    expect(r.completion.type).toBe('fail');
  });

  it('an error before COMMIT is fail: a deadlock rolls back and keeps the connection', async () => {
    const s = new Scripted((sql) => {
      if (sql.startsWith('INSERT')) throw sqlError('40P01', 'deadlock detected');
      return { rows: [], rowCount: 1 };
    });
    const r = await runTxn(s, d, opts(), planOp(d, 'list-append', 'txn', [['append', 1, 1]], {}).body);
    expect(r).toEqual({ completion: { type: 'fail', error: 'deadlock detected' }, broken: false });
    expect(s.sent).toEqual(['BEGIN', 'INSERT', 'ROLLBACK']);
  });

  it('a lost connection before COMMIT is fail, the connection dropped without COMMIT', async () => {
    const s = new Scripted((sql) => {
      if (sql.startsWith('INSERT')) throw new Error('read ECONNRESET');
      return { rows: [], rowCount: 1 };
    });
    const r = await runTxn(s, d, opts(), planOp(d, 'list-append', 'txn', [['append', 1, 1]], {}).body);
    expect(r).toEqual({ completion: { type: 'fail', error: 'read ECONNRESET' }, broken: true });
    expect(s.sent).not.toContain('COMMIT');
  });

  it('a timeout while COMMIT is in flight is info', async () => {
    const ac = new AbortController();
    const s = new Scripted((sql) => {
      if (sql === 'COMMIT') {
        ac.abort();
        return new Promise<QueryResult>(() => {});
      }
      return { rows: [], rowCount: 1 };
    });
    const r = await runTxn(s, d, opts(false, ac.signal), planOp(d, 'set', 'add', 7, {}).body);
    expect(r).toEqual({ completion: { type: 'info', error: 'timed out' }, broken: true });
  });

  it('a timeout before COMMIT is fail', async () => {
    const ac = new AbortController();
    const s = new Scripted((sql) => {
      if (sql.startsWith('INSERT')) {
        ac.abort();
        return new Promise<QueryResult>(() => {});
      }
      return { rows: [], rowCount: 1 };
    });
    const r = await runTxn(s, d, opts(false, ac.signal), planOp(d, 'set', 'add', 7, {}).body);
    expect(r).toEqual({ completion: { type: 'fail', error: 'timed out' }, broken: true });
  });

  it('a cas that does not match rolls back: fail', async () => {
    const s = new Scripted(() => ({ rows: [], rowCount: 0 }));
    const r = await runTxn(s, d, opts(), planOp(d, 'register', 'cas', [3, [1, 2]], {}).body);
    expect(r.completion).toEqual({ type: 'fail', error: 'cas mismatch' });
    expect(s.sent).toEqual(['BEGIN', 'UPDATE', 'ROLLBACK']);
  });

  it('a transfer from an account without the funds rolls back: fail', async () => {
    const s = new Scripted(() => ({ rows: [{ balance: '2' }], rowCount: 1 }));
    const body = planOp(d, 'bank', 'transfer', { from: 0, to: 1, amount: 3 }, {}).body;
    const r = await runTxn(s, d, opts(), body);
    expect(r.completion.type).toBe('fail');
    expect(s.sent).toEqual(['BEGIN', 'SELECT', 'ROLLBACK']);
    const rich = new Scripted(() => ({ rows: [{ balance: '20' }], rowCount: 1 }));
    expect((await runTxn(rich, d, opts(), body)).completion).toEqual({ type: 'ok' });
    expect(rich.sent).toEqual(['BEGIN', 'SELECT', 'UPDATE', 'UPDATE', 'COMMIT']);
  });

  it('a bank read is the balances by account id, numbers', async () => {
    const s = new Scripted(() => ({
      rows: [
        { id: 0, balance: '5' },
        { id: 1, balance: '15' },
      ],
      rowCount: 0,
    }));
    const r = await runTxn(s, d, opts(true), planOp(d, 'bank', 'read', null, {}).body);
    expect(r.completion).toEqual({ type: 'ok', value: [5, 15] });
  });
});

describe('pure parts', () => {
  it('parseList reads comma-separated text, empty or missing as []', () => {
    expect(parseList('1,2,30')).toEqual([1, 2, 30]);
    expect(parseList('')).toEqual([]);
    expect(parseList(undefined)).toEqual([]);
  });
  it('mopsOf refuses a micro-op the workload does not have', () => {
    expect(() => mopsOf([['w', 1, 2]], ['r', 'append'])).toThrow(/not one of \[r\|append/);
    expect(mopsOf([['r', 1, null]], ['r', 'append'])).toEqual([['r', 1, null]]);
  });
  it('read-only plans: list-append reads, set/bank/register reads', () => {
    expect(planOp(d, 'list-append', 'txn', [['r', 1, null]], {}).readOnly).toBe(true);
    expect(planOp(d, 'register', 'read', [1, null], {}).readOnly).toBe(true);
    expect(planOp(d, 'register', 'write', [1, 2], {}).readOnly).toBe(false);
    expect(() => planOp(d, 'set', 'drain', null, {})).toThrow(/unknown op f=drain/);
  });
  it('isolation names', () => {
    expect(isolationOf(undefined)).toBe('serializable');
    expect(isolationOf('repeatable-read')).toBe('repeatable-read');
    expect(() => isolationOf('snapshot')).toThrow(/not one of read-committed, repeatable-read, serializable/);
    expect(isolationSql('read-committed')).toBe('READ COMMITTED');
  });
  it('postgres classifies 40001, 40P01, 23505 as rolled back, the rest unknown', () => {
    expect(d.classify(sqlError('40001'))).toBe('rolled-back');
    expect(d.classify(sqlError('40P01'))).toBe('rolled-back');
    expect(d.classify(sqlError('23505'))).toBe('rolled-back');
    expect(d.classify(sqlError('57P01'))).toBe('unknown');
    expect(d.classify(new Error('ECONNRESET'))).toBe('unknown');
    expect(d.begin('repeatable-read', true)).toEqual(['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY']);
  });
});
