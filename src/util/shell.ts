/** POSIX shell quoting, the one copy: for commands shown to users (re-run lines, failed execs). */

/** `arg` as one POSIX shell word: bare when it has only safe characters, else single-quoted. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one shell command line a user can paste. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
