/**
 * The tables the MariaDB clients use (the same names as the PostgreSQL system's), created on the first
 * node before the run. InnoDB with primary keys everywhere: Galera replicates only InnoDB tables and
 * needs a primary key to certify row changes.
 */
import { CLIENT_PASSWORD, CLIENT_USER, DATABASE, REPL_PASSWORD, REPL_USER } from './config.ts';

export const TABLES = {
  /** list-append: k → comma-separated elements. */
  lists: 'fl_lists',
  /** rw-register: k → v. */
  rw: 'fl_rw',
  /** register: k → v. */
  registers: 'fl_registers',
  /** bank: account id → balance. */
  accounts: 'fl_accounts',
  /** set: one row per element. */
  sets: 'fl_sets',
} as const;

/** The bank's accounts and initial balance, read from the same options (and defaults) as workloads/bank.ts. */
export function bankAccounts(options: Record<string, unknown>): { accounts: number; initialBalance: number } {
  return { accounts: Number(options.accounts ?? 5), initialBalance: Number(options.initialBalance ?? 20) };
}

/** Users, the database, its tables and the bank's rows, as one script run as root on the first node. */
export function schemaSql(options: Record<string, unknown>): string {
  const { accounts, initialBalance } = bankAccounts(options);
  const rows = Array.from({ length: accounts }, (_, i) => `(${i}, ${initialBalance})`).join(', ');
  const t = `${DATABASE}.`;
  return [
    `CREATE DATABASE IF NOT EXISTS ${DATABASE}`,
    `CREATE USER IF NOT EXISTS '${CLIENT_USER}'@'%' IDENTIFIED BY '${CLIENT_PASSWORD}'`,
    `GRANT ALL PRIVILEGES ON ${DATABASE}.* TO '${CLIENT_USER}'@'%'`,
    `CREATE USER IF NOT EXISTS '${REPL_USER}'@'%' IDENTIFIED BY '${REPL_PASSWORD}'`,
    `GRANT REPLICATION SLAVE ON *.* TO '${REPL_USER}'@'%'`,
    `CREATE TABLE IF NOT EXISTS ${t}${TABLES.lists} (k BIGINT PRIMARY KEY, v TEXT NOT NULL) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${t}${TABLES.rw} (k BIGINT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${t}${TABLES.registers} (k BIGINT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${t}${TABLES.accounts} (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${t}${TABLES.sets} (v BIGINT PRIMARY KEY) ENGINE=InnoDB`,
    ...(accounts > 0 ? [`INSERT IGNORE INTO ${t}${TABLES.accounts} (id, balance) VALUES ${rows}`] : []),
    '',
  ].join(';\n');
}
