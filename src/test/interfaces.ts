/** The parts a test is made of: a system under test with its clients, a workload, nemeses. */
import type { Checker } from '../../checkers/checker.ts';
import type { ScheduledOp } from '../../nemeses/schedule.ts';
import type { Remote } from '../cluster/remote.ts';
import type { Generator, Invocation } from '../generator/types.ts';
import type { Logger } from '../util/log.ts';

/** What every part is handed while a test runs. */
export interface RunContext {
  name: string;
  /** Node names, n1…nN. */
  nodes: string[];
  /** One Remote per node when the system runs on a cluster; empty for in-process systems. */
  remotes: Remote[];
  concurrency: number;
  seed: number;
  /** System variant chosen with --mode (default: the honest one). */
  mode: string | undefined;
  /** Free-form options from the test file / CLI (`--opt key=value`), for systems and workloads. */
  options: Record<string, unknown>;
  runDir: string;
  log: Logger;
  /** Aborted when the run is stopping (SIGINT, fatal error). */
  signal: AbortSignal;
}

export interface NodeRef {
  name: string;
  remote?: Remote;
}

/** How an invocation ended. A client never throws for an expected failure: it returns fail or info. */
export interface Completion {
  type: 'ok' | 'fail' | 'info';
  value?: unknown;
  error?: string;
}

export interface Client {
  /** `signal` aborts when the op timed out or the run is stopping. */
  invoke(op: Invocation, signal: AbortSignal): Promise<Completion>;
  close(): Promise<void>;
}

/** Opens a client bound to one node. */
export type ClientFactory = (test: RunContext, node: NodeRef) => Promise<Client>;

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
  /** A client factory per workload name this system supports. */
  clients: Record<string, ClientFactory>;
}

export interface SystemDescriptor {
  name: string;
  description: string;
  /** Allowed --mode values; the first is the default. */
  modes: string[];
  create(mode: string): System;
}

export interface WorkloadOptions {
  concurrency: number;
  nodes: string[];
  /** Ops per second across all client threads; 0 = as fast as possible. */
  rate: number;
  options: Record<string, unknown>;
}

export interface Workload {
  name: string;
  /** Client ops during the main phase. */
  generator: Generator;
  /** Client ops after the heal and recovery wait (e.g. final reads), or none. */
  finalGenerator?: Generator;
  checkers: Checker[];
}

export interface WorkloadDescriptor {
  name: string;
  description: string;
  create(opts: WorkloadOptions): Workload;
}

export interface Nemesis {
  name: string;
  /** Op `f`s this nemesis performs. */
  fs: string[];
  setup?(test: RunContext): Promise<void>;
  invoke(test: RunContext, op: Invocation): Promise<Completion>;
  /** Heals every fault it may have left in place; must not throw. */
  teardown?(test: RunContext): Promise<void>;
}

/** A nemesis with its schedule: the main-phase generator and the final (healing) generator. */
export interface NemesisPackage {
  nemesis: Nemesis;
  generator: Generator;
  finalGenerator?: Generator;
  /** The planned fault schedule behind `generator`, when planned up front (stored for --replay). */
  schedule?: ScheduledOp[];
}
