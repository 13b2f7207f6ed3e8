/**
 * Administrative SQL on a node, run by the `mariadb` command-line client inside the node as root over the
 * server's Unix socket (Debian's root@localhost authenticates by socket): independent of the network
 * faults between nodes and of the clients' connections.
 */
import type { Remote } from '../../src/core/remote.ts';
import { SOCKET } from './config.ts';

/**
 * Runs `sql` (one or more statements) on the node; resolves to the tab-separated rows (no header), or
 * undefined when the server did not answer or refused (killed, paused past `timeoutMs`, an SQL error).
 */
export async function adminQuery(
  remote: Remote,
  sql: string,
  timeoutMs = 3000,
): Promise<string[][] | undefined> {
  const r = await adminExec(remote, sql, timeoutMs);
  return r.ok ? r.rows : undefined;
}

/** As adminQuery, with the error text when it failed. */
export async function adminExec(
  remote: Remote,
  sql: string,
  timeoutMs = 3000,
): Promise<{ ok: true; rows: string[][] } | { ok: false; error: string }> {
  const r = await remote.exec(
    [
      'mariadb',
      '--protocol=socket',
      `--socket=${SOCKET}`,
      '-uroot',
      '--connect-timeout=2',
      '-N',
      '-B',
      '-e',
      sql,
    ],
    { timeoutMs },
  );
  if (r.timedOut) return { ok: false, error: `${remote.name}: no answer in ${timeoutMs} ms` };
  if (r.exitCode !== 0)
    return { ok: false, error: `${remote.name}: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.exitCode}`}` };
  const rows = r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
  return { ok: true, rows };
}

/** One row of `SHOW ... STATUS LIKE` / `SHOW VARIABLES LIKE` output as name → value. */
export function nameValues(rows: string[][] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows ?? []) if (r[0] !== undefined) out[r[0]] = r[1] ?? '';
  return out;
}

/**
 * `SHOW SLAVE STATUS\G`-free parsing: `SHOW SLAVE STATUS` in batch mode prints one header-less row, so
 * the fields are read by name with `-E`-like output instead. Returns field → value, {} when not a replica.
 */
export async function slaveStatus(
  remote: Remote,
  timeoutMs = 3000,
): Promise<Record<string, string> | undefined> {
  const r = await remote.exec(
    [
      'mariadb',
      '--protocol=socket',
      `--socket=${SOCKET}`,
      '-uroot',
      '--connect-timeout=2',
      '-E',
      '-e',
      'SHOW SLAVE STATUS',
    ],
    { timeoutMs },
  );
  if (r.timedOut || r.exitCode !== 0) return undefined;
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([A-Za-z_]+):\s?(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** The largest sequence number in a GTID position list (`0-1-17,1-2-3` → 17 for domain 0); -1 when none. */
export function gtidSeq(pos: string | undefined, domain = 0): number {
  let best = -1;
  for (const g of (pos ?? '').split(',')) {
    const m = /^\s*(\d+)-(\d+)-(\d+)\s*$/.exec(g);
    if (m && Number(m[1]) === domain) best = Math.max(best, Number(m[3]));
  }
  return best;
}

/** SQL string literal (single-quoted, backslashes and quotes escaped) for the few values we interpolate. */
export const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
