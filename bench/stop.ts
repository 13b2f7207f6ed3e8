/**
 * Ctrl-C (or SIGTERM) for the benches that run clusters: the run in progress stops issuing ops, heals and
 * tears its containers down, and no further run starts. A second signal skips the waits.
 */
import type { RunControl } from '../src/runner/run.ts';

export function stopOnSignal(): { control: RunControl; stopped: () => boolean } {
  const stop = new AbortController();
  const hardStop = new AbortController();
  const on = (sig: string) => {
    if (!stop.signal.aborted) {
      process.stderr.write(`\n${sig}: finishing the run in progress (tearing down), starting no more\n`);
      stop.abort();
    } else hardStop.abort();
  };
  process.on('SIGINT', () => on('SIGINT'));
  process.on('SIGTERM', () => on('SIGTERM'));
  return { control: { stop: stop.signal, hardStop: hardStop.signal }, stopped: () => stop.signal.aborted };
}
