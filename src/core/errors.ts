/**
 * A mistake of the user's (bad flag, unknown system, unreadable file): printed as one line, exit 254.
 * Anything else that escapes is a faultline failure: one line too (stack only with --verbose), exit 255.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/** faultline's exit codes (as Jepsen's): the ONE mapping every command uses. */
export const EXIT = { valid: 0, invalid: 1, unknown: 2, badInput: 254, crashed: 255 } as const;

/** A process exit code faultline may return (see EXIT). */
export type ExitCode = 0 | 1 | 2 | 254 | 255;

/** The exit code for a checker verdict: valid 0, invalid 1, unknown 2. */
export const exitCodeFor = (v: true | false | 'unknown'): ExitCode =>
  v === true ? EXIT.valid : v === false ? EXIT.invalid : EXIT.unknown;

/** The machine cannot run the test (no Docker engine, …): one line with the fix, exit 255. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/** The first line of an error's message (or the thrown value as text): for one-line reports and logs. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}

/**
 * `s` with every control character, DEL, NEL and line/paragraph separator written as a `\uXXXX` escape,
 * so that text quoted from input keeps a message on one line. Other characters are kept as they are.
 */
export function escapeLine(s: string): string {
  let out = '';
  for (const c of s) {
    const n = c.charCodeAt(0);
    out +=
      n < 0x20 || n === 0x7f || n === 0x85 || n === 0x2028 || n === 0x2029
        ? `\\u${n.toString(16).padStart(4, '0')}`
        : c;
  }
  return out;
}
