import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { removeNodeData } from '../../cluster/daemon.ts';
import { DockerCluster, FLAVOURS, type Flavour, preflight } from '../../cluster/docker/index.ts';
import { SshCluster } from '../../cluster/ssh/index.ts';
import type { ResolvedTest, TestDefinition } from '../../config/define.ts';
import { loadTestFile, validateTest } from '../../config/load.ts';
import { FIELD_NAMES, FIELDS, flagAttribute, isBooleanFlag, oneLine } from '../../config/options.ts';
import { hostSpec, redactArgv, SECRET_ENV, type SshSecrets, sshAuth, sshSecrets } from '../../config/ssh.ts';
import { EnvironmentError, errorText, UserError } from '../../core/errors.ts';
import type { RunContext, System } from '../../core/index.ts';
import { parseSchedule, type ScheduledOp } from '../../core/nemesis.ts';
import type { Cluster } from '../../core/remote.ts';
import { chooseProgress, preloadDashboard } from '../../dashboard/select.ts';
import { faultsOf, isSystemFile, resolveTest } from '../../registry.ts';
import type { Phase, RunEvent } from '../../runner/events.ts';
import type { RunOutcome } from '../../runner/run.ts';
import { runTest } from '../../runner/run.ts';
import { FILES, readJson } from '../../store/run-dir.ts';
import { createLogger, silentLogger } from '../../util/log.ts';
import { VERSION } from '../../version.ts';
import { formatVerdict, invocationCount } from '../print.ts';
import { claimSignals } from '../signals.ts';

/**
 * The flags of `run`: one per test field (src/config/options.ts; commander names `--opt` `opt`, already
 * parsed into a record), plus the flags that are about this invocation rather than the test.
 */
export type RunFlags = Omit<TestDefinition, 'options'> & {
  opt?: Record<string, unknown>;
  testCount?: number;
  dashboard?: boolean;
  leaveRunning?: boolean;
  replay?: string;
  /** Secrets (--password, --sudo-password, --ssh-key-passphrase): never test fields, never stored. */
  password?: string;
  sudoPassword?: string;
  sshKeyPassphrase?: string;
};

/** Flags override the test file, field by field (every field of options.ts); `--opt` keys merge. */
export function mergeFlags(def: TestDefinition, f: RunFlags): TestDefinition {
  const out: Record<string, unknown> = { ...def };
  for (const k of FIELD_NAMES) {
    if (k === 'options') continue;
    let v = (f as Record<string, unknown>)[flagAttribute(k)];
    if (v === undefined) continue;
    // A boolean flag (--ssh) gives true/false; the field may hold something else ('ssh').
    const fromCli = FIELDS[k].fromCli;
    if (isBooleanFlag(k) && fromCli) v = fromCli(v as never);
    out[k] = v;
    // The hosts come from one place: a flag replaces the test file's other way of naming them.
    const other = k === 'nodes' ? 'nodesFile' : k === 'nodesFile' ? 'nodes' : undefined;
    if (other && (f as Record<string, unknown>)[flagAttribute(other)] === undefined) delete out[other];
  }
  if (f.opt && Object.keys(f.opt).length) out.options = { ...def.options, ...f.opt };
  return out as TestDefinition;
}

/**
 * The test of an earlier run, and its fault schedule, for --replay: every field of test.json that
 * options.ts declares, validated again; system/workload/nemesis objects that came from a test file are
 * loaded from that file again (a one-line error if it is gone). `schedule` is undefined when the run
 * stored none (no nemesis, or a test file's nemesis package that plans nothing up front): the replay
 * then runs the same test with the same seed, its nemesis driven by its own generator again.
 */
export async function loadReplay(
  runDir: string,
): Promise<{ def: TestDefinition; schedule?: ScheduledOp[]; testFile?: string; sshAuth?: 'password' }> {
  const testPath = join(runDir, FILES.test);
  if (!existsSync(testPath))
    throw new UserError(`--replay ${runDir}: no ${FILES.test} there; give a run folder`);
  let t: Partial<ResolvedTest>;
  try {
    t = readJson<Partial<ResolvedTest>>(testPath);
  } catch (err) {
    throw new UserError(`--replay ${runDir}: ${FILES.test} is not readable JSON: ${errorText(err)}`);
  }
  const schedulePath = join(runDir, FILES.schedule);
  const stored: Record<string, unknown> = {};
  for (const k of FIELD_NAMES) {
    const v = (t as Record<string, unknown>)[k];
    if (v !== undefined && v !== null) stored[k] = v;
  }
  // An SSH run connects to exactly its hosts again (users and ports included), not to a nodes file
  // that may have changed since.
  if (t.cluster === 'ssh' && t.sshHosts !== undefined) {
    const hosts = sshHostsSchema.safeParse(t.sshHosts);
    if (!hosts.success)
      throw new UserError(
        `--replay ${runDir}: ${FILES.test}: sshHosts is not a list of {name, host, port, username}`,
      );
    stored.nodes = hosts.data.map(hostSpec);
    delete stored.nodesFile;
  }
  // A declarative system file is recorded by its absolute path (registry.ts): it must still be there.
  if (typeof t.system === 'string' && isSystemFile(t.system) && !existsSync(t.system))
    throw new UserError(
      `--replay ${runDir}: its system came from the file ${t.system}, which is gone: put it back there`,
    );
  const fromFile = Array.isArray(t.fromTestFile) ? t.fromTestFile : [];
  if (fromFile.length) {
    if (typeof t.testFile !== 'string' || !existsSync(t.testFile))
      throw new UserError(
        `--replay ${runDir}: its ${fromFile.join(', ')} came from the test file ${t.testFile ?? '(not recorded)'}, which is gone: put it back there`,
      );
    const file = await loadTestFile(t.testFile);
    for (const k of fromFile) {
      if (typeof file[k] !== 'object' || Array.isArray(file[k]))
        throw new UserError(
          `--replay ${runDir}: the test file ${t.testFile} no longer defines ${k} as an object, as the run did`,
        );
      stored[k] = file[k];
    }
  }
  const def = validateTest(stored, `--replay ${runDir}: ${FILES.test}`);
  const testFile = typeof t.testFile === 'string' ? { testFile: t.testFile } : {};
  if (!existsSync(schedulePath)) return { def, ...testFile };
  let raw: unknown;
  try {
    raw = readJson<unknown>(schedulePath);
  } catch (err) {
    throw new UserError(`--replay ${runDir}: ${FILES.schedule} is not readable JSON: ${errorText(err)}`);
  }
  const schedule = parseSchedule(raw);
  if (!schedule)
    throw new UserError(
      `--replay ${runDir}: ${FILES.schedule} is not a list of {atS (seconds), f, value} entries`,
    );
  return {
    def,
    schedule,
    ...testFile,
    ...(t.sshAuth === 'password' ? { sshAuth: 'password' as const } : {}),
  };
}

const sshHostsSchema = z
  .array(
    z.object({
      name: z.string().min(1),
      host: z.string().min(1),
      port: z.number().int().min(1).max(65_535),
      username: z.string().min(1),
    }),
  )
  .min(1);

export async function runCommand(file: string | undefined, flags: RunFlags, argv: string[]): Promise<number> {
  if (file && flags.replay) throw new UserError('give either a test file or --replay <run-dir>, not both');
  const replay = flags.replay ? await loadReplay(flags.replay) : undefined;
  const def = mergeFlags(replay ? replay.def : file ? await loadTestFile(file) : {}, flags);
  // Where the test came from, so --replay can load its objects again.
  const testFile = file ? resolve(file) : replay?.testFile;
  // Read once, here: handed to the SSH cluster only (never to the resolved test, test.json or a log).
  const secrets = sshSecrets(flags);
  if (replay?.sshAuth === 'password' && secrets.password === undefined && flags.sshPrivateKey === undefined)
    throw new UserError(
      `--replay ${flags.replay}: that run logged in with a password, which faultline never stores: give it again (${SECRET_ENV.password}=… or --password)`,
    );
  // What test.json and the report record as the command line: secret flag values replaced.
  const shownArgv = redactArgv(argv);
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
  // ink loads only when an ink dashboard will be used, and before the run, so it is up from the first op.
  await preloadDashboard({ dashboard: flags.dashboard !== false });
  try {
    for (let i = 0; i < count && !stop.signal.aborted; i++) {
      // Each run of --test-count gets its own seed unless one was fixed.
      const r = resolveTest(
        def.seed === undefined || i === 0 ? def : { ...def, seed: (def.seed + i) >>> 0 },
        replay,
        testFile ? { testFile } : {},
      );
      if (count > 1) process.stderr.write(`run ${i + 1} of ${count}: seed ${r.test.seed}\n`);
      // Refuse what the platform cannot do before anything is provisioned.
      for (const d of r.nemesisDescriptors) {
        const why = await d.preflight?.({ options: r.test.options, log: silentLogger } as RunContext, {
          cluster: r.test.cluster === 'ssh' ? 'ssh' : 'docker',
        });
        if (why) throw new EnvironmentError(`nemesis ${d.name}: ${why}`);
      }
      ensureWritable(r.test.resultsDir);
      const cluster = !r.system.needsCluster
        ? undefined
        : r.test.cluster === 'ssh'
          ? sshClusterFor(r.system, r.test, secrets)
          : await dockerClusterFor(r.system, r.test);
      // Every host is reached and its login (sudo included) checked before the run starts: a host key,
      // login, address or sudo password that does not work is one line, exit 254, and no run folder.
      if (cluster instanceof SshCluster) {
        try {
          await cluster.preflight(stop.signal);
        } catch (err) {
          if (stop.signal.aborted) break; // interrupted while connecting: nothing was provisioned
          throw err;
        }
      }
      // The live dashboard on a terminal (q / Ctrl-C there = SIGINT); plain lines for pipes, CI, --no-dashboard.
      const progress = chooseProgress({
        test: { ...r.test, faults: faultsOf(r.nemesis) },
        dashboard: flags.dashboard !== false,
        onQuit: onInt,
      });
      const onEvent = (e: RunEvent) => {
        if (e.kind === 'phase') phase = e.phase;
        progress.onEvent(e);
      };
      try {
        if (stop.signal.aborted) {
          // A signal during the set-up above: nothing was provisioned; close the preflight's connections.
          if (cluster instanceof SshCluster) await cluster.destroy();
          break;
        }
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
            // A replay keeps the test file it came from, so a replay of the replay loads it too.
            meta: { argv: shownArgv, testFile: testFile ?? null, faultlineVersion: VERSION },
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
async function dockerClusterFor(system: System, test: ResolvedTest): Promise<Cluster> {
  const flavour: Flavour = test.flavour ?? 'debian';
  if (!FLAVOURS.includes(flavour))
    throw new UserError(`unknown --flavour ${flavour}: use one of ${FLAVOURS.join(', ')}`);
  try {
    await preflight();
  } catch (err) {
    throw new EnvironmentError(err instanceof Error ? err.message : String(err));
  }
  return new DockerCluster({
    flavour,
    ...(test.image ? { image: test.image } : {}),
    packages: system.packages ?? [],
    logger: createLogger({ consoleLevel: 'warn' }),
  });
}

/**
 * The run's SSH cluster: its hosts, login and sudo from the resolved test, the secrets from this
 * invocation only. Records the login method (never the secret) in the test, for --replay.
 */
export function sshClusterFor(system: System, test: ResolvedTest, secrets: SshSecrets): Cluster {
  const { auth, method } = sshAuth(test.sshPrivateKey, secrets);
  test.sshAuth = method;
  return new SshRunCluster({
    hosts: test.sshHosts ?? [],
    auth,
    strictHostKeyChecking: test.strictHostKeyChecking ?? true,
    ...(test.knownHosts !== undefined ? { knownHostsPath: test.knownHosts } : {}),
    sudo: test.sudo ?? false,
    ...(secrets.sudoPassword !== undefined ? { sudoPassword: secrets.sudoPassword } : {}),
    packages: system.packages ?? [],
    logger: createLogger({ consoleLevel: 'warn' }),
  });
}

/**
 * The SSH cluster of a run: at teardown (not with --leave-running, which never destroys) it also removes
 * the systems' data and logs from every host (the logs were collected before), then what the backend put
 * there itself (helpers, pid files, iptables chains).
 */
class SshRunCluster extends SshCluster {
  override async destroy(): Promise<string[]> {
    const removed = await Promise.allSettled(this.remotes.map((r) => removeNodeData(r)));
    const problems = removed.flatMap((r) => (r.status === 'rejected' ? [errorText(r.reason)] : []));
    return [...problems, ...(await super.destroy())];
  }
}

/** The results folder must take a run folder: a read-only or misplaced one is the user's to fix, up front. */
function ensureWritable(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? errorText(err);
    throw new UserError(
      `--results-dir ${oneLine(dir)}: cannot write there (${code}): give a writable folder`,
    );
  }
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
  // Last before the verdict, where a full-screen dashboard cannot hide them: what is left on the nodes.
  for (const p of o.teardownProblems ?? []) process.stdout.write(`TEARDOWN PROBLEM: ${p}\n`);
  process.stdout.write(formatVerdict(o.results ?? { valid: o.valid }, invocationCount(o.history), where));
}
