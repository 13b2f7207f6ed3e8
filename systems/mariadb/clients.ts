/**
 * MariaDB clients (mysql2) for list-append, rw-register, bank, set and register. Every op is one explicit
 * transaction (`SET TRANSACTION ISOLATION LEVEL …; START TRANSACTION; …; COMMIT`) on one connection.
 * Classification: an error before COMMIT was sent is `fail` (the txn is rolled back, by ROLLBACK or by the
 * server when the connection drops; nothing was committed); at COMMIT, a deadlock / certification failure
 * (1213) is `fail`, anything else (lost connection, timeout) is `info`. Nothing is ever retried.
 * Where clients connect: single → n1; replica → the current primary (failover.ts); galera → their own node.
 */
import mysql from 'mysql2/promise';
import { errorText } from '../../src/core/errors.ts';
import type { Invocation } from '../../src/core/generator.ts';
import type { Client, ClientFactory, Completion, NodeRef, RunContext } from '../../src/core/index.ts';
import {
  CLIENT_PASSWORD,
  CLIENT_USER,
  DATABASE,
  type Isolation,
  isolationSql,
  MARIADB_PORT,
  type MariadbMode,
} from './config.ts';
import type { FailoverState } from './failover.ts';
import { TABLES } from './schema.ts';

type Conn = mysql.Connection;

/** What the clients read from the system's state. */
export interface ClientState extends FailoverState {
  mode: MariadbMode;
  isolation: Isolation;
}

/** MySQL error numbers after which the server has rolled the whole txn back. */
const ROLLED_BACK = new Set([1213 /* ER_LOCK_DEADLOCK, also Galera certification failure */]);

/** A txn body: runs its statements on `c`; returns the op's value or a definite failure. */
type Body = (c: Conn) => Promise<{ value: unknown } | { fail: string }>;

class Aborted extends Error {}

/** One connection, reopened when the target node changes or after an error that may have broken it. */
class Session {
  private conn: Conn | undefined;
  private host: string | undefined;
  private readonly target: () => string;
  constructor(target: () => string) {
    this.target = target;
  }

  private async connection(): Promise<Conn> {
    const host = this.target();
    if (this.conn && this.host === host) return this.conn;
    this.drop();
    this.conn = await mysql.createConnection({
      host,
      port: MARIADB_PORT,
      user: CLIENT_USER,
      password: CLIENT_PASSWORD,
      database: DATABASE,
      connectTimeout: 2000,
    });
    this.conn.on('error', () => {});
    this.host = host;
    return this.conn;
  }

  drop(): void {
    this.conn?.destroy();
    this.conn = undefined;
    this.host = undefined;
  }

  /** Runs `body` as one txn at `isolation`, classified as the module doc says. */
  async txn(isolation: Isolation, body: Body, signal: AbortSignal): Promise<Completion> {
    let c: Conn;
    try {
      c = await race(this.connection(), signal, () => this.drop());
    } catch (err) {
      this.drop();
      return { type: 'fail', error: `connect: ${errorText(err)}` };
    }
    let committing = false;
    const onAbort = () => this.drop();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal.aborted) throw new Aborted('timed out');
      await c.query(`SET TRANSACTION ISOLATION LEVEL ${isolationSql(isolation)}`);
      await c.query('START TRANSACTION');
      const r = await body(c);
      if ('fail' in r) {
        await c.query('ROLLBACK');
        return { type: 'fail', error: r.fail };
      }
      committing = true;
      await c.query('COMMIT');
      return { type: 'ok', value: r.value };
    } catch (err) {
      const errno = (err as { errno?: number }).errno;
      const error = signal.aborted ? 'timed out' : errorText(err);
      if (!committing || (errno !== undefined && ROLLED_BACK.has(errno))) {
        // Not committed: roll back on a healthy connection, else drop it (the server rolls back).
        if (
          errno === undefined ||
          !(await c.query('ROLLBACK').then(
            () => true,
            () => false,
          ))
        )
          this.drop();
        return { type: 'fail', error };
      }
      this.drop();
      return { type: 'info', error };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

function race<T>(p: Promise<T>, signal: AbortSignal, onAbort: () => void): Promise<T> {
  if (signal.aborted) return Promise.reject(new Aborted('timed out'));
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(new Aborted('timed out'));
    };
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

async function rows(c: Conn, sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  const [r] = await c.query(sql, params);
  return r as Record<string, unknown>[];
}

/** The address a client on `node` connects to, per mode. */
function targetOf(state: ClientState, test: RunContext, node: NodeRef): () => string {
  const ipOf = (name: string) => {
    const r = test.remotes.find((x) => x.name === name);
    if (!r) throw new Error(`mariadb: no node ${name}`);
    return r.ip;
  };
  if (state.mode === 'galera') return () => ipOf(node.name);
  if (state.mode === 'single') return () => ipOf(test.nodes[0]!);
  return () => ipOf(state.primary);
}

type Handler = (op: Invocation) => Body | Completion;

function factory(state: ClientState, handle: Handler): ClientFactory {
  return async (test, node) => {
    const session = new Session(targetOf(state, test, node));
    const client: Client = {
      async invoke(op, signal) {
        const b = handle(op);
        if (typeof b !== 'function') return b;
        return session.txn(state.isolation, b, signal);
      },
      async close() {
        session.drop();
      },
    };
    return client;
  };
}

const bad = (what: string, op: Invocation): Completion => ({
  type: 'fail',
  error: `mariadb ${what}: unknown op f=${op.f}`,
});

type MicroOp = [string, number, unknown];

/** list-append: `[append k v]` → INSERT … ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', x); `[r k nil]` → the list. */
const listAppend: Handler = (op) => {
  if (op.f !== 'txn') return bad('list-append', op);
  const mops = op.value as MicroOp[];
  return async (c) => {
    const out: MicroOp[] = [];
    for (const [f, k, v] of mops) {
      if (f === 'append') {
        await c.query(
          `INSERT INTO ${TABLES.lists} (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', ?)`,
          [k, String(v), String(v)],
        );
        out.push([f, k, v]);
      } else {
        const r = await rows(c, `SELECT v FROM ${TABLES.lists} WHERE k = ?`, [k]);
        const text = r[0]?.v as string | undefined;
        out.push([f, k, text === undefined || text === '' ? [] : text.split(',').map(Number)]);
      }
    }
    return { value: out };
  };
};

/** rw-register: `[w k v]` → upsert; `[r k nil]` → v, or nil for a key never written. */
const rwRegister: Handler = (op) => {
  if (op.f !== 'txn') return bad('rw-register', op);
  const mops = op.value as MicroOp[];
  return async (c) => {
    const out: MicroOp[] = [];
    for (const [f, k, v] of mops) {
      if (f === 'w') {
        await c.query(`INSERT INTO ${TABLES.rw} (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)`, [
          k,
          v,
        ]);
        out.push([f, k, v]);
      } else {
        const r = await rows(c, `SELECT v FROM ${TABLES.rw} WHERE k = ?`, [k]);
        out.push([f, k, r[0] === undefined ? null : Number(r[0].v)]);
      }
    }
    return { value: out };
  };
};

/**
 * bank: transfer reads both balances (plain, non-locking reads: what the isolation level gives) and writes
 * the new ones; a transfer that would make `from` negative is `fail`. read → every balance by account id.
 */
const bank: Handler = (op) => {
  if (op.f === 'read')
    return async (c) => {
      const r = await rows(c, `SELECT id, balance FROM ${TABLES.accounts} ORDER BY id`, []);
      return { value: r.map((x) => Number(x.balance)) };
    };
  if (op.f !== 'transfer') return bad('bank', op);
  const { from, to, amount } = op.value as { from: number; to: number; amount: number };
  return async (c) => {
    const a = await rows(c, `SELECT balance FROM ${TABLES.accounts} WHERE id = ?`, [from]);
    const b = await rows(c, `SELECT balance FROM ${TABLES.accounts} WHERE id = ?`, [to]);
    if (!a[0] || !b[0]) return { fail: `no account ${!a[0] ? from : to}` };
    const fromBalance = Number(a[0].balance) - amount;
    if (fromBalance < 0) return { fail: 'insufficient funds' };
    await c.query(`UPDATE ${TABLES.accounts} SET balance = ? WHERE id = ?`, [fromBalance, from]);
    await c.query(`UPDATE ${TABLES.accounts} SET balance = ? WHERE id = ?`, [
      Number(b[0].balance) + amount,
      to,
    ]);
    return { value: op.value };
  };
};

/** set: add v → INSERT (a duplicate is `fail`); read → every element, sorted. */
const set: Handler = (op) => {
  if (op.f === 'add')
    return async (c) => {
      await c.query(`INSERT INTO ${TABLES.sets} (v) VALUES (?)`, [op.value]);
      return { value: op.value };
    };
  if (op.f === 'read')
    return async (c) => {
      const r = await rows(c, `SELECT v FROM ${TABLES.sets} ORDER BY v`, []);
      return { value: r.map((x) => Number(x.v)) };
    };
  return bad('set', op);
};

/** register: [k, v] values; read → [k, v|null]; write → upsert; cas [k, [from, to]] → UPDATE … WHERE v = from. */
const register: Handler = (op) => {
  const [k, v] = op.value as [number, unknown];
  switch (op.f) {
    case 'read':
      return async (c) => {
        const r = await rows(c, `SELECT v FROM ${TABLES.registers} WHERE k = ?`, [k]);
        return { value: [k, r[0] === undefined ? null : Number(r[0].v)] };
      };
    case 'write':
      return async (c) => {
        await c.query(
          `INSERT INTO ${TABLES.registers} (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)`,
          [k, v],
        );
        return { value: op.value };
      };
    case 'cas': {
      const [from, to] = v as [number, number];
      return async (c) => {
        const [r] = await c.query(`UPDATE ${TABLES.registers} SET v = ? WHERE k = ? AND v = ?`, [
          to,
          k,
          from,
        ]);
        const affected = (r as { affectedRows?: number }).affectedRows ?? 0;
        return affected === 1 ? { value: op.value } : { fail: 'cas mismatch' };
      };
    }
    default:
      return bad('register', op);
  }
};

/** The client factories by workload name, bound to the system's state. */
export function mariadbClients(state: ClientState): Record<string, ClientFactory> {
  return {
    'list-append': factory(state, listAppend),
    'rw-register': factory(state, rwRegister),
    bank: factory(state, bank),
    set: factory(state, set),
    register: factory(state, register),
  };
}
