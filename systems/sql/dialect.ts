/**
 * What differs between SQL databases for faultline's txn layer (txn.ts): the SQL text of each micro-op,
 * the statements that open a transaction at an isolation level, and which errors mean "the server rolled
 * the transaction back" (a definite failure even after COMMIT was sent). Each dialect writes its own
 * placeholders (`$1` for PostgreSQL, `?` for MySQL/MariaDB); txn.ts passes the parameters in the order
 * documented on each statement.
 */

/** The isolation levels faultline asks for, by their SQL-standard names (lower case, dashed). */
export type Isolation = 'read-committed' | 'repeatable-read' | 'serializable';

export const ISOLATIONS: readonly Isolation[] = ['read-committed', 'repeatable-read', 'serializable'];

/** The tables the txn layer uses; every dialect creates them with these names and columns. */
export const TABLES = {
  /** list-append: (k bigint primary key, v text: comma-separated elements). */
  lists: 'fl_lists',
  /** rw-register: (k bigint primary key, v bigint). */
  rw: 'fl_rw',
  /** register: (k bigint primary key, v bigint). */
  registers: 'fl_registers',
  /** bank: (id int primary key, balance bigint). */
  accounts: 'fl_accounts',
  /** set: (v bigint primary key). */
  sets: 'fl_sets',
} as const;

/** SQL text per micro-op; the parameters each takes are listed in order. Result columns are named as given. */
export interface DialectSql {
  /** Every table of TABLES, created if missing (run once, on the primary, before the run). */
  schema: string[];
  /** Params (id, balance): inserts an account row unless it exists. */
  insertAccount: string;
  /** Params (k) → rows with column `v` (text). */
  readList: string;
  /** Params (k, element as text): appends `,element` to the list at k, or inserts the row `element`. */
  append: string;
  /** Params (k) → rows with column `v`; used by rw-register. */
  readRw: string;
  /** Params (k, v): sets rw-register k to v, inserting the row if missing. */
  writeRw: string;
  /** Params (k) → rows with column `v`. */
  readRegister: string;
  /** Params (k, v): sets register k to v, inserting the row if missing. */
  writeRegister: string;
  /** Params (new, k, old): affected row count 1 when the compare matched. */
  casRegister: string;
  /** No params → rows with columns `id`, `balance`, ordered by id. */
  readAccounts: string;
  /** Params (id) → rows with column `balance`; locks the row for update where the dialect can. */
  readAccountForUpdate: string;
  /** Params (delta, id): balance += delta. */
  addBalance: string;
  /** Params (v): inserts one set element. */
  addElement: string;
  /** No params → rows with column `v`. */
  readSet: string;
}

/** How a failed statement ended, as the server reported it. */
export type ErrorKind =
  /** The server rolled the txn back (serialization failure, deadlock, unique violation): nothing committed. */
  | 'rolled-back'
  /** Anything else: a lost connection, a timeout, a server error we cannot vouch for. */
  | 'unknown';

/** One SQL database's dialect for the txn layer. */
export interface Dialect {
  name: string;
  sql: DialectSql;
  /** The statements that open a txn at `isolation` (read-only when `readOnly`), in order. */
  begin(isolation: Isolation, readOnly: boolean): string[];
  /** Classifies an error a statement threw (see ErrorKind). */
  classify(err: unknown): ErrorKind;
}

/** An isolation level from its option text; throws an Error naming the valid ones otherwise. */
export function isolationOf(v: unknown, dflt: Isolation = 'serializable'): Isolation {
  if (v === undefined) return dflt;
  const s = String(v);
  if ((ISOLATIONS as readonly string[]).includes(s)) return s as Isolation;
  throw new Error(`isolation '${s}' is not one of ${ISOLATIONS.join(', ')}`);
}

/** The SQL spelling of an isolation level: `SERIALIZABLE`, `REPEATABLE READ`, `READ COMMITTED`. */
export function isolationSql(i: Isolation): string {
  return i.replace('-', ' ').toUpperCase();
}
