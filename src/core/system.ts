/** The system under test as faultline sees it: how to install, start, stop and fault it, and its clients. */
import type { RunContext } from './context.ts';
import type { Invocation } from './generator.ts';
import type { Completion } from './op.ts';
import type { OptionsSchema } from './options.ts';
import type { Remote } from './remote.ts';

/** A node as systems see it: its name, and its Remote when the system runs on a cluster. */
export interface NodeRef {
  name: string;
  remote?: Remote;
}

/** One client connection to the system under test, used by one worker thread at a time. */
export interface Client {
  /** `signal` aborts when the op timed out or the run is stopping. */
  invoke(op: Invocation, signal: AbortSignal): Promise<Completion>;
  close(): Promise<void>;
}

/** Opens a client bound to one node. */
export type ClientFactory = (test: RunContext, node: NodeRef) => Promise<Client>;

/** The system under test: how to install, start, stop and fault it on a node, and its clients. */
export interface System {
  name: string;
  /** False for in-process systems (no cluster is provisioned). */
  needsCluster: boolean;
  /** Debian packages a node image needs for this system. */
  packages?: string[];
  setup(test: RunContext, node: NodeRef): Promise<void>;
  teardown(test: RunContext, node: NodeRef): Promise<void>;
  start?(test: RunContext, node: NodeRef): Promise<void>;
  kill?(test: RunContext, node: NodeRef): Promise<void>;
  pause?(test: RunContext, node: NodeRef): Promise<void>;
  resume?(test: RunContext, node: NodeRef): Promise<void>;
  /** Files to copy into nodes/<node>/ at teardown. */
  logFiles?(test: RunContext, node: NodeRef): string[];
  /** Nodes that currently act as leader/primary. */
  primaries?(test: RunContext): Promise<string[]>;
  /**
   * The version of the system under test as the system itself reports it (e.g. `etcd 3.4.30`), read once
   * after setup; recorded in test.json (`systemVersion`), the report header and JUnit properties.
   * Undefined when it cannot tell; a throw is logged and recorded as unknown, never fails the run.
   */
  version?(test: RunContext): Promise<string | undefined>;
  /**
   * After the heal and the --recovery-time wait, before the final phase: waits until the system can answer
   * the final ops (e.g. every replicated log has a leader again after its servers restarted), so a user
   * need not know how long the system takes. Resolves when ready or when `signal` aborts (the runner
   * bounds the wait: RECOVERY_WAIT_MAX_MS in src/runner/run.ts); a throw is logged, never fails the run
   * (the final ops then show what was not ready). Optional: without it only --recovery-time is waited.
   */
  awaitRecovery?(test: RunContext, signal: AbortSignal): Promise<void>;
  /** A client factory per workload name this system supports. */
  clients: Record<string, ClientFactory>;
}

/** A system as --system names it; `create` builds it for one --mode. */
export interface SystemDescriptor {
  name: string;
  description: string;
  /** Allowed --mode values; the first is the default. */
  modes: string[];
  /** The `--opt` keys the system reads (validated before the run; see options.ts). */
  options?: OptionsSchema;
  create(mode: string): System;
  /**
   * Checks what only the whole test shows (a mode's node count, options that depend on each other);
   * throws a one-line UserError naming what is wrong, before anything is provisioned.
   */
  validate?(test: { mode: string; nodes: readonly string[]; options: Record<string, unknown> }): void;
}
