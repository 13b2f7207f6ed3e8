/**
 * SIGINT/SIGTERM from the first moment: bin/faultline.js installs these listeners before loading the rest
 * of faultline (which takes a second or more), so a Ctrl-C during start-up is recorded instead of killing
 * the process with 130. `run`/`demo` claim the signals (and learn of any that came early); every other
 * command releases them, which restores Node's default (and re-raises a signal that already came).
 * Imports nothing: it must load fast.
 */

/** The signals faultline stops on. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

type Handler = (sig: StopSignal) => void;

const early: StopSignal[] = [];
let handler: Handler | undefined;
let installed = false;

const onInt = () => deliver('SIGINT');
const onTerm = () => deliver('SIGTERM');

function deliver(sig: StopSignal): void {
  if (handler) handler(sig);
  else early.push(sig);
}

/** Starts recording SIGINT/SIGTERM (idempotent). */
export function installEarlySignals(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
}

/**
 * Sends every later signal to `h`; returns the signals that arrived before (in order) and a release
 * function. When the early listeners were never installed (faultline used as a library), installs them.
 */
export function claimSignals(h: Handler): { early: StopSignal[]; release: () => void } {
  installEarlySignals();
  handler = h;
  const before = early.splice(0);
  return {
    early: before,
    release: () => {
      if (handler === h) handler = undefined;
    },
  };
}

/** For commands that do not handle signals: Node's default from now on; a signal that came early is re-raised. */
export function releaseSignals(): void {
  if (!installed) return;
  installed = false;
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  const first = early.shift();
  early.length = 0;
  // With no listener left, the default action ends the process (130 for SIGINT), as before.
  if (first && process.listenerCount(first) === 0) process.kill(process.pid, first);
}
