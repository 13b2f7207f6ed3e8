/**
 * Which hosts an SSH run tests, from `--nodes` / `--nodes-file` and the login flags (`--username`,
 * `--ssh-port`, …), and the secrets it logs in with. Host entries are parsed by the SSH backend
 * (src/cluster/ssh/hosts.ts); this module decides where they come from and keeps secrets apart: the
 * run command reads them (flags or environment) and hands them to the cluster only, never to the
 * resolved test (test.json), the logs or the report.
 *
 * Jepsen's equivalent: jepsen/cli.clj's `--nodes`, `--nodes-file`, `--username`, `--ssh-port`.
 */
import { readFileSync } from 'node:fs';
import { parseNodesFile, parseNodesList } from '../cluster/ssh/hosts.ts';
import type { SshAuth, SshHost } from '../cluster/ssh/types.ts';
import { errorText, UserError } from '../core/errors.ts';
import { oneLine } from './options.ts';

/** Default login user (as Jepsen's). */
export const DEFAULT_SSH_USER = 'root';
/** Default sshd port. */
export const DEFAULT_SSH_PORT = 22;

/** The text of a host with every part explicit, `user@host:port` (`[v6]:port`): what --replay connects to. */
export const hostSpec = (h: SshHost): string =>
  `${h.username}@${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;

/** Reads a nodes file; a missing or unreadable one is a UserError with the path and the reason. */
export function readNodesFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? errorText(err);
    throw new UserError(
      `--nodes-file ${oneLine(path)}: cannot read it (${code}): give a file with one host a line`,
    );
  }
}

/**
 * The hosts of an SSH run: `--nodes` entries or the nodes file's lines (not both), with the user/port
 * defaults (`--username`, `--ssh-port`). Throws a one-line UserError: a node count (SSH needs host
 * names), no hosts, a bad entry (naming the file and line), an unreadable file.
 */
export function sshHosts(
  f: {
    nodes?: number | string[] | undefined;
    nodesFile?: string | undefined;
    username?: string | undefined;
    sshPort?: number | undefined;
  },
  readFile: (path: string) => string = readNodesFile,
): SshHost[] {
  const d = { username: f.username ?? DEFAULT_SSH_USER, port: f.sshPort ?? DEFAULT_SSH_PORT };
  if (f.nodesFile !== undefined && f.nodes !== undefined)
    throw new UserError('give either --nodes or --nodes-file, not both');
  if (f.nodesFile !== undefined)
    return parseNodesFile(readFile(f.nodesFile), `--nodes-file ${oneLine(f.nodesFile)}`, d);
  if (f.nodes === undefined)
    throw new UserError('--ssh needs its hosts: --nodes host1,host2 or --nodes-file FILE');
  if (typeof f.nodes === 'number')
    throw new UserError(
      `--nodes ${f.nodes}: SSH needs host names, not a count: --nodes host1,host2 or --nodes-file FILE`,
    );
  return parseNodesList(f.nodes, d);
}

/** Environment variables that may hold the secrets, so they need not be on a command line (`ps`). */
export const SECRET_ENV = {
  password: 'FAULTLINE_SSH_PASSWORD',
  sudoPassword: 'FAULTLINE_SUDO_PASSWORD',
  passphrase: 'FAULTLINE_SSH_KEY_PASSPHRASE',
} as const;

/** The secret flags of `run` (never test fields: they never reach test.json). */
export const SECRET_FLAGS = ['--password', '--sudo-password', '--ssh-key-passphrase'] as const;

/** The secrets a run was given: flag first, else the environment variable. */
export interface SshSecrets {
  password?: string;
  sudoPassword?: string;
  passphrase?: string;
}

/** Secrets from the flags (`password`, `sudoPassword`, `sshKeyPassphrase`) or the environment. */
export function sshSecrets(
  flags: { password?: string; sudoPassword?: string; sshKeyPassphrase?: string },
  env: NodeJS.ProcessEnv = process.env,
): SshSecrets {
  const pick = (flag: string | undefined, name: string) => {
    const v = flag ?? env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const password = pick(flags.password, SECRET_ENV.password);
  const sudoPassword = pick(flags.sudoPassword, SECRET_ENV.sudoPassword);
  const passphrase = pick(flags.sshKeyPassphrase, SECRET_ENV.passphrase);
  return {
    ...(password !== undefined ? { password } : {}),
    ...(sudoPassword !== undefined ? { sudoPassword } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
  };
}

/** How the run logs in: a key file, a password, or the SSH agent (recorded without the secret). */
export type SshAuthMethod = 'key' | 'password' | 'agent';

/** The login of a run: key (+ passphrase) if a key is given, else the password, else the agent. */
export function sshAuth(
  privateKeyPath: string | undefined,
  s: SshSecrets,
): { auth: SshAuth; method: SshAuthMethod } {
  if (privateKeyPath !== undefined)
    return {
      auth: { privateKeyPath, ...(s.passphrase !== undefined ? { passphrase: s.passphrase } : {}) },
      method: 'key',
    };
  if (s.password !== undefined) return { auth: { password: s.password }, method: 'password' };
  return { auth: {}, method: 'agent' };
}

/**
 * argv with the values of the secret flags replaced by `***` (`--password x`, `--password=x`): what is
 * stored as test.json's argv and shown anywhere.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = SECRET_FLAGS.find((f) => a.startsWith(`${f}=`));
    if (eq) out.push(`${eq}=***`);
    else if ((SECRET_FLAGS as readonly string[]).includes(a) && i + 1 < argv.length) {
      out.push(a, '***');
      i++;
    } else out.push(a);
  }
  return out;
}
