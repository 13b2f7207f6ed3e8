/**
 * The SSH backend's contract: how a run names its hosts and reaches them. The Docker backend provisions
 * containers; this one takes machines that already exist (VMs, bare metal) and reaches each over one
 * multiplexed `ssh2` connection. Shapes here are shared by the connection/remote code, the CLI/config
 * and the tests; add fields, never rename or remove one.
 *
 * Jepsen's equivalents: jepsen.control's `--username`, `--password`, `--ssh-private-key`, `--ssh-port`,
 * `--strict-host-key-checking`, `--nodes`, `--nodes-file` (jepsen/cli.clj).
 */

/** One host of a run, from `--nodes` or one line of `--nodes-file` (`[user@]host[:port]`). */
export interface SshHost {
  /** The node's name in the run (history, report, grudges): the host as written, without user and port. */
  name: string;
  /** What to connect to: a DNS name or an IP address. */
  host: string;
  /** TCP port of sshd (default 22, or `--ssh-port`). */
  port: number;
  /** Login user (default root, or `--username`). */
  username: string;
}

/**
 * How to log in. Exactly what the user gave: a private key file, a password, or neither (then the SSH
 * agent at `SSH_AUTH_SOCK`). Secrets live only here: never in test.json, logs, the report or the history.
 */
export interface SshAuth {
  /** Path of a private key file (`--ssh-private-key`); read when connecting. */
  privateKeyPath?: string;
  /** Passphrase of that key, when it has one. */
  passphrase?: string;
  /** Login password (`--password`). */
  password?: string;
  /** Agent socket path; default `process.env.SSH_AUTH_SOCK` when neither key nor password is given. */
  agent?: string;
}

/** The SSH backend's settings for one run. */
export interface SshClusterOptions {
  hosts: SshHost[];
  auth: SshAuth;
  /**
   * Check each host's key against `knownHostsPath` (default on, as `ssh`'s StrictHostKeyChecking=yes). A
   * host that is missing or whose key changed is refused with a one-line error showing the SHA256
   * fingerprint it presented. Off only with `--no-strict-host-key-checking`.
   */
  strictHostKeyChecking: boolean;
  /** known_hosts file (default `~/.ssh/known_hosts`); plain and hashed (`|1|salt|hash`) entries. */
  knownHostsPath?: string;
  /** Run every command through `sudo` (a non-root login user). */
  sudo: boolean;
  /** The sudo password, fed to `sudo -S` on stdin, never on a command line. */
  sudoPassword?: string;
  /** Connect (TCP + handshake + auth) timeout per attempt, ms (default 10 000). */
  connectTimeoutMs?: number;
  /** The run's id (`Cluster.runId`); default a new one (src/cluster/docker/labels.ts newRunId). */
  runId?: string;
}
