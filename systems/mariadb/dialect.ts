/**
 * MariaDB's dialect for the SQL txn layer (systems/sql): `?` placeholders, INSERT … ON DUPLICATE KEY
 * UPDATE for "insert when missing" (list-append: `v = CONCAT(v, ',', x)`), SELECT … FOR UPDATE for the
 * bank, `SET TRANSACTION ISOLATION LEVEL` before `START TRANSACTION` (it applies to the next txn only),
 * and MariaDB error numbers: 1213 ER_LOCK_DEADLOCK (also what Galera returns for a certification
 * failure, at COMMIT) and 1062 ER_DUP_ENTRY mean the txn did not commit (MariaDB manual, "MariaDB Error
 * Codes"; Galera Cluster documentation, "certification failure"). Any other error, and a lost connection,
 * is unknown.
 */
import { type Dialect, isolationSql, TABLES as T } from '../sql/dialect.ts';

/** MariaDB error numbers after which the txn certainly did not commit. */
export const ROLLED_BACK_ERRNOS: ReadonlySet<number> = new Set([1213, 1062]);

export const mariadbDialect: Dialect = {
  name: 'mariadb',
  sql: {
    schema: [
      `CREATE TABLE IF NOT EXISTS ${T.lists} (k BIGINT PRIMARY KEY, v TEXT NOT NULL) ENGINE=InnoDB`,
      `CREATE TABLE IF NOT EXISTS ${T.rw} (k BIGINT PRIMARY KEY, v BIGINT) ENGINE=InnoDB`,
      `CREATE TABLE IF NOT EXISTS ${T.registers} (k BIGINT PRIMARY KEY, v BIGINT) ENGINE=InnoDB`,
      `CREATE TABLE IF NOT EXISTS ${T.accounts} (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB`,
      `CREATE TABLE IF NOT EXISTS ${T.sets} (v BIGINT PRIMARY KEY) ENGINE=InnoDB`,
    ],
    insertAccount: `INSERT IGNORE INTO ${T.accounts} (id, balance) VALUES (?, ?)`,
    readList: `SELECT v FROM ${T.lists} WHERE k = ?`,
    append: `INSERT INTO ${T.lists} (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', VALUES(v))`,
    readRw: `SELECT v FROM ${T.rw} WHERE k = ?`,
    writeRw: `INSERT INTO ${T.rw} (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)`,
    readRegister: `SELECT v FROM ${T.registers} WHERE k = ?`,
    writeRegister: `INSERT INTO ${T.registers} (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)`,
    casRegister: `UPDATE ${T.registers} SET v = ? WHERE k = ? AND v = ?`,
    readAccounts: `SELECT id, balance FROM ${T.accounts} ORDER BY id`,
    readAccountForUpdate: `SELECT balance FROM ${T.accounts} WHERE id = ? FOR UPDATE`,
    addBalance: `UPDATE ${T.accounts} SET balance = balance + ? WHERE id = ?`,
    addElement: `INSERT INTO ${T.sets} (v) VALUES (?)`,
    readSet: `SELECT v FROM ${T.sets}`,
  },
  begin: (isolation, readOnly) => [
    `SET TRANSACTION ISOLATION LEVEL ${isolationSql(isolation)}`,
    `START TRANSACTION${readOnly ? ' READ ONLY' : ''}`,
  ],
  classify(err) {
    const errno = (err as { errno?: unknown } | null)?.errno;
    return typeof errno === 'number' && ROLLED_BACK_ERRNOS.has(errno) ? 'rolled-back' : 'unknown';
  },
};
