/**
 * Unexpected errors that escape every `try` (a throw in a client library's timer or event handler, an
 * unhandled promise rejection) would otherwise kill the process with Node's stack trace and exit code 1
 * — the code for "anomaly found". One process-wide listener sends them to the innermost active guard
 * (a run in progress, which fails the run, tears down and keeps the history); with no guard active it
 * prints one line (the stack only under --verbose) and exits 255.
 */

/** Receives an error nobody caught. */
export type CrashHandler = (err: unknown) => void;

const guards: CrashHandler[] = [];
let installed = false;
let verboseOutput = false;

const dispatch = (err: unknown): void => {
  const top = guards.at(-1);
  if (top) {
    top(err);
    return;
  }
  process.stderr.write(`faultline: internal error: ${firstLine(err)}${verboseOutput ? '' : VERBOSE_HINT}\n`);
  if (verboseOutput && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(255);
};

const VERBOSE_HINT = ' (run with --verbose for details)';

function firstLine(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err).split('\n')[0] ?? '';
}

/**
 * Installs the process-wide listeners (idempotent). `verbose` prints stacks of errors no run caught.
 * Without this (a library user calling runTest), `guardCrashes` still installs them.
 */
export function installCrashHandler(opts: { verbose?: boolean } = {}): void {
  verboseOutput = opts.verbose === true;
  if (installed) return;
  installed = true;
  process.on('uncaughtException', dispatch);
  process.on('unhandledRejection', dispatch);
}

/** Routes uncaught errors to `handler` until the returned function is called (guards nest). */
export function guardCrashes(handler: CrashHandler): () => void {
  installCrashHandler({ verbose: verboseOutput });
  guards.push(handler);
  return () => {
    const i = guards.lastIndexOf(handler);
    if (i >= 0) guards.splice(i, 1);
  };
}
