/** A workload: the client ops a test issues and the checkers that judge the resulting history. */
import type { Checker } from './checker.ts';
import type { Generator } from './generator.ts';
import type { OptionsSchema } from './options.ts';

/** What a workload is built from (from the resolved test). */
export interface WorkloadOptions {
  concurrency: number;
  nodes: string[];
  /** Ops per second across all client threads; 0 = as fast as possible. */
  rate: number;
  options: Record<string, unknown>;
}

/** The client ops of a test and the checkers that judge their history. */
export interface Workload {
  name: string;
  /** Client ops during the main phase. */
  generator: Generator;
  /** Client ops after the heal and recovery wait (e.g. final reads), or none. */
  finalGenerator?: Generator;
  checkers: Checker[];
  /**
   * The kind of system client the workload's ops go to (a key of `System.clients`); default `name`.
   * long-fork sends rw-register txns, so it runs on any system with an `rw-register` client.
   */
  client?: string;
}

/** A workload as --workload names it (register, set, counter, bank). */
export interface WorkloadDescriptor {
  name: string;
  description: string;
  /** The `--opt` keys the workload reads (validated before the run; see options.ts). */
  options?: OptionsSchema;
  /** The kind of system client the workload uses (a key of `System.clients`); default `name`. */
  client?: string;
  create(opts: WorkloadOptions): Workload;
}
