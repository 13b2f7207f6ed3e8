/**
 * Failover of `--mode replica`, done by faultline (no MariaDB component does it): a check the `failover`
 * nemesis family (nemeses/failover.ts) runs every second, so each promotion is a nemesis op in the history.
 *
 * Rule (deterministic): the primary has failed when its server does not answer on its own socket (killed,
 * paused) or when more than half of the replicas that answer report their replication IO thread not
 * connected to it (cut off by a partition; replicas notice within slave_net_timeout = 3 s). Then the
 * answering replica with the most advanced received GTID (domain 0 sequence of Gtid_IO_Pos) is promoted,
 * ties broken by node name: it applies what it received, stops replicating and becomes writable; the other
 * answering replicas replicate from it; the old primary is fenced: read-only (now, or when it next
 * answers) and never replicated into again, since its unreplicated writes make its binlog diverge (in
 * production it would be rebuilt). Clients follow `state.primary` at once.
 */
import type { Completion, RunContext } from '../../src/core/index.ts';
import type { Remote } from '../../src/core/remote.ts';
import { adminExec, adminQuery, gtidSeq, slaveStatus, sqlString } from './admin.ts';
import { MARIADB_PORT, REPL_PASSWORD, REPL_USER } from './config.ts';

/** The replica topology as faultline's failover code knows it. */
export interface FailoverState {
  /** The node clients write to. */
  primary: string;
  /** Former primaries, read-only and out of replication for the rest of the run. */
  fenced: Set<string>;
}

/** The statement pointing a replica at `ip` by GTID (its own applied position, slave_pos). */
export function changeMasterSql(ip: string): string {
  return `CHANGE MASTER TO MASTER_HOST=${sqlString(ip)}, MASTER_PORT=${MARIADB_PORT}, MASTER_USER=${sqlString(REPL_USER)}, MASTER_PASSWORD=${sqlString(REPL_PASSWORD)}, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`;
}

/** A replica's view, as read for the failover decision. */
export interface ReplicaView {
  name: string;
  /** Did its server answer? */
  answered: boolean;
  /** Slave_IO_Running: Yes, Connecting, No. */
  io: string;
  /** Gtid_IO_Pos: what it has received. */
  ioPos: string;
  masterHost: string;
}

/** The decision alone (pure): promote whom, or why not. */
export function decide(
  primaryAnswered: boolean,
  replicas: readonly ReplicaView[],
): { promote: string; why: string } | { promote: undefined; why: string } {
  const answering = replicas.filter((r) => r.answered);
  const cut = answering.filter((r) => r.io !== 'Yes');
  const failed = !primaryAnswered || (answering.length > 0 && cut.length * 2 > answering.length);
  if (!failed) return { promote: undefined, why: 'primary healthy' };
  const why = !primaryAnswered
    ? 'primary does not answer'
    : `${cut.length} of ${answering.length} answering replicas cannot reach the primary`;
  if (answering.length === 0) return { promote: undefined, why: `${why}, and no replica answers` };
  const best = [...answering].sort(
    (a, b) => gtidSeq(b.ioPos) - gtidSeq(a.ioPos) || a.name.localeCompare(b.name),
  )[0]!;
  return { promote: best.name, why };
}

async function view(remote: Remote): Promise<ReplicaView> {
  const s = await slaveStatus(remote, 2500);
  return {
    name: remote.name,
    answered: s !== undefined,
    io: s?.Slave_IO_Running ?? '',
    ioPos: s?.Gtid_IO_Pos ?? '',
    masterHost: s?.Master_Host ?? '',
  };
}

/**
 * One failover check (see the module doc). Completes `ok` with `{from, to, why, gtid, replicas, fenced}`
 * when it promoted a replica, `ok` with `{primary, why}` when nothing was done (primary healthy, nobody to
 * promote); `info` when a promotion step failed half-way (the error names it).
 */
export async function failover(test: RunContext, state: FailoverState): Promise<Completion> {
  const byName = new Map(test.remotes.map((r) => [r.name, r]));
  const primary = byName.get(state.primary);
  if (!primary) return { type: 'fail', error: `unknown primary ${state.primary}` };
  // Fence former primaries that answer again (a paused one resumed writable).
  for (const f of state.fenced) {
    const r = byName.get(f);
    if (r) await adminQuery(r, 'SET GLOBAL read_only = ON', 2000);
  }
  const replicas = test.remotes.filter((r) => r.name !== state.primary && !state.fenced.has(r.name));
  const [primaryAnswered, views] = await Promise.all([
    adminQuery(primary, 'SELECT 1', 2500).then((x) => x !== undefined),
    Promise.all(replicas.map(view)),
  ]);
  // Replicas still pointing at a former primary (they were down during a failover) follow the current one.
  for (const v of views)
    if (v.answered && v.masterHost && v.masterHost !== primary.ip && primaryAnswered) {
      const r = byName.get(v.name)!;
      await adminExec(r, `STOP SLAVE; ${changeMasterSql(primary.ip)}; START SLAVE`, 5000);
    }
  const d = decide(primaryAnswered, views);
  // A check that changed nothing is still a completed nemesis op (ok): its value says why nothing was done.
  if (!d.promote) return { type: 'ok', value: { primary: state.primary, why: d.why } };
  const to = byName.get(d.promote)!;
  const ioPos = views.find((v) => v.name === d.promote)!.ioPos;
  // Apply everything received, then stop replicating and open for writes.
  const promote = await adminExec(
    to,
    `STOP SLAVE IO_THREAD; SELECT MASTER_GTID_WAIT(${sqlString(ioPos)}, 5); STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF`,
    10_000,
  );
  const from = state.primary;
  if (!promote.ok)
    return {
      type: 'info',
      error: `promoting ${to.name} failed: ${promote.error}`,
      value: { from, to: to.name },
    };
  state.fenced.add(from);
  state.primary = to.name;
  // Best effort: a killed or paused old primary is fenced when it answers again (above, and at start).
  await adminQuery(primary, 'SET GLOBAL read_only = ON', 1500);
  const repointed: string[] = [];
  for (const v of views)
    if (v.answered && v.name !== to.name) {
      const r = await adminExec(
        byName.get(v.name)!,
        `STOP SLAVE; ${changeMasterSql(to.ip)}; START SLAVE`,
        5000,
      );
      if (r.ok) repointed.push(v.name);
    }
  return {
    type: 'ok',
    value: {
      from,
      to: to.name,
      why: d.why,
      gtid: ioPos,
      replicas: repointed,
      fenced: [...state.fenced].sort(),
    },
  };
}
