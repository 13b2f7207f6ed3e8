/** The faultline command line. Commands are thin: parse flags, call a module, map the outcome to an exit code. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { VERSION } from '../version.ts';
import { analyzeCommand } from './commands/analyze.ts';
import { cleanCommand } from './commands/clean.ts';
import { demoCommand } from './commands/demo.ts';
import { doctorCommand } from './commands/doctor.ts';
import { imageBuildCommand } from './commands/image.ts';
import { reportCommand } from './commands/report.ts';
import { runCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { EnvironmentError, EXIT, UserError } from './errors.ts';

const int =
  (name: string, min = 0) =>
  (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    return n;
  };
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number ≥ 0`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number > 0`);
  return n;
};
const nodesArg = (v: string): number | string[] => {
  if (/^\d+$/.test(v) && Number(v) > 0) return Number(v);
  const names = v.split(',').map((s) => s.trim());
  if (names.some((s) => !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s))) {
    throw new InvalidArgumentError('give a node count (5) or comma-separated node names (n1,n2,n3)');
  }
  return names;
};
const concurrencyArg = (v: string): number | string => {
  if (/^\d+$/.test(v) && Number(v) > 0) return Number(v);
  if (/^\d+n$/.test(v)) return v;
  throw new InvalidArgumentError('give a thread count (10) or a multiple of the node count (2n)');
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function buildProgram(argv: string[]): Command {
  const program = new Command('faultline')
    .description('Jepsen-style fault-injection testing for distributed databases')
    .version(VERSION, '-V, --version')
    .option('--verbose', 'print stack traces of internal errors')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`faultline: ${s.replace(/^error: /, '')}`) });

  program
    .command('run')
    .description('provision, run a workload under faults, check the history, store the results')
    .argument('[test-file]', 'a .ts file exporting defineTest({...}); flags override its fields')
    .option('--name <name>', 'test name (folder under the results dir)')
    .option('--system <name>', 'system under test (memory, …)')
    .option('--mode <mode>', 'system variant, e.g. lost-writes for the memory system')
    .option('--workload <name>', 'workload (set, …)')
    .option('--nemesis <list>', 'fault families, comma-separated, or none')
    .option('--nemesis-interval <s>', 'mean seconds between faults', positive('--nemesis-interval'))
    .option('--nodes <n|names>', 'node count or comma-separated names', nodesArg)
    .option('--concurrency <n|kn>', 'client threads: a number, or 2n = twice the node count', concurrencyArg)
    .option('--time-limit <s>', 'seconds of workload under faults', positive('--time-limit'))
    .option('--rate <ops/s>', 'total ops per second across threads (0 = unlimited)', num('--rate'))
    .option('--seed <n>', 'seed for the generator and the fault schedule', int('--seed'))
    .option('--test-count <n>', 'run the test this many times', int('--test-count', 1))
    .option(
      '--recovery-time <s>',
      'seconds to wait after the heal before final reads',
      num('--recovery-time'),
    )
    .option('--op-timeout <s>', 'an op taking longer completes as info', positive('--op-timeout'))
    .option(
      '--checker-time-limit <s>',
      'checker budget in seconds; past it the verdict is unknown',
      positive('--checker-time-limit'),
    )
    .option('--checker-memory-limit <MB>', 'checker heap budget in MB', positive('--checker-memory-limit'))
    .option('--results-dir <dir>', 'where run folders go', 'results')
    .option('--opt <key=value>', 'system/workload option (repeatable)', collect)
    .option('--leave-running', 'keep the cluster after the run, for debugging')
    .option(
      '--flavour <flavour>',
      'node image: debian (default; built from Debian packages) or hostroot (fast; host /usr)',
    )
    .option('--image <ref>', 'run nodes from this image instead of building one')
    .option('--replay <run-dir>', "run an earlier run's test again with exactly its fault schedule")
    .addOption(new Option('--no-dashboard', 'plain progress lines instead of the live dashboard'))
    .action(async (file: string | undefined, opts) => {
      process.exitCode = await runCommand(file, opts, argv);
    });

  program
    .command('demo')
    .description(
      'a 5-node etcd cluster in Docker, register workload, partitions and kills for 30 s, then the verdict and the report',
    )
    .option(
      '--flavour <flavour>',
      "node image: debian (default, built on first use) or hostroot (the host's etcd)",
    )
    .option('--image <ref>', 'run nodes from this image instead of building one')
    .option('--nodes <n>', 'node count (default 5)', int('--nodes', 1))
    .option('--time-limit <s>', 'seconds of workload under faults (default 30)', positive('--time-limit'))
    .option('--seed <n>', 'seed for the generator and the fault schedule', int('--seed'))
    .option('--nemesis <list>', 'fault families (default partition,kill), or none')
    .option('--results-dir <dir>', 'where run folders go')
    .option('--leave-running', 'keep the cluster after the run, for debugging')
    .option('--no-dashboard', 'plain progress lines instead of the live terminal dashboard')
    .action(async (opts) => {
      process.exitCode = await demoCommand(opts);
    });

  program
    .command('analyze')
    .description(
      're-check a stored history: a run folder, history.jsonl, Jepsen history.edn or a Porcupine log',
    )
    .argument('<path>', 'run folder or history file')
    .option('--format <fmt>', 'jsonl, jepsen-edn, porcupine-etcd, porcupine-kv (detected when unambiguous)')
    .option('--model <model>', 'check linearizability against this model (register, cas-register, kv, …)')
    .option('--workload <name>', "check with this workload's checkers")
    .option('--checker-time-limit <s>', 'checker budget in seconds', positive('--checker-time-limit'))
    .option('--checker-memory-limit <MB>', 'checker heap budget in MB', positive('--checker-memory-limit'))
    .option('--json', 'print the full result as JSON')
    .action(async (path: string, opts) => {
      process.exitCode = await analyzeCommand(path, opts);
    });

  program
    .command('report')
    .description('rebuild report.html, junit.xml and summary.md from a run folder')
    .argument('<run-dir>', 'run folder, e.g. results/latest')
    .action(async (dir: string) => {
      process.exitCode = await reportCommand(dir);
    });

  program
    .command('serve')
    .description('browse the results folder: every run, its report and files, .tar.gz downloads')
    .option('--results-dir <dir>', 'results folder to serve', 'results')
    .option('--port <n>', 'port (0 = any free port)', int('--port'), 8080)
    .option('--host <addr>', 'address to listen on (loopback by default)', '127.0.0.1')
    .action(async (opts) => {
      process.exitCode = await serveCommand(opts);
    });

  const image = program.command('image').description('node images');
  image
    .command('build')
    .description('build the node image (also done on demand by run)')
    .option('--flavour <flavour>', 'debian (default) or hostroot')
    .option('--packages <list>', 'extra Debian packages, comma-separated')
    .option('--force', 'rebuild even when cached')
    .action(async (opts) => {
      process.exitCode = await imageBuildCommand({ ...opts, verbose: program.opts().verbose });
    });

  program
    .command('doctor')
    .description(
      'check the Docker engine, node image, iptables/tc, qdiscs, Node and disk; print the fix for each problem',
    )
    .option('--flavour <flavour>', 'debian (default) or hostroot')
    .option('--packages <list>', 'packages the image needs, comma-separated')
    .option('--json', 'print the checks as JSON')
    .action(async (opts) => {
      process.exitCode = await doctorCommand(opts);
    });

  program
    .command('clean')
    .description('remove containers and networks of runs whose process is gone (found by label)')
    .option('--run-id <id>', 'only this run')
    .option('--force', 'also runs still in progress, owned from another host, or with no recorded owner')
    .option('--images', 'also remove cached node images')
    .action(async (opts) => {
      process.exitCode = await cleanCommand(opts);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram(argv);
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return 0;
      }
      return EXIT.badInput; // commander already printed the one-line message
    }
    if (err instanceof UserError) {
      process.stderr.write(`faultline: ${err.message}\n`);
      return EXIT.badInput;
    }
    if (err instanceof EnvironmentError) {
      process.stderr.write(`faultline: ${err.message}\n`);
      return EXIT.crashed;
    }
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    process.stderr.write(
      `faultline: internal error: ${msg}${verbose ? '' : ' (run with --verbose for details)'}\n`,
    );
    if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return EXIT.crashed;
  }
}
