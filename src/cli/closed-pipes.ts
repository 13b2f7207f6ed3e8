/**
 * Output to a reader that went away (`faultline run … | head -3`): once the pipe is closed, a write to
 * stdout or stderr fails with EPIPE, which Node emits as an 'error' event on the stream; with no listener
 * that is an uncaught exception, and a run would fail ("unexpected error: write EPIPE", exit 255) although
 * only its output is unread. A closed pipe is not the run's failure: the rest of that stream's output is
 * dropped, the run goes on and its exit code is the verdict's.
 */

let installed = false;

/** Ignores EPIPE (and writes after it) on stdout and stderr; other stream errors still throw. Idempotent. */
export function ignoreClosedPipes(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      throw err;
    });
  }
}
