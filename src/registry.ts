/**
 * The wiring of every plugin: the only module of src/ (with the package entry src/index.ts) that imports
 * the plugin folders (checkers/, nemeses/, systems/, workloads/). It turns a test definition (file + flags)
 * into the resolved test and the parts that run it, and hands the CLI the lookups it needs.
 */
import { randomInt } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { compose } from '../checkers/compose.ts';
import { validateModels } from '../checkers/elle/models.ts';
import { exceptions } from '../checkers/exceptions.ts';
import { stats } from '../checkers/stats.ts';
import { composePackages } from '../nemeses/compose.ts';
import { BUILTIN_FAULTS, findNemeses, inHealOrder } from '../nemeses/index.ts';
import { MAX_PLANNED_FAULTS, scheduleGenerator } from '../nemeses/schedule.ts';
import { isSystemFile } from '../systems/declarative/index.ts';
import { findSystem, resolveMode } from '../systems/index.ts';
import { findWorkload, WORKLOADS } from '../workloads/index.ts';
import {
  DEFAULTS,
  nemesisNames,
  nodeNames,
  type ResolvedTest,
  resolveConcurrency,
  type TestDefinition,
} from './config/define.ts';
import { NODE_NAME, oneLine } from './config/options.ts';
import { validatePluginOptions } from './config/plugin-options.ts';
import { sshHosts } from './config/ssh.ts';
import { errorText, UserError } from './core/errors.ts';
import type {
  Checker,
  FaultKind,
  NemesisDescriptor,
  NemesisPackage,
  ScheduledOp,
  System,
  SystemDescriptor,
  Workload,
  WorkloadDescriptor,
} from './core/index.ts';

export {
  findUninterpretableOp,
  formatLinearizabilityResult,
  getModel,
  type LinearizabilityResult,
  linearizable,
  modelNames,
} from '../checkers/linearizable/index.ts';
export { BUILTIN_FAULTS, NEMESES } from '../nemeses/index.ts';
export { isSystemFile } from '../systems/declarative/index.ts';
export {
  findOpModelCannotCheck,
  findOpWorkloadCannotCheck,
  suggestedChecks,
  withTxnF,
} from '../workloads/accepts.ts';
export { findWorkload } from '../workloads/index.ts';

/**
 * The Debian packages a system's node image needs (`System.packages`), for `faultline image build --system`:
 * `name` is a built-in system or a system file; `mode` defaults to the system's first.
 * @throws UserError for an unknown system or mode, or an in-process system (no nodes, no image).
 */
export function systemPackages(name: string, mode?: string): string[] {
  const d = findSystem(name);
  const sys = d.create(resolveMode(d, mode));
  if (!sys.needsCluster) throw new UserError(`system '${name}' runs in-process: it needs no node image`);
  return sys.packages ?? [];
}

/**
 * The faults a run's nemesis performs: its own declarations, the built-in families' for a package that
 * declares none, nothing without a nemesis. Written to test.json (`faults`) and given to the dashboard.
 */
export function faultsOf(nemesis: NemesisPackage | undefined): FaultKind[] {
  return nemesis ? (nemesis.faults ?? [...BUILTIN_FAULTS]) : [];
}

/** The checkers every run (and every `analyze`) gets in addition to the workload's. */
export function runCheckers(workload: Pick<Workload, 'checkers'>): Checker {
  return compose([...workload.checkers, stats, exceptions]);
}

/**
 * The options a workload is built from: the test's plugin options, plus `consistencyModels` from
 * `--consistency-models` (which wins over an `--opt` of that name) for a workload that declares that
 * key, i.e. a transactional one. Throws a one-line UserError when the flag is given for another
 * workload or names a model the workload does not know (the message lists the known ones).
 */
export function workloadOptions(
  wl: WorkloadDescriptor,
  options: Record<string, unknown>,
  consistencyModels: readonly string[] | undefined,
): Record<string, unknown> {
  if (consistencyModels === undefined) return options;
  const t = wl.options?.shape.consistencyModels;
  if (!t) {
    const txn = Object.values(WORKLOADS)
      .filter((w) => w.options?.shape.consistencyModels)
      .map((w) => w.name);
    throw new UserError(
      `--consistency-models applies to the transactional workloads (${txn.join(', ')}), not ${wl.name}`,
    );
  }
  // A typo: one line listing the models the checker knows.
  validateModels(consistencyModels);
  const r = t.safeParse([...consistencyModels]);
  if (!r.success)
    throw new UserError(
      `--consistency-models ${consistencyModels.join(',')}: ${r.error.issues[0]?.message ?? t.description}`,
    );
  return { ...options, consistencyModels: [...consistencyModels] };
}

/** The flags that only mean something with --ssh (field → flag). */
const SSH_ONLY = {
  nodesFile: '--nodes-file',
  username: '--username',
  sshPrivateKey: '--ssh-private-key',
  sshPort: '--ssh-port',
  strictHostKeyChecking: '--strict-host-key-checking',
  knownHosts: '--known-hosts',
  sudo: '--sudo',
} as const;

/** The resolved test's SSH fields (cluster 'ssh'). */
type SshSettings = Pick<
  ResolvedTest,
  'cluster' | 'username' | 'sshPrivateKey' | 'sshPort' | 'strictHostKeyChecking' | 'knownHosts' | 'sudo'
> & { sshHosts: NonNullable<ResolvedTest['sshHosts']> };

/**
 * An SSH run's settings, its hosts read from --nodes or --nodes-file; undefined for a Docker run, which
 * refuses the SSH-only flags and host specs (`user@host:port`) in --nodes. Throws one-line UserErrors.
 */
function sshSettings(def: TestDefinition): SshSettings | undefined {
  if (def.cluster !== 'ssh') {
    for (const [k, flag] of Object.entries(SSH_ONLY))
      if (def[k as keyof typeof SSH_ONLY] !== undefined)
        throw new UserError(`${flag} applies to SSH runs: add --ssh (a test file: cluster: 'ssh')`);
    const spec = Array.isArray(def.nodes) ? def.nodes.find((n) => !NODE_NAME.test(n)) : undefined;
    if (spec !== undefined)
      throw new UserError(
        `--nodes ${oneLine(spec)}: a Docker node name is letters, digits, . _ - (user@host:port entries need --ssh)`,
      );
    return undefined;
  }
  if (def.image !== undefined || def.flavour !== undefined)
    throw new UserError(
      `--${def.image !== undefined ? 'image' : 'flavour'} is about Docker nodes: an SSH run uses the hosts as they are`,
    );
  const hosts = sshHosts(def);
  return {
    cluster: 'ssh',
    sshHosts: hosts,
    ...(def.username !== undefined ? { username: def.username } : {}),
    ...(def.sshPort !== undefined ? { sshPort: def.sshPort } : {}),
    ...(def.sshPrivateKey !== undefined ? { sshPrivateKey: def.sshPrivateKey } : {}),
    strictHostKeyChecking: def.strictHostKeyChecking ?? true,
    ...(def.knownHosts !== undefined ? { knownHosts: def.knownHosts } : {}),
    sudo: def.sudo ?? false,
  };
}

export interface Resolved {
  test: ResolvedTest;
  system: System;
  workload: Workload;
  nemesis: NemesisPackage | undefined;
  /** The fault families, for their preflight checks. */
  nemesisDescriptors: NemesisDescriptor[];
}

/**
 * Builds a plugin from the user's options. An Error from a plugin's `create` is about those options (a
 * target node that does not exist, a grudge that does not parse): a one-line UserError naming the plugin.
 */
function build<T>(what: string, create: () => T): T {
  try {
    return create();
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${what}: ${errorText(err)}`);
  }
}

/** Where a test came from, recorded in test.json so `--replay` can load it again. */
export interface TestSource {
  /** Absolute path of the test file. */
  testFile?: string;
}

/**
 * Resolves a test definition: defaults applied (src/config/options.ts), plugins looked up, their options
 * validated against their schemas, the fault schedule planned. Throws UserError (one line) for anything
 * the user can fix. `replay.schedule`: replay this fault schedule (from an earlier run's
 * nemesis-schedule.json) instead of planning one; without one (a run that stored none) the nemesis plans
 * or generates its faults as usual, from the same seed.
 */
export function resolveTest(
  def: TestDefinition,
  replayOf?: { schedule?: ScheduledOp[] },
  source: TestSource = {},
): Resolved {
  const replay = replayOf?.schedule ? { schedule: replayOf.schedule } : undefined;
  // A declarative system file is looked up (and recorded in test.json's `system`) by its absolute path,
  // so `--replay` loads the same file from any folder.
  const systemFile =
    typeof def.system === 'string' && isSystemFile(def.system) ? resolve(def.system) : undefined;
  const sys: SystemDescriptor =
    typeof def.system === 'object' ? def.system : findSystem(systemFile ?? def.system ?? DEFAULTS.system);
  const baseName = systemFile ? basename(systemFile).replace(/\.[^.]*$/, '') : sys.name;
  const wl: WorkloadDescriptor =
    typeof def.workload === 'object' ? def.workload : findWorkload(def.workload ?? DEFAULTS.workload);
  const mode = resolveMode(sys, def.mode);
  const ssh = sshSettings(def);
  const nodes = ssh ? ssh.sshHosts.map((h) => h.name) : nodeNames(def.nodes);
  let concurrency: number;
  try {
    concurrency = resolveConcurrency(def.concurrency, nodes.length);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  const names = nemesisNames(def.nemesis);
  const descriptors: NemesisDescriptor[] =
    typeof def.nemesis === 'object' && !Array.isArray(def.nemesis) ? [] : inHealOrder(findNemeses(names));
  const nemesisInterval = def.nemesisInterval ?? DEFAULTS.nemesisInterval;
  const timeLimit = def.timeLimit ?? DEFAULTS.timeLimit;
  // The schedule is planned up front (and stored for --replay): bound it before planning.
  if (names.length > 0 && !replay && timeLimit / nemesisInterval > MAX_PLANNED_FAULTS) {
    throw new UserError(
      `--time-limit ${timeLimit} with --nemesis-interval ${nemesisInterval} would plan ${Math.ceil(timeLimit / nemesisInterval)} faults per family; at most ${MAX_PLANNED_FAULTS}: raise the interval or shorten the run`,
    );
  }
  const options = def.options ?? {};
  validatePluginOptions(options, [
    { kind: 'system', name: sys.name, schema: sys.options },
    { kind: 'workload', name: wl.name, schema: wl.options },
    ...(typeof def.nemesis === 'object' && !Array.isArray(def.nemesis)
      ? [{ kind: 'nemesis' as const, name: def.nemesis.nemesis.name, schema: undefined }]
      : descriptors.map((d) => ({ kind: 'nemesis' as const, name: d.name, schema: d.options }))),
  ]);
  sys.validate?.({ mode, nodes, options });
  const wlOptions = workloadOptions(wl, options, def.consistencyModels);
  const fromTestFile = (['system', 'workload', 'nemesis'] as const).filter(
    (k) => typeof def[k] === 'object' && !Array.isArray(def[k]),
  );
  const test: ResolvedTest = {
    name: def.name ?? `${baseName}-${wl.name}${mode === sys.modes[0] ? '' : `-${mode}`}`,
    system: sys.name,
    mode,
    workload: wl.name,
    nemesis: names,
    nodes,
    concurrency,
    timeLimit,
    rate: def.rate ?? DEFAULTS.rate,
    seed: def.seed ?? randomInt(0, 2 ** 31),
    recoveryTime: def.recoveryTime ?? DEFAULTS.recoveryTime,
    opTimeout: def.opTimeout ?? DEFAULTS.opTimeout,
    nemesisTimeout: def.nemesisTimeout ?? DEFAULTS.nemesisTimeout,
    nemesisInterval,
    checkerTimeLimit: def.checkerTimeLimit ?? DEFAULTS.checkerTimeLimit,
    checkerMemoryLimit: def.checkerMemoryLimit,
    resultsDir: def.resultsDir ?? DEFAULTS.resultsDir,
    ...(def.consistencyModels ? { consistencyModels: def.consistencyModels } : {}),
    options,
    ...(ssh ?? { flavour: def.flavour ?? DEFAULTS.flavour, ...(def.image ? { image: def.image } : {}) }),
    ...(source.testFile ? { testFile: source.testFile } : {}),
    ...(fromTestFile.length ? { fromTestFile } : {}),
  };
  const system = build(`system ${sys.name}`, () => sys.create(mode));
  if (ssh && !system.needsCluster)
    throw new UserError(
      `system '${sys.name}' runs in-process, so there are no hosts to test over SSH: drop --ssh, or use a cluster system`,
    );
  if (names.length > 0 && !system.needsCluster) {
    throw new UserError(
      `system '${sys.name}' runs in-process, so there is nothing to inject faults into: use --nemesis none, or a cluster system`,
    );
  }
  // A workload may use another workload's client kind (long-fork sends rw-register txns).
  const kind = wl.client ?? wl.name;
  if (!(kind in system.clients)) {
    throw new UserError(
      `system '${sys.name}'${sys.modes.length > 1 ? ` in mode '${mode}'` : ''} does not support workload '${wl.name}'${kind === wl.name ? '' : ` (it needs an ${kind} client)`}: choose one of ${Object.keys(system.clients).join(', ')}`,
    );
  }
  const created = build(`workload ${wl.name}`, () =>
    wl.create({ concurrency, nodes, rate: test.rate, options: wlOptions }),
  );
  // The runner opens the client kind the workload names; the descriptor's, when only it names one.
  const workload = wl.client && !created.client ? { ...created, client: wl.client } : created;
  const packages =
    typeof def.nemesis === 'object' && !Array.isArray(def.nemesis)
      ? [def.nemesis]
      : descriptors.map((d) =>
          build(`nemesis ${d.name}`, () =>
            d.create({
              intervalS: nemesisInterval,
              nodes,
              seed: test.seed,
              // A replay runs the stored schedule: plan nothing (a time limit of 0 plans no fault).
              timeLimitS: replay ? 0 : test.timeLimit,
              options,
              system,
            }),
          ),
        );
  let nemesis = composePackages(packages);
  if (replay) {
    if (!nemesis) throw new UserError('--replay: the test has no nemesis, so there is no schedule to replay');
    nemesis = { ...nemesis, generator: scheduleGenerator(replay.schedule), schedule: replay.schedule };
  }
  return { test, system, workload, nemesis, nemesisDescriptors: descriptors };
}
