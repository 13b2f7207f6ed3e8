/**
 * The ONE declaration of a test's options. Each field names its CLI flag, its help text (with its unit
 * and range), its zod schema (what a test file and test.json may hold), how CLI text becomes a value, its
 * default and the commands that take it. From this table come: the defineTest schema (define.ts), the
 * commander options of `run`, `demo` and `analyze` (cli/main.ts), the merge of flags over a test file,
 * the defaults of the resolved test (registry.ts), and the reading of test.json for `--replay`.
 *
 * Ranges are bounded so that nothing a user types can make planning or timers blow up: times fit
 * Node's timers (< 2^31 ms), node counts a Docker host, the seed the 32-bit generator seed.
 */
import { Option } from 'commander';
import { z } from 'zod';
import { escapeLine } from '../core/errors.ts';
import type { NemesisPackage, SystemDescriptor, WorkloadDescriptor } from '../core/index.ts';

/** The commands whose flags come from this table. */
export type Command = 'run' | 'demo' | 'analyze';

/** One option of a test. */
export interface TestField<S extends z.ZodType = z.ZodType> {
  /** The flag as commander takes it, with its argument: `--time-limit <s>`. */
  flag: string;
  /** Help text; names the unit, the range and (via `default`) the default. */
  help: string;
  /** What a valid value is, in words, for one-line errors ("seconds, > 0 and ≤ 1000000"). */
  expect: string;
  /** A valid value, as a test file or test.json holds it. */
  schema: S;
  /** CLI text → value before `schema` checks it (numbers are parsed strictly); default: the text. */
  fromCli?: (text: string) => unknown;
  /** The value when neither the flag nor the test file gives one (shown in help). */
  default?: unknown;
  /** Commands that take the flag. */
  commands: readonly Command[];
  /** A boolean flag that also has its `--no-…` form (the default is on). */
  negatable?: boolean;
}

/** The Docker image flavours (src/cluster/docker/image.ts FLAVOURS; a unit test keeps them equal). */
export const FLAVOUR_NAMES = ['debian', 'hostroot'] as const;

/** Longest time value accepted, in seconds: ~11.6 days, below Node's timer limit of 2^31 ms. */
export const MAX_SECONDS = 1_000_000;
/** Most nodes a test may have. */
export const MAX_NODES = 256;
/** Most client threads. */
export const MAX_CONCURRENCY = 10_000;
/** Largest seed: the generator's seed is 32 bits, so a larger one is refused rather than truncated. */
export const MAX_SEED = 0xffffffff;

/** A node name: a DNS label (letters, digits, `-`, `_`, `.`), not all digits (that would be a count). */
export const NODE_NAME = /^(?!\d+$)[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/**
 * A host spec as `--nodes` may list it for an SSH run: `[user@]host[:port]`, `[v6addr]:port`
 * (src/cluster/ssh/hosts.ts parses it; a Docker run refuses anything but a NODE_NAME).
 */
export const HOST_SPEC_TEXT = /^(?=.*[@:[])[^\s,\p{Cc}]{1,300}$/u;
/** The backends a cluster can come from. */
export const CLUSTER_KINDS = ['docker', 'ssh'] as const;

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Strict number parsing for CLI text: '', ' ', '0x10', 'Infinity' are not numbers (Number() says they are). */
export const numberText = (s: string): unknown => (NUMBER_TEXT.test(s.trim()) ? Number(s) : s);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const seconds = (min: number, minInclusive: boolean, max = MAX_SECONDS) => {
  const lo = minInclusive ? z.number().min(min) : z.number().gt(min);
  return {
    schema: lo.max(max),
    expect: `seconds, a number ${minInclusive ? '≥' : '>'} ${min} and ≤ ${max}`,
    fromCli: numberText,
  };
};

const field = <S extends z.ZodType>(f: TestField<S>): TestField<S> => f;

/** Every option of a test, by its field name in defineTest({...}) and test.json. */
export const FIELDS = {
  name: field({
    flag: '--name <name>',
    help: 'test name (its folder under the results dir)',
    expect: 'letters, digits, . _ - and / (no .. part)',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/)
      .refine((s) => !s.split('/').includes('..')),
    commands: ['run'],
  }),
  system: field({
    flag: '--system <name>',
    help: 'system under test (memory, etcd, redis, reference/…), or a system file path/to/system.json (or .yaml)',
    expect:
      'a system name, a system file (path/to/system.json), or a system descriptor object in a test file',
    schema: z.union([
      z.string().min(1),
      z.custom<SystemDescriptor>((v) => isObj(v) && typeof v.create === 'function' && 'name' in v),
    ]),
    default: 'memory',
    commands: ['run'],
  }),
  mode: field({
    flag: '--mode <mode>',
    help: 'system variant, e.g. lost-writes for the memory system (default: the first the system lists)',
    expect: 'a mode of the system',
    schema: z.string().min(1),
    commands: ['run'],
  }),
  workload: field({
    flag: '--workload <name>',
    help: 'workload (register, set, counter, bank, list-append, rw-register)',
    expect: 'a workload name, or a workload descriptor object in a test file',
    schema: z.union([
      z.string().min(1),
      z.custom<WorkloadDescriptor>((v) => isObj(v) && typeof v.create === 'function' && 'name' in v),
    ]),
    default: 'set',
    commands: ['run', 'analyze'],
  }),
  nemesis: field({
    flag: '--nemesis <list>',
    help: 'fault families, comma-separated (partition, packet, clock, kill, pause, crash), or none',
    expect: 'fault family names, comma-separated, or none',
    schema: z.union([
      z.string(),
      z.array(z.string().min(1)),
      z.custom<NemesisPackage>((v) => isObj(v) && isObj(v.nemesis) && 'generator' in v),
    ]),
    commands: ['run', 'demo'],
  }),
  nemesisInterval: field({
    flag: '--nemesis-interval <s>',
    help: `mean seconds between faults, in [0.01, ${MAX_SECONDS}]`,
    ...seconds(0.01, true),
    default: 5,
    commands: ['run'],
  }),
  nodes: field({
    flag: '--nodes <n|names>',
    help: `node count (1…${MAX_NODES}) or comma-separated names (n1,n2,n3); with --ssh host names, each optionally [user@]host[:port]`,
    expect: `a node count 1…${MAX_NODES}, or distinct comma-separated node names (letters, digits, . _ -; with --ssh [user@]host[:port])`,
    schema: z.union([
      z.number().int().min(1).max(MAX_NODES),
      z
        .array(z.union([z.string().regex(NODE_NAME), z.string().regex(HOST_SPEC_TEXT)]))
        .min(1)
        .max(MAX_NODES)
        .refine((a) => new Set(a).size === a.length),
    ]),
    fromCli: (s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : s.split(',').map((x) => x.trim())),
    default: 5,
    commands: ['run', 'demo'],
  }),
  concurrency: field({
    flag: '--concurrency <n|kn>',
    help: `client threads: a number (1…${MAX_CONCURRENCY}), or 2n = twice the node count`,
    expect: `a thread count 1…${MAX_CONCURRENCY}, or a multiple of the node count like 2n`,
    schema: z.union([z.number().int().min(1).max(MAX_CONCURRENCY), z.string().regex(/^[1-9]\d{0,3}n$/)]),
    fromCli: (s) => (/^\d+$/.test(s) ? Number(s) : s),
    default: '2n',
    commands: ['run'],
  }),
  timeLimit: field({
    flag: '--time-limit <s>',
    help: `seconds of workload under faults, in (0, ${MAX_SECONDS}]`,
    ...seconds(0, false),
    default: 30,
    commands: ['run', 'demo'],
  }),
  rate: field({
    flag: '--rate <ops/s>',
    help: 'total ops per second across threads, in [0, 1000000] (0 = unlimited)',
    expect: 'ops per second, a number ≥ 0 and ≤ 1000000',
    schema: z.number().min(0).max(1_000_000),
    fromCli: numberText,
    default: 100,
    commands: ['run'],
  }),
  seed: field({
    flag: '--seed <n>',
    help: `seed for the generator and the fault schedule, a whole number in [0, ${MAX_SEED}] (default: random)`,
    expect: `a whole number ≥ 0 and ≤ ${MAX_SEED}`,
    schema: z.number().int().min(0).max(MAX_SEED),
    fromCli: numberText,
    commands: ['run', 'demo'],
  }),
  recoveryTime: field({
    flag: '--recovery-time <s>',
    help: 'seconds to wait after the heal before final reads, in [0, 86400]',
    ...seconds(0, true, 86_400),
    default: 2,
    commands: ['run'],
  }),
  opTimeout: field({
    flag: '--op-timeout <s>',
    help: 'seconds after which an op completes as info, in (0, 86400]',
    ...seconds(0, false, 86_400),
    default: 5,
    commands: ['run'],
  }),
  nemesisTimeout: field({
    flag: '--nemesis-timeout <s>',
    help: 'seconds after which a fault op completes as info (and fails the run), in (0, 86400]',
    ...seconds(0, false, 86_400),
    // Not derived from --op-timeout: a fault may wait up to 20 s for a leader after a kill, and a heal
    // re-probes cut pairs for up to 30 s on a loaded machine before it calls the heal failed.
    default: 120,
    commands: ['run'],
  }),
  checkerTimeLimit: field({
    flag: '--checker-time-limit <s>',
    help: `checker budget in seconds, in (0, ${MAX_SECONDS}]; past it the verdict is unknown`,
    ...seconds(0, false),
    default: 300,
    commands: ['run', 'analyze'],
  }),
  checkerMemoryLimit: field({
    flag: '--checker-memory-limit <MB>',
    help: 'checker heap budget in MB, in (0, 1048576] (default: none)',
    expect: 'megabytes, a number > 0 and ≤ 1048576',
    schema: z.number().gt(0).max(1_048_576),
    fromCli: numberText,
    commands: ['run', 'analyze'],
  }),
  resultsDir: field({
    flag: '--results-dir <dir>',
    help: 'where run folders go',
    expect: 'a folder path',
    schema: z
      .string()
      .min(1)
      .regex(/^[^\n\r\0]*$/),
    default: 'results',
    commands: ['run', 'demo'],
  }),
  flavour: field({
    flag: '--flavour <flavour>',
    help: "node image: debian (built from Debian packages) or hostroot (fast; the host's /usr)",
    expect: `one of ${FLAVOUR_NAMES.join(', ')}`,
    schema: z.enum(FLAVOUR_NAMES),
    default: 'debian',
    commands: ['run', 'demo'],
  }),
  image: field({
    flag: '--image <ref>',
    help: 'run nodes from this image instead of building one',
    expect: 'an image reference like repo/name:tag',
    schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/),
    commands: ['run', 'demo'],
  }),
  consistencyModels: field({
    flag: '--consistency-models <models>',
    help: 'consistency models the transactional checker checks (list-append, rw-register), comma-separated Elle names, e.g. serializable,snapshot-isolation',
    expect: 'consistency model names, comma-separated (e.g. serializable,snapshot-isolation)',
    schema: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/))
      .min(1)
      .max(64),
    fromCli: (s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    default: ['strict-serializable'],
    commands: ['run', 'analyze'],
  }),
  cluster: field({
    flag: '--ssh',
    help: 'test hosts that already exist, over SSH (--nodes host1,host2 or --nodes-file), instead of Docker containers; a test file says cluster: "ssh"',
    expect: `one of ${CLUSTER_KINDS.join(', ')}`,
    schema: z.enum(CLUSTER_KINDS),
    // `--ssh` is a boolean flag: commander gives true.
    fromCli: (v: unknown) => (v === true ? 'ssh' : v),
    commands: ['run'],
  }),
  nodesFile: field({
    flag: '--nodes-file <file>',
    help: 'with --ssh: a file naming the hosts, one [user@]host[:port] a line (# comments)',
    expect: 'a file path',
    schema: z
      .string()
      .min(1)
      .regex(/^[^\n\r\0]*$/),
    commands: ['run'],
  }),
  username: field({
    flag: '--username <user>',
    help: 'with --ssh: login user on the hosts (default root); a host spec user@host wins',
    expect: 'a login name (a-z, 0-9, _ . -; starts with a letter or _; at most 32)',
    schema: z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/),
    commands: ['run'],
  }),
  sshPrivateKey: field({
    flag: '--ssh-private-key <file>',
    help: 'with --ssh: private key file to log in with (default: the SSH agent, else --password); its passphrase from FAULTLINE_SSH_KEY_PASSPHRASE',
    expect: 'a file path',
    schema: z
      .string()
      .min(1)
      .regex(/^[^\n\r\0]*$/),
    commands: ['run'],
  }),
  sshPort: field({
    flag: '--ssh-port <port>',
    help: 'with --ssh: sshd port, in [1, 65535] (default 22); a host spec host:port wins',
    expect: 'a TCP port, a whole number ≥ 1 and ≤ 65535',
    schema: z.number().int().min(1).max(65_535),
    fromCli: numberText,
    commands: ['run'],
  }),
  strictHostKeyChecking: field({
    flag: '--strict-host-key-checking',
    help: "with --ssh: check each host's key against ~/.ssh/known_hosts (default on; --no-strict-host-key-checking accepts any key)",
    expect: 'true or false',
    schema: z.boolean(),
    negatable: true,
    commands: ['run'],
  }),
  knownHosts: field({
    flag: '--known-hosts <file>',
    help: 'with --ssh: the known_hosts file host keys are checked against (default ~/.ssh/known_hosts)',
    expect: 'a file path',
    schema: z
      .string()
      .min(1)
      .regex(/^[^\n\r\0]*$/),
    commands: ['run'],
  }),
  sudo: field({
    flag: '--sudo',
    help: 'with --ssh: run every command through sudo (a non-root --username); its password from FAULTLINE_SUDO_PASSWORD or --sudo-password',
    expect: 'true or false',
    schema: z.boolean(),
    commands: ['run'],
  }),
  options: field({
    flag: '--opt <key=value>',
    help: 'system, workload or fault-family option (repeatable; e.g. --opt lossRate=0.2)',
    expect: 'key=value',
    schema: z.record(z.string(), z.unknown()),
    commands: ['run', 'analyze'],
  }),
} as const;

/** The field names of a test. */
export type FieldName = keyof typeof FIELDS;
export const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];

/** The attribute commander stores a field's flag under (`--opt` → opt, `--ssh` → ssh). */
export const flagAttribute = (k: FieldName): string => new Option(FIELDS[k].flag).attributeName();

/** A boolean flag (no argument): commander gives true/false, which `fromCli` turns into the field's value. */
export const isBooleanFlag = (k: FieldName): boolean => !FIELDS[k].flag.includes('<');

type Shape = { [K in FieldName]: z.ZodOptional<(typeof FIELDS)[K]['schema']> };

/** What a test file may set (every field optional, unknown keys refused). */
export const testSchema = z
  .object(Object.fromEntries(FIELD_NAMES.map((k) => [k, FIELDS[k].schema.optional()])) as Shape)
  .strict();

/** A field's key=value option text (`--opt k=v`): JSON when the value parses as JSON, else the text. */
export function parseOpt(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  const key = text.slice(0, eq);
  if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key))
    throw new Error(`--opt ${text}: expected key=value, e.g. --opt lossRate=0.2`);
  const raw = text.slice(eq + 1);
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

/**
 * Checks one field's value; returns the one-line problem or undefined. `shown` is how the user wrote it
 * (flag text or field path) and is quoted in the message.
 */
export function fieldProblem(name: FieldName, value: unknown, shown: string): string | undefined {
  const f: TestField = FIELDS[name];
  if (f.schema.safeParse(value).success) return undefined;
  return `${shown}: expected ${f.expect}`;
}

/** Text made safe for a one-line message: control characters escaped, values over 80 characters cut. */
export function oneLine(v: unknown, max = 80): string {
  const esc = escapeLine(typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));
  return esc.length > max ? `${esc.slice(0, max - 3)}...` : esc;
}
