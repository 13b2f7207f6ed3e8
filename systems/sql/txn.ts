/**
 * One faultline op as one SQL transaction, for any dialect (dialect.ts): BEGIN at the isolation level,
 * the op's statements, COMMIT. How an error completes the op (Jepsen's rules; never retried):
 * - before COMMIT was sent, anything (a statement error, a lost connection, the op's timeout) is `fail`:
 *   a txn without COMMIT cannot commit, and faultline rolls it back or drops the connection;
 * - after COMMIT was sent, an error the dialect classifies `rolled-back` (serialization failure,
 *   deadlock, unique violation) is `fail`; anything else (lost connection, timeout) is `info`, unless the
 *   txn only read, which changes nothing whatever happened, so `fail`.
 * The bodies here (list-append, rw-register, bank, set, register) are what each workload's op runs.
 */

import { bankConfig } from '../../checkers/bank-config.ts';
import { errorText } from '../../src/core/errors.ts';
import type { Completion } from '../../src/core/index.ts';
import { OpTimedOut, raceSignal } from '../../src/util/race-signal.ts';
import { type Dialect, type Isolation, TABLES } from './dialect.ts';

/** One statement's result: rows keyed by column name, and the affected row count (0 for reads). */
export interface QueryResult {
  rows: Record<string, unknown>[];
  rowCount: number;
}

/** A database connection as the txn layer uses it: one statement at a time. */
export interface SqlSession {
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult>;
}

/** Runs one statement within the current txn. */
export type Query = (sql: string, params?: readonly unknown[]) => Promise<QueryResult>;

/** Thrown by a txn body to roll back on purpose (a cas that did not match, insufficient funds): `fail`. */
export class Rollback extends Error {}

/** How a txn ended: its completion, and whether the connection must be dropped (state unknown). */
export interface TxnResult {
  completion: Completion;
  broken: boolean;
}

export interface TxnOptions {
  isolation: Isolation;
  /** Opens the txn READ ONLY; an indeterminate end of a read-only txn is `fail` (it changed nothing). */
  readOnly: boolean;
  /** The op's deadline: a statement still running when it fires ends the txn (see the module doc). */
  signal: AbortSignal;
}

/**
 * Runs `body` in one txn on `s` (see the module doc for how errors complete it). `body`'s return value
 * is the ok completion's value (undefined: no value).
 */
export async function runTxn(
  s: SqlSession,
  d: Dialect,
  o: TxnOptions,
  body: (q: Query) => Promise<unknown>,
): Promise<TxnResult> {
  const q: Query = (sql, params) => raceSignal(s.query(sql, params ?? []), o.signal);
  let commitSent = false;
  try {
    for (const stmt of d.begin(o.isolation, o.readOnly)) await q(stmt);
    const value = await body(q);
    commitSent = true;
    await q('COMMIT');
    return { completion: value === undefined ? { type: 'ok' } : { type: 'ok', value }, broken: false };
  } catch (err) {
    const aborted = err instanceof OpTimedOut;
    const kind = aborted ? 'unknown' : err instanceof Rollback ? 'rolled-back' : d.classify(err);
    const error = aborted ? 'timed out' : errorText(err);
    let broken = kind === 'unknown';
    if (!commitSent && !broken) {
      // The server still holds the txn open (or aborted): end it so the connection can be reused.
      try {
        await raceSignal(s.query('ROLLBACK', []), o.signal);
      } catch {
        broken = true;
      }
    }
    const definite = !commitSent || kind === 'rolled-back' || o.readOnly;
    return { completion: { type: definite ? 'fail' : 'info', error }, broken };
  }
}

/** A list-append read's text (`1,2,3`, '' or null) as its elements; integers as numbers. */
export function parseList(v: unknown): unknown[] {
  if (v === null || v === undefined || v === '') return [];
  return String(v)
    .split(',')
    .map((e) => (/^-?\d+$/.test(e) ? Number(e) : e));
}

/** A column value read back as a number when it is an integer (drivers return bigint as text). */
export function numberOrText(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return v;
}

type Mop = [string, unknown, unknown];

/** Checks a txn op's value is a list of `[f, k, v]` micro-ops with f among `fs`; throws otherwise. */
export function mopsOf(value: unknown, fs: readonly string[]): Mop[] {
  if (!Array.isArray(value)) throw new Error(`txn value must be a list of micro-ops, not ${String(value)}`);
  return value.map((m) => {
    if (!Array.isArray(m) || m.length !== 3 || !fs.includes(String(m[0])))
      throw new Error(`micro-op ${JSON.stringify(m)} is not one of [${fs.join('|')}, k, v]`);
    return [String(m[0]), m[1], m[2]] as Mop;
  });
}

/** True when a txn's micro-ops are all reads. */
export const readOnlyTxn = (mops: readonly Mop[]) => mops.every((m) => m[0] === 'r');

/** list-append: appends and reads of comma-separated text lists; reads return the whole list. */
export function listAppendBody(d: Dialect, mops: readonly Mop[]) {
  return async (q: Query) => {
    const out: Mop[] = [];
    for (const [f, k, v] of mops) {
      if (f === 'r') {
        const r = await q(d.sql.readList, [k]);
        out.push([f, k, parseList(r.rows[0]?.v)]);
      } else {
        await q(d.sql.append, [k, String(v)]);
        out.push([f, k, v]);
      }
    }
    return out;
  };
}

/** rw-register: writes and reads of one value per key; a key never written reads null. */
export function rwRegisterBody(d: Dialect, mops: readonly Mop[]) {
  return async (q: Query) => {
    const out: Mop[] = [];
    for (const [f, k, v] of mops) {
      if (f === 'r') {
        const r = await q(d.sql.readRw, [k]);
        out.push([f, k, numberOrText(r.rows[0]?.v)]);
      } else {
        await q(d.sql.writeRw, [k, v]);
        out.push([f, k, v]);
      }
    }
    return out;
  };
}

/** A bank transfer `{from, to, amount}`; rolls back when `from` would go negative (unless allowed). */
export function transferBody(d: Dialect, value: unknown, allowNegative: boolean) {
  const { from, to, amount } = value as { from: number; to: number; amount: number };
  return async (q: Query) => {
    const r = await q(d.sql.readAccountForUpdate, [from]);
    const balance = Number(numberOrText(r.rows[0]?.balance));
    if (r.rows.length === 0) throw new Rollback(`no account ${from}`);
    if (!allowNegative && balance - amount < 0)
      throw new Rollback(`insufficient funds: account ${from} has ${balance}`);
    await q(d.sql.addBalance, [-amount, from]);
    await q(d.sql.addBalance, [amount, to]);
    return undefined;
  };
}

/** A bank read: every balance, as an array indexed by account id. */
export function bankReadBody(d: Dialect) {
  return async (q: Query) => {
    const r = await q(d.sql.readAccounts);
    const balances: number[] = [];
    for (const row of r.rows) balances[Number(numberOrText(row.id))] = Number(numberOrText(row.balance));
    return balances;
  };
}

/** The statements that make the schema and the bank's accounts (run once on the primary at setup). */
export async function prepareSchema(
  s: SqlSession,
  d: Dialect,
  options: Record<string, unknown>,
): Promise<void> {
  for (const stmt of d.sql.schema) await s.query(stmt, []);
  let accounts = 5;
  let initial = 20;
  try {
    const c = bankConfig(options);
    accounts = c.accounts;
    initial = c.initialBalance;
  } catch {
    // Options of another workload that bankConfig rejects: the bank table is not used then.
  }
  for (let id = 0; id < accounts; id++) await s.query(d.sql.insertAccount, [id, initial]);
}

/** What one op runs: its body, and whether it only reads. */
export interface TxnPlan {
  readOnly: boolean;
  body: (q: Query) => Promise<unknown>;
}

/** The workloads the txn layer runs. */
export const SQL_WORKLOADS = ['list-append', 'rw-register', 'bank', 'set', 'register'] as const;
export type SqlWorkload = (typeof SQL_WORKLOADS)[number];

/**
 * The txn that runs op `{f, value}` of `workload`; throws an Error for an op the workload does not have
 * (the client turns it into `fail`: nothing was sent).
 */
export function planOp(
  d: Dialect,
  workload: SqlWorkload,
  f: string,
  value: unknown,
  options: Record<string, unknown>,
): TxnPlan {
  const unknownOp = () => new Error(`${d.name} ${workload}: unknown op f=${f}`);
  switch (workload) {
    case 'list-append':
    case 'rw-register': {
      if (f !== 'txn') throw unknownOp();
      const write = workload === 'list-append' ? 'append' : 'w';
      const mops = mopsOf(value, ['r', write]);
      const body = workload === 'list-append' ? listAppendBody(d, mops) : rwRegisterBody(d, mops);
      return { readOnly: readOnlyTxn(mops), body };
    }
    case 'bank':
      if (f === 'read') return { readOnly: true, body: bankReadBody(d) };
      if (f === 'transfer') {
        const allow = (() => {
          try {
            return bankConfig(options).allowNegative;
          } catch {
            return false;
          }
        })();
        return { readOnly: false, body: transferBody(d, value, allow) };
      }
      throw unknownOp();
    case 'set':
      if (f === 'add')
        return {
          readOnly: false,
          body: async (q) => {
            await q(d.sql.addElement, [value]);
            return undefined;
          },
        };
      if (f === 'read')
        return {
          readOnly: true,
          body: async (q) => {
            const r = await q(d.sql.readSet);
            return r.rows.map((row) => numberOrText(row.v)).sort((a, b) => Number(a) - Number(b));
          },
        };
      throw unknownOp();
    case 'register': {
      const [k, v] = value as [unknown, unknown];
      if (f === 'read')
        return {
          readOnly: true,
          body: async (q) => [k, numberOrText((await q(d.sql.readRegister, [k])).rows[0]?.v)],
        };
      if (f === 'write')
        return {
          readOnly: false,
          body: async (q) => {
            await q(d.sql.writeRegister, [k, v]);
            return undefined;
          },
        };
      if (f === 'cas') {
        const [from, to] = v as [unknown, unknown];
        return {
          readOnly: false,
          body: async (q) => {
            const r = await q(d.sql.casRegister, [to, k, from]);
            if (r.rowCount !== 1) throw new Rollback('cas mismatch');
            return undefined;
          },
        };
      }
      throw unknownOp();
    }
  }
}

/** The table names, re-exported for dialects' schema text. */
export { TABLES };
