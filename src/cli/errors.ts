/**
 * A mistake of the user's (bad flag, unknown system, unreadable file): printed as one line, exit 254.
 * Anything else that escapes is a faultline failure: one line too (stack only with --verbose), exit 255.
 */
export class UserError extends Error {
  override name = 'UserError';
}

export const EXIT = { valid: 0, invalid: 1, unknown: 2, badInput: 254, crashed: 255 } as const;

/** The machine cannot run the test (no Docker engine, …): one line with the fix, exit 255. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}
