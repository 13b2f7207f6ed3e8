/** The faultline command line. Commands are thin: parse flags, call a module, map the outcome to an exit code. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  FIELD_NAMES,
  FIELDS,
  type Command as FieldCommand,
  type FieldName,
  flagAttribute,
  isBooleanFlag,
  numberText,
  oneLine,
  parseOpt,
  type TestField,
} from '../config/options.ts';
import { SECRET_ENV } from '../config/ssh.ts';
import { EnvironmentError, EXIT, errorText, UserError } from '../core/errors.ts';
import { installCrashHandler } from '../runner/crash-guard.ts';
import { VERSION } from '../version.ts';
import { ignoreClosedPipes } from './closed-pipes.ts';
import { analyzeCommand } from './commands/analyze.ts';
import { cleanCommand } from './commands/clean.ts';
import { demoCommand } from './commands/demo.ts';
import { doctorCommand } from './commands/doctor.ts';
import { imageBuildCommand } from './commands/image.ts';
import { initCommand } from './commands/init.ts';
import { reportCommand } from './commands/report.ts';
import { runCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { releaseSignals } from './signals.ts';

/** A whole-number flag that is not a test field (--test-count, --port). */
const int =
  (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  (v: string) => {
    const n = numberText(v);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a whole number in [${min}, ${max}]`);
    return n;
  };

/** Commander's parser for a test field: CLI text → value, checked by the field's schema (options.ts). */
function fieldParser(k: FieldName): (text: string, prev: unknown) => unknown {
  const f: TestField = FIELDS[k];
  if (k === 'options') {
    // Repeatable: each --opt key=value adds to the record.
    return (text, prev) => {
      try {
        const [key, v] = parseOpt(text);
        return { ...(prev as Record<string, unknown> | undefined), [key]: v };
      } catch (err) {
        throw new InvalidArgumentError(errorText(err));
      }
    };
  }
  return (text) => {
    const v = f.fromCli ? f.fromCli(text) : text;
    if (!f.schema.safeParse(v).success) throw new InvalidArgumentError(`expected ${f.expect}`);
    return v;
  };
}

/** Adds the test-field flags `command` takes (options.ts is the one list); `help` overrides a field's text. */
function addFieldOptions(cmd: Command, command: FieldCommand, help: Partial<Record<FieldName, string>> = {}) {
  for (const k of FIELD_NAMES) {
    const f: TestField = FIELDS[k];
    if (!f.commands.includes(command)) continue;
    const text = help[k] ?? `${f.help}${f.default !== undefined ? ` (default ${String(f.default)})` : ''}`;
    const o = new Option(f.flag, text);
    // A boolean flag (--ssh, --sudo) takes no text; mergeFlags turns its true/false into the field's value.
    cmd.addOption(isBooleanFlag(k) ? o : o.argParser(fieldParser(k)));
    if (f.negatable) cmd.addOption(new Option(f.flag.replace(/^--/, '--no-'), `turn ${f.flag} off`));
  }
  return cmd;
}

/** The attribute commander stores a field's flag under (`--opt` → opt); declared with the table. */
export { flagAttribute };

export function buildProgram(argv: string[]): Command {
  const program = new Command('faultline')
    .description('Jepsen-style fault-injection testing for distributed databases')
    .version(VERSION, '-V, --version')
    .option('--verbose', 'print stack traces of internal errors')
    .exitOverride()
    // One line, whatever the user typed (control characters escaped); the hint on the same line.
    .configureOutput({
      outputError: (s, write) =>
        write(`faultline: ${oneLine(s.trim().replace(/^error: /, ''), 1000)} (see --help)\n`),
    });

  const run = program
    .command('run')
    .description('provision, run a workload under faults, check the history, store the results')
    .argument('[test-file]', 'a .ts file exporting defineTest({...}); flags override its fields');
  addFieldOptions(run, 'run')
    .option('--test-count <n>', 'run the test this many times', int('--test-count', 1, 10_000))
    .option('--leave-running', 'keep the cluster after the run, for debugging')
    .option('--replay <run-dir>', "run an earlier run's test again with exactly its fault schedule")
    // Secrets are flags of this invocation, never test fields: they never reach test.json or the logs.
    .option(
      '--password <password>',
      `with --ssh: login password (better: ${SECRET_ENV.password}, which ps does not show); never stored`,
    )
    .option(
      '--sudo-password <password>',
      `with --sudo: sudo's password, fed on stdin (better: ${SECRET_ENV.sudoPassword}); never stored`,
    )
    .option(
      '--ssh-key-passphrase <passphrase>',
      `passphrase of --ssh-private-key (better: ${SECRET_ENV.passphrase}); never stored`,
    )
    .addOption(new Option('--no-dashboard', 'plain progress lines instead of the live dashboard'))
    .action(async (file: string | undefined, opts) => {
      process.exitCode = await runCommand(file, opts, argv);
    });

  const demo = program
    .command('demo')
    .description(
      'a 5-node etcd cluster in Docker, register workload, partitions and kills for 30 s, then the verdict and the report',
    );
  addFieldOptions(demo, 'demo', {
    flavour: "node image: debian (default, built on first use) or hostroot (the host's etcd)",
    nemesis: 'fault families (default partition,kill), or none',
  })
    .option('--leave-running', 'keep the cluster after the run, for debugging')
    .option('--no-dashboard', 'plain progress lines instead of the live terminal dashboard')
    .action(async (opts) => {
      process.exitCode = await demoCommand(opts);
    });

  const analyze = program
    .command('analyze')
    .description(
      're-check a stored history: a run folder, history.jsonl, Jepsen history.edn or a Porcupine log',
    )
    .argument('<path>', 'run folder or history file')
    .option('--format <fmt>', 'jsonl, jepsen-edn, porcupine-etcd, porcupine-kv (detected when unambiguous)')
    .option('--model <model>', 'check linearizability against this model (register, cas-register, kv, …)')
    .option('--json', 'print the full result as JSON')
    .option('--allow-malformed', 'check what pairs even if the history has impossible ops (still listed)')
    .option(
      '--overwrite',
      "replace the run folder's own results.json and reports (default: analysis/<time>/)",
    );
  addFieldOptions(analyze, 'analyze', {
    workload: "check with this workload's checkers",
    checkerTimeLimit: `${FIELDS.checkerTimeLimit.help} (default: the run's, else 300)`,
    options: "workload option, e.g. accounts=8, total=100 (repeatable; overrides the run folder's)",
  }).action(async (path: string, opts) => {
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
    .command('init')
    .description(
      'write a starter test project: a test file with an example system, client, workload and nemesis',
    )
    .argument('[dir]', 'a new or empty folder', '.')
    .action(async (dir: string) => {
      process.exitCode = await initCommand(dir);
    });

  program
    .command('serve')
    .description('browse the results folder: every run, its report and files, .tar.gz downloads')
    .option('--results-dir <dir>', 'results folder to serve', 'results')
    .option('--port <n>', 'port (0 = any free port)', int('--port', 0, 65_535), 8080)
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
    .option(
      '--system <list>',
      "the packages of these systems (name or name:mode, comma-separated): their runs' image",
    )
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
  // An error no `try` sees (a throw in a library's timer): one line, exit 255, never Node's exit 1.
  installCrashHandler({ verbose });
  // A reader that stops reading (`| head`) ends our output there, not the run.
  ignoreClosedPipes();
  // Only run and demo handle signals (recorded from start-up on); the rest keep Node's default.
  const command = argv.find((a) => !a.startsWith('-'));
  if (command !== 'run' && command !== 'demo') releaseSignals();
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
    // One line whatever the message holds (a newline in a node name, a file name…).
    if (err instanceof UserError) {
      process.stderr.write(`faultline: ${oneLine(err.message, 2000)}\n`);
      return EXIT.badInput;
    }
    if (err instanceof EnvironmentError) {
      process.stderr.write(`faultline: ${oneLine(err.message, 2000)}\n`);
      return EXIT.crashed;
    }
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    process.stderr.write(
      `faultline: internal error: ${oneLine(msg, 2000)}${verbose ? '' : ' (run with --verbose for details)'}\n`,
    );
    if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return EXIT.crashed;
  }
}
