/**
 * A faultline client for the SQL txn layer: each op is one txn (txn.ts) on a connection the system opens
 * (`SqlTarget`), one for writes and, when the system sends read-only txns elsewhere (standbys), one for
 * reads. A connection left in an unknown state (a timeout, a lost connection) is dropped and a fresh one
 * opened for the next op; a connection that cannot be opened makes the op `fail` (nothing was sent).
 */

import { errorText } from '../../src/core/errors.ts';
import type { Client, ClientFactory, Completion, NodeRef, RunContext } from '../../src/core/index.ts';
import type { Dialect, Isolation } from './dialect.ts';
import { planOp, runTxn, type SqlSession, type SqlWorkload } from './txn.ts';

/** An open connection: statements, and two ways to end it. */
export interface SqlConnection extends SqlSession {
  /** Ends the connection politely. */
  close(): Promise<void>;
  /** Drops the connection at once (its state is unknown); never throws. */
  destroy(): void;
}

/** Who does read-write txns and who read-only ones. */
export type SqlRole = 'write' | 'read';

/** Where a client's txns go, as the system decides for one node's client. */
export interface SqlTarget {
  /** Opens a connection for `role` txns; rejects when it cannot (the op then fails). */
  connect(role: SqlRole, signal: AbortSignal): Promise<SqlConnection>;
  /** The isolation level for `role` txns. */
  isolation(role: SqlRole): Isolation;
}

/** A client factory for `workload` over `dialect`, its connections from `target(test, node)`. */
export function sqlClientFactory(
  workload: SqlWorkload,
  dialect: Dialect,
  target: (test: RunContext, node: NodeRef) => SqlTarget,
): ClientFactory {
  return async (test, node) => {
    const t = target(test, node);
    const conns: Partial<Record<SqlRole, SqlConnection>> = {};
    const client: Client = {
      async invoke(op, signal): Promise<Completion> {
        let plan: ReturnType<typeof planOp>;
        try {
          plan = planOp(dialect, workload, op.f, op.value, test.options);
        } catch (err) {
          return { type: 'fail', error: errorText(err) };
        }
        const role: SqlRole = plan.readOnly ? 'read' : 'write';
        let conn = conns[role];
        if (!conn) {
          try {
            conn = await t.connect(role, signal);
          } catch (err) {
            return { type: 'fail', error: `could not connect: ${errorText(err)}` };
          }
          conns[role] = conn;
        }
        const r = await runTxn(
          conn,
          dialect,
          { isolation: t.isolation(role), readOnly: plan.readOnly, signal },
          plan.body,
        );
        if (r.broken) {
          conn.destroy();
          delete conns[role];
        }
        return r.completion;
      },
      async close() {
        await Promise.all(Object.values(conns).map((c) => c.close().catch(() => c.destroy())));
      },
    };
    return client;
  };
}
