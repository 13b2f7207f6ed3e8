/** What every part of a test is handed while it runs. */
import type { Remote } from './remote.ts';

/** Where a run's log lines go (implemented by src/util/log.ts: faultline.log plus stderr). */
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

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
