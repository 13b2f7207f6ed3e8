import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DockerCluster, FLAVOURS, type Flavour, preflight } from '../../cluster/docker/index.ts';
import type { ResolvedTest, TestDefinition } from '../../config/define.ts';
import { loadTestFile } from '../../config/load.ts';
import { EnvironmentError, UserError } from '../../core/errors.ts';
import type { RunContext, System } from '../../core/index.ts';
import type { ScheduledOp } from '../../core/nemesis.ts';
import type { Cluster } from '../../core/remote.ts';
import { chooseProgress, preloadDashboard } from '../../dashboard/select.ts';
import { resolveTest } from '../../registry.ts';
import type { Phase, RunEvent } from '../../runner/events.ts';
import type { RunOutcome } from '../../runner/run.ts';
import { runTest } from '../../runner/run.ts';
import { FILES, readJson } from '../../store/run-dir.ts';
import { createLogger, silentLogger } from '../../util/log.ts';
import { VERSION } from '../../version.ts';
import { formatVerdict, invocationCount } from '../print.ts';
import { claimSignals } from '../signals.ts';

export interface RunFlags {
  name?: string;
  system?: string;
  mode?: string;
  workload?: string;
  nemesis?: string;
  nodes?: number | string[];
  concurrency?: number | string;
  timeLimit?: number;
  rate?: number;
  seed?: number;
  testCount?: number;
  resultsDir?: string;
  recoveryTime?: number;
  opTimeout?: number;
  nemesisInterval?: number;
  checkerTimeLimit?: number;
  checkerMemoryLimit?: number;
  opt?: string[];
  dashboard?: boolean;
  leaveRunning?: boolean;
  replay?: string;
  flavour?: string;
  image?: string;
}

/** `--opt k=v`: the value is JSON when it parses as JSON (numbers, booleans), else a string. */
export function parseOpts(opts: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of opts ?? []) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new UserError(`--opt ${o}: expected key=value`);
    const raw = o.slice(eq + 1);
    let v: unknown = raw;
    try {
      v = JSON.parse(raw);
    } catch {
      // a plain string
    }
    out[o.slice(0, eq)] = v;
  }
  return out;
}

/** Flags override the test file, field by field. */
export function mergeFlags(def: TestDefinition, f: RunFlags): TestDefinition {
  const out: TestDefinition = { ...def };
  const set = <K extends keyof TestDefinition>(k: K, v: TestDefinition[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('name', f.name);
  set('system', f.system);
  set('mode', f.mode);
  set('workload', f.workload);
  set('nemesis', f.nemesis);
  set('nodes', f.nodes);
  set('concurrency', f.concurrency);
  set('timeLimit', f.timeLimit);
  set('rate', f.rate);
  set('seed', f.seed);
  set('resultsDir', f.resultsDir);
  set('recoveryTime', f.recoveryTime);
  set('opTimeout', f.opTimeout);
  set('nemesisInterval', f.nemesisInterval);
  set('checkerTimeLimit', f.checkerTimeLimit);
  set('checkerMemoryLimit', f.checkerMemoryLimit);
  if (f.opt?.length) out.options = { ...def.options, ...parseOpts(f.opt) };
  return out;
}

/** The test of an earlier run, and its fault schedule, for --replay. */
export function loadReplay(runDir: string): { def: TestDefinition; schedule: ScheduledOp[] } {
  const testPath = join(runDir, FILES.test);
  if (!existsSync(testPath))
    throw new UserError(`--replay ${runDir}: no ${FILES.test} there; give a run folder`);
  const t = readJson<ResolvedTest>(testPath);
  const schedulePath = join(runDir, FILES.schedule);
  if (!existsSync(schedulePath))
    throw new UserError(`--replay ${runDir}: that run had no fault schedule (${FILES.schedule})`);
  const def: TestDefinition = {
    name: t.name,
    system: t.system,
    mode: t.mode,
    workload: t.workload,
    nemesis: t.nemesis,
    nodes: t.nodes,
    concurrency: t.concurrency,
    timeLimit: t.timeLimit,
    rate: t.rate,
    seed: t.seed,
    recoveryTime: t.recoveryTime,
    opTimeout: t.opTimeout,
    nemesisInterval: t.nemesisInterval,
    checkerTimeLimit: t.checkerTimeLimit,
    options: t.options,
  };
  return { def, schedule: readJson<ScheduledOp[]>(schedulePath) };
}

export async function runCommand(file: string | undefined, flags: RunFlags, argv: string[]): Promise<number> {
  if (file && flags.replay) throw new UserError('give either a test file or --replay <run-dir>, not both');
  const replay = flags.replay ? loadReplay(flags.replay) : undefined;
  const def = mergeFlags(replay ? replay.def : file ? await loadTestFile(file) : {}, flags);
  const count = flags.testCount ?? 1;
  const stop = new AbortController();
  const hardStop = new AbortController();
  let phase: Phase | undefined;
  const onSignal = (sig: string) => {
    if (!stop.signal.aborted) {
      process.stderr.write(`\n${firstSignalMessage(sig, phase)}\n`);
      stop.abort();
    } else if (!hardStop.signal.aborted) {
      process.stderr.write(
        `\n${sig} again: skipping the waits${phase === 'checking' ? ' and cancelling the check' : ''}; still tearing down\n`,
      );
      hardStop.abort();
    }
  };
  // Signals that came while faultline was loading (bin/faultline.js records them) count too.
  const claimed = claimSignals(onSignal);
  for (const sig of claimed.early) onSignal(sig);
  const onInt = () => onSignal('SIGINT');
  const outcomes: RunOutcome[] = [];
  // ink loads only when the dashboard will be used, and before the run, so it is up from the first op.
  await preloadDashboard({ dashboard: flags.dashboard !== false });
  try {
    for (let i = 0; i < count && !stop.signal.aborted; i++) {
      // Each run of --test-count gets its own seed unless one was fixed.
      const r = resolveTest(
        def.seed === undefined || i === 0 ? def : { ...def, seed: (def.seed + i) >>> 0 },
        replay,
      );
      if (count > 1) process.stderr.write(`run ${i + 1} of ${count}: seed ${r.test.seed}\n`);
      // Refuse what the platform cannot do before anything is provisioned.
      for (const d of r.nemesisDescriptors) {
        const why = await d.preflight?.({ options: r.test.options, log: silentLogger } as RunContext);
        if (why) throw new EnvironmentError(`nemesis ${d.name}: ${why}`);
      }
      const cluster = r.system.needsCluster ? await dockerClusterFor(r.system, flags) : undefined;
      // The live dashboard on a terminal (q / Ctrl-C there = SIGINT); plain lines for pipes, CI, --no-dashboard.
      const progress = chooseProgress({ test: r.test, dashboard: flags.dashboard !== false, onQuit: onInt });
      const onEvent = (e: RunEvent) => {
        if (e.kind === 'phase') phase = e.phase;
        progress.onEvent(e);
      };
      try {
        if (stop.signal.aborted) break; // a signal during the set-up above: nothing was provisioned
        const outcome = await runTest(
          r.test,
          {
            system: r.system,
            workload: r.workload,
            ...(r.nemesis ? { nemesis: r.nemesis } : {}),
            ...(cluster ? { cluster } : {}),
          },
          {
            stop: stop.signal,
            hardStop: hardStop.signal,
            onEvent,
            meta: { argv, testFile: file ?? null, faultlineVersion: VERSION },
            ...(flags.leaveRunning ? { leaveRunning: true } : {}),
          },
        );
        outcomes.push(outcome);
        phase = undefined;
        progress.stop(); // the dashboard's last frame stays; the outcome prints below it
        printOutcome(outcome, argv.includes('--verbose'));
      } finally {
        progress.stop();
      }
    }
  } finally {
    claimed.release();
  }
  if (outcomes.length === 0 && stop.signal.aborted) {
    process.stderr.write('faultline: interrupted before the run started: nothing was provisioned\n');
    return 255;
  }
  if (count > 1) {
    const tally = (v: RunOutcome['valid']) => outcomes.filter((o) => o.valid === v).length;
    process.stdout.write(
      `${outcomes.length} runs: ${tally(true)} valid, ${tally(false)} invalid, ${tally('unknown')} unknown\n`,
    );
  }
  // The worst outcome decides: a crash or interrupt, then an anomaly, then unknown. A signal that came
  // after the last run had ended (its verdict stored and printed) changes nothing; one that cut
  // --test-count short does.
  const codes = outcomes.map((o) => o.exitCode);
  if (codes.includes(255) || (stop.signal.aborted && outcomes.length < count)) return 255;
  if (codes.includes(1)) return 1;
  if (codes.includes(2)) return 2;
  return 0;
}

/** Checks the engine up front (one line with the fix when it is not usable), then makes the run's cluster. */
async function dockerClusterFor(system: System, flags: RunFlags): Promise<Cluster> {
  const flavour = (flags.flavour ?? 'debian') as Flavour;
  if (!FLAVOURS.includes(flavour))
    throw new UserError(`unknown --flavour ${flags.flavour}: use one of ${FLAVOURS.join(', ')}`);
  try {
    await preflight();
  } catch (err) {
    throw new EnvironmentError(err instanceof Error ? err.message : String(err));
  }
  return new DockerCluster({
    flavour,
    ...(flags.image ? { image: flags.image } : {}),
    packages: system.packages ?? [],
    logger: createLogger({ consoleLevel: 'warn' }),
  });
}

/** What the first signal does, by phase (a second one skips the waits and cancels the check). */
export function firstSignalMessage(sig: string, phase: Phase | undefined): string {
  switch (phase) {
    case undefined:
    case 'setup':
      return `${sig}: stopping before the run starts — removing what was provisioned (${sig} again to skip the waits)`;
    case 'running':
    case 'final':
      return `${sig}: stopping — finishing ops in flight, healing and tearing down (${sig} again to skip the wait)`;
    case 'healing':
    case 'recovering':
      return `${sig}: stopping — finishing the heal, skipping the final reads, tearing down (${sig} again to skip the waits)`;
    case 'teardown':
      return `${sig}: the run is marked interrupted; tearing down first (${sig} again to skip the waits)`;
    case 'checking':
      return `${sig}: the run is marked interrupted; the check goes on (${sig} again to cancel it: verdict unknown)`;
    case 'done':
      return `${sig}: the run has ended; its results are stored`;
  }
}

function printOutcome(o: RunOutcome, verbose: boolean): void {
  const where = relative(process.cwd(), o.runDir) || o.runDir;
  if (o.interruptedPhase && o.error?.startsWith('run interrupted'))
    process.stdout.write(`RUN INTERRUPTED during ${o.interruptedPhase} (exit 255)\n`);
  else if (o.error) process.stdout.write(`RUN FAILED: ${o.error}\n`);
  if (verbose && o.errorStack) process.stderr.write(`${o.errorStack}\n`);
  process.stdout.write(formatVerdict(o.results ?? { valid: o.valid }, invocationCount(o.history), where));
}
