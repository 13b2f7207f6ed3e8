/**
 * Building the one command line an SSH `exec` request carries. sshd hands that line to the login user's
 * shell (`$SHELL -c LINE`), so every argv element is POSIX single-quoted: the shell then gives the
 * program exactly the argv we were given, whatever it holds (spaces, quotes, `$(…)`, backticks, newlines).
 * Nothing from input is ever placed in the line unquoted. Needs a POSIX login shell (sh, dash, bash, zsh).
 *
 * Pure logic, no I/O.
 */
import { UserError } from '../../core/errors.ts';

/**
 * `arg` as one POSIX shell word: always single-quoted (`'` inside becomes `'\''`), so no character is
 * special. Throws on a NUL byte, which no argv element can hold.
 */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new UserError(`an argument contains a NUL byte: ${JSON.stringify(arg)}`);
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** An argv as a shell command line: each element quoted, joined by spaces. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

/** How the remote command is wrapped (see `remoteArgv`). */
export interface WrapOptions {
  /** Extra environment (names must be shell identifiers), set with `env NAME=value …`. */
  env?: Record<string, string>;
  /** Working directory, entered before the program starts (exit 126 when it cannot be entered). */
  cwd?: string;
  /** Run as this user: a name (`runuser -u`) or `uid[:gid]` (`setpriv`). Omitted: the login user (or root with sudo). */
  user?: string;
  /** Kill the command (and its process group) with SIGKILL after this long, on the host (`timeout`). */
  timeoutMs?: number;
  /**
   * Become root first: 'password' = `sudo -k -S -p '' --` (the password is the first stdin line; -k so a
   * cached sudo ticket never leaves that line for the command to read), 'nopasswd' = `sudo -n --`.
   */
  sudo?: 'password' | 'nopasswd';
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const UID_GID = /^(\d+)(?::(\d+))?$/;

/**
 * The argv actually run on the host for `argv` with `opts`, outermost wrapper first:
 * sudo → timeout → user switch → cwd → env → the program. `timeout` sits inside sudo (as root) so its
 * SIGKILL reaches every process of the command's group, including ones that changed user.
 * Throws UserError on an empty argv or a bad environment name.
 */
export function remoteArgv(argv: readonly string[], opts: WrapOptions = {}): string[] {
  if (argv.length === 0) throw new UserError('exec needs a command (argv is empty)');
  let out = [...argv];
  const env = Object.entries(opts.env ?? {});
  if (env.length > 0) {
    const bad = env.find(([k]) => !ENV_NAME.test(k));
    if (bad) throw new UserError(`environment variable name ${JSON.stringify(bad[0])} is not valid`);
    // `--` ends env's options, then the NAME=value pairs, then the program. A program whose name holds
    // '=' would be taken for one more pair: it is started through `sh -c 'exec "$@"'` instead.
    const guard = out[0]!.includes('=') ? ['sh', '-c', 'exec "$@"', 'sh'] : [];
    out = ['env', '--', ...env.map(([k, v]) => `${k}=${v}`), ...guard, ...out];
  }
  if (opts.cwd !== undefined) {
    // The directory is an argument of sh, never part of its script.
    out = ['sh', '-c', 'cd -- "$1" || exit 126; shift; exec "$@"', 'sh', opts.cwd, ...out];
  }
  if (opts.user !== undefined && opts.user !== '') {
    const m = UID_GID.exec(opts.user);
    out = m
      ? ['setpriv', `--reuid=${m[1]}`, `--regid=${m[2] ?? m[1]}`, '--clear-groups', '--', ...out]
      : ['runuser', '-u', opts.user, '--', ...out];
  }
  if (opts.timeoutMs !== undefined) {
    const s = Math.max(opts.timeoutMs, 1) / 1000;
    out = ['timeout', '-s', 'KILL', `${s}s`, ...out];
  }
  if (opts.sudo === 'password') out = ['sudo', '-k', '-S', '-p', '', '--', ...out];
  else if (opts.sudo === 'nopasswd') out = ['sudo', '-n', '--', ...out];
  return out;
}

/** The command line sent in the SSH exec request: `exec` (no shell left waiting) and the quoted argv. */
export function remoteCommand(argv: readonly string[], opts: WrapOptions = {}): string {
  return `exec ${quoteArgv(remoteArgv(argv, opts))}`;
}
