/**
 * The database and users, created as root (over the socket, admin.ts) on the first node before the run;
 * the tables and the bank's rows are the txn layer's (systems/sql prepareSchema with the MariaDB dialect),
 * created through a client connection right after. InnoDB with primary keys everywhere: Galera
 * replicates only InnoDB tables and certifies row changes by primary key.
 */
import { CLIENT_PASSWORD, CLIENT_USER, DATABASE, REPL_PASSWORD, REPL_USER } from './config.ts';

/** The database, the client user (all privileges on it, no SUPER: read_only applies) and the replication user. */
export function usersSql(): string {
  return [
    `CREATE DATABASE IF NOT EXISTS ${DATABASE}`,
    `CREATE USER IF NOT EXISTS '${CLIENT_USER}'@'%' IDENTIFIED BY '${CLIENT_PASSWORD}'`,
    `GRANT ALL PRIVILEGES ON ${DATABASE}.* TO '${CLIENT_USER}'@'%'`,
    `CREATE USER IF NOT EXISTS '${REPL_USER}'@'%' IDENTIFIED BY '${REPL_PASSWORD}'`,
    `GRANT REPLICATION SLAVE ON *.* TO '${REPL_USER}'@'%'`,
    '',
  ].join(';\n');
}
