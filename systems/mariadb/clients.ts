/**
 * MariaDB clients: the SQL txn layer's (systems/sql: one op per txn, fail/info around COMMIT, never
 * retried) with the MariaDB dialect, for list-append, rw-register, bank, set and register.
 * Where a client's txns go: single → n1; replica → the current primary as failover.ts knows it (a
 * connection opened to a former primary refuses to send more statements, so the client reconnects);
 * galera → the client's own node. Every txn runs at `--opt isolation`.
 */
import type { ClientFactory, NodeRef, RunContext } from '../../src/core/index.ts';
import { type SqlTarget, sqlClientFactory } from '../sql/client.ts';
import { SQL_WORKLOADS } from '../sql/txn.ts';
import type { Isolation, MariadbMode } from './config.ts';
import { connectMariadb } from './connection.ts';
import { mariadbDialect } from './dialect.ts';
import type { FailoverState } from './failover.ts';

/** What the clients read from the system's state. */
export interface ClientState extends FailoverState {
  mode: MariadbMode;
  isolation: Isolation;
}

const CONNECT_TIMEOUT_MS = 2000;

function ipOf(test: RunContext, name: string): string {
  const r = test.remotes.find((x) => x.name === name);
  if (!r) throw new Error(`mariadb: no node ${name}`);
  return r.ip;
}

/** The node a client on `node` sends its txns to, now. */
function targetNode(state: ClientState, test: RunContext, node: NodeRef): string {
  if (state.mode === 'galera') return node.name;
  if (state.mode === 'single') return test.nodes[0]!;
  return state.primary;
}

function target(state: ClientState) {
  return (test: RunContext, node: NodeRef): SqlTarget => ({
    async connect(_role, signal) {
      const name = targetNode(state, test, node);
      return connectMariadb(ipOf(test, name), CONNECT_TIMEOUT_MS, signal, () =>
        state.mode === 'replica' ? state.primary === name : true,
      );
    },
    isolation: () => state.isolation,
  });
}

/** The client factories by workload name, bound to the system's state. */
export function mariadbClients(state: ClientState): Record<string, ClientFactory> {
  return Object.fromEntries(
    SQL_WORKLOADS.map((w) => [w, sqlClientFactory(w, mariadbDialect, target(state))]),
  );
}
