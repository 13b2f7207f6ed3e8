/**
 * `faultline demo`: the guided first run. A 5-node etcd cluster in Docker, the register workload
 * (linearizability per key), network partitions and process kills for 30 s, then the verdict and the
 * report. Nothing is needed but a Docker engine: the default `debian` flavour builds its node image
 * (debootstrap the first time, ~40 s; cached after). It is `faultline run` with fixed choices.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { errorText, UserError } from '../../core/errors.ts';
import { NEMESES } from '../../registry.ts';
import { FILES } from '../../store/run-dir.ts';
import { reportCommand } from './report.ts';
import { type RunFlags, runCommand } from './run.ts';

/** The demo's flags: the test fields options.ts gives `demo`, and the invocation's own. */
export interface DemoFlags {
  flavour?: 'debian' | 'hostroot';
  image?: string;
  nodes?: number | string[];
  /** Seconds of workload under faults (--time-limit). */
  timeLimit?: number;
  seed?: number;
  resultsDir?: string;
  /** Override the fault families (default partition,kill), or 'none'. */
  nemesis?: string;
  leaveRunning?: boolean;
  /** false with --no-dashboard: plain progress lines even on a terminal. */
  dashboard?: boolean;
}

export const DEMO_FAULTS = ['partition', 'kill'] as const;

/** The run flags the demo uses: everything `faultline run` would need spelled out. */
export function demoRunFlags(
  flags: DemoFlags,
  available: readonly string[] = Object.keys(NEMESES),
): {
  run: RunFlags;
  missing: string[];
} {
  const wanted = flags.nemesis
    ? flags.nemesis
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s && s !== 'none')
    : [...DEMO_FAULTS];
  // Asked for explicitly: a typo is an error. The defaults degrade to a fault-free run, with a note.
  const missing = wanted.filter((n) => !available.includes(n));
  if (flags.nemesis && missing.length) {
    throw new UserError(
      `unknown nemesis ${missing.join(', ')}: choose from ${available.join(', ') || '(none yet)'}`,
    );
  }
  const faults = wanted.filter((n) => available.includes(n));
  const nodes = flags.nodes ?? 5;
  const run: RunFlags = {
    name: 'demo-etcd-register',
    system: 'etcd',
    workload: 'register',
    nemesis: faults.length ? faults.join(',') : 'none',
    nodes,
    concurrency: 2 * (Array.isArray(nodes) ? nodes.length : nodes),
    timeLimit: flags.timeLimit ?? 30,
    nemesisInterval: 5,
    recoveryTime: 5,
    flavour: flags.flavour ?? 'debian',
    resultsDir: flags.resultsDir ?? 'results',
    ...(flags.image ? { image: flags.image } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.leaveRunning ? { leaveRunning: true } : {}),
    ...(flags.dashboard === false ? { dashboard: false } : {}),
  };
  return { run, missing };
}

export async function demoCommand(flags: DemoFlags): Promise<number> {
  const { run, missing } = demoRunFlags(flags);
  const say = (s: string) => process.stderr.write(`${s}\n`);
  say(
    `faultline demo: ${run.nodes} etcd nodes in Docker (${run.image ?? `${run.flavour} image`}), register workload,`,
  );
  say(
    `  faults: ${run.nemesis === 'none' ? 'none' : run.nemesis}, ${run.timeLimit} s, then linearizability is checked per key.`,
  );
  if (missing.length)
    say(`  (fault families not available in this build: ${missing.join(', ')}; running without them)`);
  if (run.flavour === 'debian' && !run.image) {
    say('  The first run builds the node image (about a minute); later runs reuse it.');
    say('  Faster on a host with etcd-server installed: faultline demo --flavour hostroot');
  }
  const argv = ['demo', ...process.argv.slice(3)];
  const code = await runCommand(undefined, run, argv);
  const latest = join(run.resultsDir ?? 'results', FILES.latest);
  // The report, unless the run already wrote one.
  if (existsSync(join(latest, FILES.history)) && !existsSync(join(latest, FILES.report))) {
    try {
      await reportCommand(latest);
    } catch (err) {
      say(`report: ${errorText(err)}`);
    }
  }
  if (code === 0 || code === 1) {
    say(
      code === 0
        ? 'etcd stayed linearizable under these faults. Try: faultline run --system etcd --workload register --opt readMode=serializable --nemesis partition'
        : 'An anomaly was found: see the counterexample above and the report.',
    );
    say(`Open ${relative(process.cwd(), join(latest, FILES.report)) || FILES.report} in a browser.`);
  }
  return code;
}
