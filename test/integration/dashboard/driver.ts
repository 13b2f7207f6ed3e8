/**
 * Stand-in for `faultline run` while the CLI is not yet wired to chooseProgress: the same run with the
 * same stop path (q/Ctrl-C = SIGINT: first stop, second hard stop) and exit codes.
 *   node test/integration/dashboard/driver.ts --time-limit 30 --results-dir <dir> [--no-dashboard]
 */
import { parseArgs } from 'node:util';
import { chooseProgress } from '../../../src/dashboard/select.ts';
import { runTest } from '../../../src/runner/run.ts';
import { resolveTest } from '../../../src/test/resolve.ts';

const { values } = parseArgs({
  options: {
    'time-limit': { type: 'string', default: '30' },
    'results-dir': { type: 'string', default: 'results' },
    'no-dashboard': { type: 'boolean', default: false },
  },
});
const r = resolveTest({
  system: 'memory',
  workload: 'set',
  timeLimit: Number(values['time-limit']),
  resultsDir: values['results-dir'],
});
const stop = new AbortController();
const hardStop = new AbortController();
const onSignal = (sig: string) => {
  if (!stop.signal.aborted) {
    process.stderr.write(`\n${sig}: stopping — finishing ops in flight, healing and tearing down\n`);
    stop.abort();
  } else hardStop.abort();
};
process.on('SIGINT', () => onSignal('SIGINT'));
const progress = chooseProgress({
  test: r.test,
  dashboard: !values['no-dashboard'],
  onQuit: () => onSignal('SIGINT'),
});
let code = 255;
try {
  const out = await runTest(
    r.test,
    { system: r.system, workload: r.workload },
    { stop: stop.signal, hardStop: hardStop.signal, onEvent: progress.onEvent },
  );
  progress.stop();
  process.stdout.write(`${out.valid} ${out.runDir}\n`);
  code = stop.signal.aborted ? 255 : out.exitCode;
} finally {
  progress.stop();
}
process.stdout.write('', () => process.exit(code));
