/**
 * PostgreSQL's dialect for the SQL txn layer (systems/sql): `$n` placeholders, INSERT … ON CONFLICT for
 * "insert when missing", SELECT … FOR UPDATE for the bank, and SQLSTATEs for errors: 40001
 * (serialization_failure), 40P01 (deadlock_detected) and 23505 (unique_violation) mean the server rolled
 * the txn back (PostgreSQL manual, Appendix A "PostgreSQL Error Codes"); any other error, and a lost
 * connection, is unknown.
 */
import { type Dialect, isolationSql, TABLES as T } from '../sql/dialect.ts';

/** SQLSTATEs after which the txn certainly did not commit. */
export const ROLLED_BACK_CODES: ReadonlySet<string> = new Set(['40001', '40P01', '23505']);

export const postgresDialect: Dialect = {
  name: 'postgres',
  sql: {
    schema: [
      `CREATE TABLE IF NOT EXISTS ${T.lists} (k bigint PRIMARY KEY, v text NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${T.rw} (k bigint PRIMARY KEY, v bigint)`,
      `CREATE TABLE IF NOT EXISTS ${T.registers} (k bigint PRIMARY KEY, v bigint)`,
      `CREATE TABLE IF NOT EXISTS ${T.accounts} (id int PRIMARY KEY, balance bigint NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${T.sets} (v bigint PRIMARY KEY)`,
    ],
    insertAccount: `INSERT INTO ${T.accounts} (id, balance) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
    readList: `SELECT v FROM ${T.lists} WHERE k = $1`,
    append: `INSERT INTO ${T.lists} AS t (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = t.v || ',' || excluded.v`,
    readRw: `SELECT v FROM ${T.rw} WHERE k = $1`,
    writeRw: `INSERT INTO ${T.rw} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
    readRegister: `SELECT v FROM ${T.registers} WHERE k = $1`,
    writeRegister: `INSERT INTO ${T.registers} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
    casRegister: `UPDATE ${T.registers} SET v = $1 WHERE k = $2 AND v = $3`,
    readAccounts: `SELECT id, balance FROM ${T.accounts} ORDER BY id`,
    readAccountForUpdate: `SELECT balance FROM ${T.accounts} WHERE id = $1 FOR UPDATE`,
    addBalance: `UPDATE ${T.accounts} SET balance = balance + $1 WHERE id = $2`,
    addElement: `INSERT INTO ${T.sets} (v) VALUES ($1)`,
    readSet: `SELECT v FROM ${T.sets}`,
  },
  begin: (isolation, readOnly) => [
    `BEGIN ISOLATION LEVEL ${isolationSql(isolation)}${readOnly ? ' READ ONLY' : ''}`,
  ],
  classify(err) {
    const code = (err as { code?: unknown } | null)?.code;
    return typeof code === 'string' && ROLLED_BACK_CODES.has(code) ? 'rolled-back' : 'unknown';
  },
};
