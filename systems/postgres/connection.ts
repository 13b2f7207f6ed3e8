/**
 * PostgreSQL connections for the SQL txn layer, over TCP with the `pg` driver (node-postgres). A
 * connection that has to be dropped (its state unknown after a timeout) has its socket destroyed: a
 * polite `end()` would wait for a server that may be paused or cut off.
 */
import pg from 'pg';
import type { SqlConnection } from '../sql/client.ts';

export const POSTGRES_PORT = 5432;

/** Opens a connection to the server at `host` as user postgres; rejects after `timeoutMs` or on `signal`. */
export async function connectPostgres(
  host: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<SqlConnection> {
  const c = new pg.Client({
    host,
    port: POSTGRES_PORT,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: timeoutMs,
  });
  // An error event on an idle connection (the server went away) must not be an uncaught error; the
  // next statement on it fails and the txn layer drops it.
  c.on('error', () => {});
  const destroy = () => {
    try {
      c.connection.stream.destroy();
    } catch {
      // Never connected: nothing to drop.
    }
  };
  const onAbort = () => destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) throw new Error('timed out before connecting');
    await c.connect();
  } catch (err) {
    destroy();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return {
    async query(sql, params) {
      const r = await c.query(sql, params ? [...params] : []);
      return { rows: r.rows as Record<string, unknown>[], rowCount: r.rowCount ?? 0 };
    },
    async close() {
      const ended = c.end();
      const timer = setTimeout(destroy, 1000);
      try {
        await ended;
      } finally {
        clearTimeout(timer);
      }
    },
    destroy,
  };
}

/** Runs one statement on a fresh connection and closes it (setup, version, readiness probes). */
export async function queryOnce(
  host: string,
  sql: string,
  timeoutMs: number,
): Promise<Record<string, unknown>[]> {
  const c = await connectPostgres(host, timeoutMs);
  try {
    const timer = setTimeout(() => c.destroy(), timeoutMs);
    try {
      return (await c.query(sql)).rows;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await c.close().catch(() => c.destroy());
  }
}
