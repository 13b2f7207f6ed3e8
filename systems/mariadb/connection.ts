/**
 * MariaDB connections for the SQL txn layer, over TCP with the `mysql2` driver, as the faultline user.
 * A connection that has to be dropped (state unknown) is destroyed at once: a polite end would wait for
 * a server that may be paused or cut off.
 */
import mysql from 'mysql2/promise';
import type { SqlConnection } from '../sql/client.ts';
import { CLIENT_PASSWORD, CLIENT_USER, DATABASE, MARIADB_PORT } from './config.ts';

/**
 * Opens a connection to the server at `host`; rejects after `timeoutMs` or when `signal` aborts.
 * `stillValid` is asked before every statement but COMMIT: when it says no (replica mode: the primary
 * changed since this connection was opened), the statement is not sent and an error is thrown, so the
 * txn fails before COMMIT and the client reconnects to the new primary.
 */
export async function connectMariadb(
  host: string,
  timeoutMs: number,
  signal?: AbortSignal,
  stillValid: () => boolean = () => true,
): Promise<SqlConnection> {
  if (signal?.aborted) throw new Error('timed out before connecting');
  const pending = mysql.createConnection({
    host,
    port: MARIADB_PORT,
    user: CLIENT_USER,
    password: CLIENT_PASSWORD,
    database: DATABASE,
    connectTimeout: timeoutMs,
  });
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    pending.then(
      (c) => c.destroy(),
      () => {},
    );
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let c: mysql.Connection;
  try {
    c = await pending;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (aborted) throw new Error('timed out while connecting');
  // An error on an idle connection (the server went away) must not be uncaught: the next statement fails.
  c.on('error', () => {});
  return {
    async query(sql, params) {
      if (sql !== 'COMMIT' && !stillValid()) throw new Error(`not sent: ${host} is no longer the primary`);
      const [r] = await c.query(sql, params ? [...params] : []);
      if (Array.isArray(r)) return { rows: r as Record<string, unknown>[], rowCount: 0 };
      return { rows: [], rowCount: (r as { affectedRows?: number }).affectedRows ?? 0 };
    },
    async close() {
      // A polite end, at most 1 s: a paused or cut-off server never answers it, and mysql2's end()
      // promise does not settle after destroy(), so it is raced, never awaited alone.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        c.end().catch(() => {}),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 1000);
        }),
      ]);
      clearTimeout(timer);
      c.destroy();
    },
    destroy: () => c.destroy(),
  };
}
