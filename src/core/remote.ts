/** Where nodes come from. Docker and SSH both implement these; everything else uses only them. */

/** Options of one command run on a node. */
export interface ExecOptions {
  /** Bytes or text fed to the command's standard input. */
  stdin?: string | Uint8Array;
  /** Kill the command after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** Run as this user (name or uid[:gid]); default root. */
  user?: string;
  /** Extra environment, NAME=value. */
  env?: Record<string, string>;
  /** Working directory. */
  cwd?: string;
}

/** What a command run on a node returned. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** One node, as every part of faultline reaches it (Docker exec today). */
export interface Remote {
  /** Node name, also its hostname on the cluster network (n1…nN). */
  readonly name: string;
  /** Address reachable from the machine running faultline and from the other nodes. */
  readonly ip: string;
  /** Runs argv directly (never through a shell). A non-zero exit is returned, not thrown. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but throws a one-line error naming the node and command when the exit code is not 0. */
  run(argv: readonly string[], opts?: ExecOptions): Promise<string>;
  /** Runs argv inside the node's network namespace with the host's tools (iptables, tc) when possible. */
  netExec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Writes a file (mode default 0644) on the node, creating parent folders. */
  upload(remotePath: string, data: Uint8Array | string, mode?: number): Promise<void>;
  /** Reads a file from the node. */
  download(remotePath: string): Promise<Uint8Array>;
  /**
   * The faultline machine's address as the node sees it, when faultline controls the node over the
   * network (SSH): the nemeses' packet faults leave traffic to and from it alone. Absent or undefined
   * when control does not go over the node's network (Docker exec).
   */
  controlIp?(): Promise<string | undefined>;
}

/** The nodes a cluster should provision. */
export interface NodeSpec {
  /** Number of nodes (n1…nN unless `names` is given). */
  count: number;
  /** The nodes' names (hostnames on the cluster network), `count` of them; default n1…nN. */
  names?: readonly string[];
  /** Image to run (docker). */
  image?: string;
  /** Extra bind mounts host:container[:ro]. */
  mounts?: string[];
  /** Labels added to every resource. */
  labels?: Record<string, string>;
}

/** A backend that provisions nodes and removes them again (every resource labelled with the run id). */
export interface Cluster {
  /** The run id every created resource is labelled with (faultline.run=<id>). */
  readonly runId: string;
  provision(spec: NodeSpec, signal?: AbortSignal): Promise<Remote[]>;
  /** Copies each node's files (paths per node) into dir/<node>/…; best effort, never throws. */
  collect(files: Record<string, string[]>, dir: string): Promise<string[]>;
  /** Removes everything provisioned. Idempotent; never throws (reports problems in the returned list). */
  destroy(): Promise<string[]>;
  /**
   * Reports what happens to the cluster that faultline did not do (a node's container died or was
   * removed by someone else; the backend itself went away) until the returned function is called.
   */
  watch?(onEvent: (e: ClusterEvent) => void): () => void;
}

/** Something that happened to a cluster without faultline doing it (see Cluster.watch). */
export type ClusterEvent =
  /** The node's machine/container died or disappeared (not by faultline's nemesis). */
  | { kind: 'node-lost'; node: string; detail: string }
  /** The backend (the Docker engine) no longer answers: nothing on the cluster can be reached. */
  | { kind: 'engine-lost'; detail: string };
