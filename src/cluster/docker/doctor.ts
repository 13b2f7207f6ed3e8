/** `faultline doctor`: can this machine run tests? One line per check, each failure with its fix. */
import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import type { Logger } from '../../util/log.ts';
import { silentLogger } from '../../util/log.ts';
import { DockerCluster } from './cluster.ts';
import { hostMirrors } from './debian.ts';
import { connectEngine, type Engine, type EngineUnavailableError, pingEngine } from './engine.ts';
import { debianTag, ensureDebianBase, ensureImage, type Flavour, imageExists } from './image.ts';
import { newRunId } from './labels.ts';
import { age, cleanDecision, describeOwner, listRuns } from './leftovers.ts';
import type { DockerRemote } from './remote.ts';

export interface Check {
  name: string;
  ok: true | false | 'warn';
  detail: string;
  /** How to fix a failure or warning; '' when there is nothing to do. */
  fix: string;
}

export interface DoctorOptions {
  engine?: Engine;
  /** The flavour whose image is checked (default 'debian', what `faultline run` uses). */
  flavour?: Flavour;
  packages?: readonly string[];
  logger?: Logger;
  /** Minimum Node major version. */
  minNode?: number;
}

const GB = 1024 ** 3;

export function checkNode(version = process.versions.node, min = 22): Check {
  const major = Number(version.split('.')[0]);
  return major >= min
    ? { name: 'node', ok: true, detail: `Node ${version}`, fix: '' }
    : {
        name: 'node',
        ok: false,
        detail: `Node ${version} is older than ${min}`,
        fix: `install Node ${min} or newer`,
      };
}

export async function checkEngine(engine: Engine): Promise<Check> {
  try {
    const v = await pingEngine(engine);
    return {
      name: 'engine',
      ok: true,
      detail: `Docker ${v.version} (API ${v.apiVersion}) at ${engine.endpoint}`,
      fix: '',
    };
  } catch (err) {
    const e = err as EngineUnavailableError;
    return { name: 'engine', ok: false, detail: e.detail ?? e.message, fix: e.fix ?? '' };
  }
}

export function diskCheck(path: string, freeBytes: number): Check {
  const free = `${(freeBytes / GB).toFixed(1)} GB free on ${path}`;
  if (freeBytes < 1 * GB)
    return { name: 'disk', ok: false, detail: free, fix: 'free some space (`docker system prune`)' };
  if (freeBytes < 5 * GB) {
    return {
      name: 'disk',
      ok: 'warn',
      detail: `${free}; debian images and logs need a few GB`,
      fix: 'free some space',
    };
  }
  return { name: 'disk', ok: true, detail: free, fix: '' };
}

async function checkDisk(engine: Engine): Promise<Check> {
  let path = process.cwd();
  if (engine.local) {
    const info = (await engine.docker.info().catch(() => null)) as { DockerRootDir?: string } | null;
    if (info?.DockerRootDir && existsSync(info.DockerRootDir)) path = info.DockerRootDir;
  }
  try {
    const s = await statfs(path);
    return diskCheck(path, s.bavail * s.bsize);
  } catch (err) {
    return { name: 'disk', ok: 'warn', detail: `cannot stat ${path}: ${(err as Error).message}`, fix: '' };
  }
}

async function checkImage(
  engine: Engine,
  flavour: Flavour,
  packages: readonly string[],
  log: Logger,
): Promise<Check> {
  const name = `image (${flavour})`;
  try {
    if (flavour === 'hostroot') {
      const r = await ensureImage(engine, { flavour, packages, logger: log });
      return { name, ok: true, detail: `${r.image} ${r.built ? 'built' : 'present'} (${r.ms} ms)`, fix: '' };
    }
    // A debian build takes a minute: only report whether one is cached and whether it could be built.
    const tools = process.getuid?.() === 0 && existsSync('/usr/sbin/debootstrap');
    const base = await ensureDebianBase(engine, { logger: log, pullTimeoutS: 3, noBuild: true });
    if (base) {
      const tag = await debianTag(engine, base, packages, hostMirrors());
      const present = await imageExists(engine, tag);
      const what = present ? `${tag} present` : `base ${base} present; node image is built on demand (~10 s)`;
      return { name, ok: true, detail: what, fix: '' };
    }
    return tools
      ? {
          name,
          ok: 'warn',
          detail: 'no bookworm base image yet; the first run builds it with debootstrap (~40 s)',
          fix: 'run `faultline image build` once ahead of time',
        }
      : {
          name,
          ok: false,
          detail: 'no bookworm base image, no registry, and debootstrap is unavailable (needs root)',
          fix: 'as root: apt-get install -y debootstrap && faultline image build, or use --flavour hostroot',
        };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message, fix: '`faultline image build --force`' };
  }
}

const NETEM_HELP =
  'packet delay uses the userspace delay proxy and loss uses iptables -m statistic instead; ' +
  'for kernel-level delay use a kernel with CONFIG_NET_SCH_NETEM (modprobe sch_netem)';

/** iptables, tc and the qdiscs, inside a throwaway node's network namespace. */
async function checkNamespace(engine: Engine, log: Logger): Promise<Check[]> {
  if (!engine.local) {
    return [
      {
        name: 'netns tools',
        ok: 'warn',
        detail: 'remote engine: faults run through exec in the node',
        fix: '',
      },
    ];
  }
  const cluster = new DockerCluster({
    engine,
    flavour: 'hostroot',
    runId: `doctor-${newRunId()}`,
    logger: log,
  });
  const out: Check[] = [];
  try {
    const [node] = (await cluster.provision({ count: 1 })) as DockerRemote[];
    if (!node) throw new Error('no node');
    const via = node.netFromHost ? 'nsenter from the host' : 'exec';
    for (const [name, argv, fix] of [
      ['iptables', ['iptables', '-L', 'INPUT', '-n'], 'apt-get install -y iptables'],
      ['tc', ['tc', 'qdisc', 'show', 'dev', 'eth0'], 'apt-get install -y iproute2'],
    ] as const) {
      const r = await node.netExec(argv, { timeoutMs: 10_000 });
      out.push(
        r.exitCode === 0
          ? { name, ok: true, detail: `works in a node's network namespace (${via})`, fix: '' }
          : { name, ok: false, detail: `${argv.join(' ')} failed: ${(r.stderr || r.stdout).trim()}`, fix },
      );
    }
    const qdisc = async (kind: string, args: string[]): Promise<string | null> => {
      const r = await node.netExec(['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', kind, ...args], {
        timeoutMs: 10_000,
      });
      if (r.exitCode !== 0) return (r.stderr || r.stdout).trim() || `exit ${r.exitCode}`;
      await node.netExec(['tc', 'qdisc', 'del', 'dev', 'eth0', 'root'], { timeoutMs: 10_000 });
      return null;
    };
    const netem = await qdisc('netem', ['delay', '1ms']);
    out.push(
      netem === null
        ? { name: 'qdisc netem', ok: true, detail: 'available', fix: '' }
        : {
            name: 'qdisc netem',
            ok: 'warn',
            detail: `not in this kernel (${netem}); ${NETEM_HELP}`,
            fix: '',
          },
    );
    const tbf = await qdisc('tbf', ['rate', '1mbit', 'burst', '32kbit', 'latency', '400ms']);
    out.push(
      tbf === null
        ? { name: 'qdisc tbf', ok: true, detail: 'available', fix: '' }
        : {
            name: 'qdisc tbf',
            ok: 'warn',
            detail: `not in this kernel (${tbf}); bandwidth faults are unavailable`,
            fix: 'use a kernel with CONFIG_NET_SCH_TBF',
          },
    );
  } catch (err) {
    out.push({
      name: 'netns tools',
      ok: false,
      detail: `cannot start a probe node: ${(err as Error).message}`,
      fix: '',
    });
  } finally {
    await cluster.destroy();
  }
  return out;
}

/**
 * One `leftover run` line per faultline run on the engine: its id, size, age and owner. A run whose owner
 * is gone is a warning fixed by `faultline clean`; one in progress is fine; one owned from another host or
 * with no recorded owner is a warning fixed by `clean --run-id … --force`. One ok line when there is none.
 */
export async function checkLeftovers(engine: Engine, now = Date.now()): Promise<Check[]> {
  let runs: Awaited<ReturnType<typeof listRuns>>;
  try {
    runs = await listRuns(engine.docker);
  } catch (err) {
    return [{ name: 'leftover runs', ok: 'warn', detail: `cannot list: ${(err as Error).message}`, fix: '' }];
  }
  if (runs.length === 0) return [{ name: 'leftover runs', ok: true, detail: 'none', fix: '' }];
  return runs.map((r): Check => {
    const size = `${r.containers.length} containers, ${r.networks.length} networks`;
    const detail = `${r.runId}: ${size}, ${age(r.createdMs, now)} old, ${describeOwner(r)}`;
    if (r.state === 'alive')
      return { name: 'leftover run', ok: true, detail: `${detail} (in progress)`, fix: '' };
    // Kept on purpose (the SSH test hosts): not a leftover; the fix is its own command.
    if (r.keep)
      return { name: 'kept run', ok: true, detail: `${detail} (kept until \`${r.keep}\`)`, fix: '' };
    const fix = cleanDecision(r, {}).remove
      ? 'faultline clean'
      : `faultline clean --run-id ${r.runId} --force`;
    return { name: 'leftover run', ok: 'warn', detail, fix };
  });
}

/** Every check, in order. A failed engine check skips the checks that need the engine. */
export async function runDoctor(opts: DoctorOptions = {}): Promise<Check[]> {
  const log = opts.logger ?? silentLogger;
  const checks: Check[] = [checkNode(process.versions.node, opts.minNode ?? 22)];
  let engine: Engine;
  try {
    engine = opts.engine ?? connectEngine();
  } catch (err) {
    checks.push({ name: 'engine', ok: false, detail: (err as Error).message, fix: 'fix DOCKER_HOST' });
    return checks;
  }
  const eng = await checkEngine(engine);
  checks.push(eng);
  if (eng.ok !== true) return checks;
  if (engine.local) {
    const missing = ['nsenter', 'tini'].filter(
      (t) => !['/usr/bin/', '/usr/sbin/'].some((d) => existsSync(d + t)),
    );
    checks.push(
      missing.length === 0
        ? { name: 'host tools', ok: true, detail: 'nsenter and tini present', fix: '' }
        : {
            name: 'host tools',
            ok: 'warn',
            detail: `missing ${missing.join(', ')} (needed by hostroot nodes and fast fault injection)`,
            fix: `apt-get install -y ${missing.map((m) => (m === 'nsenter' ? 'util-linux' : m)).join(' ')}`,
          },
    );
  }
  // Before the probe below, which is a (short) run of its own.
  checks.push(...(await checkLeftovers(engine)));
  checks.push(await checkImage(engine, opts.flavour ?? 'debian', opts.packages ?? [], log));
  checks.push(...(await checkNamespace(engine, log)));
  checks.push(await checkDisk(engine));
  return checks;
}

/** One line per check: status, name, detail, and the fix when there is one. */
export function formatChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks
    .map((c) => {
      const status = c.ok === true ? 'ok  ' : c.ok === 'warn' ? 'warn' : 'FAIL';
      const fix = c.ok !== true && c.fix ? ` — fix: ${c.fix}` : '';
      return `${status}  ${c.name.padEnd(width)}  ${c.detail}${fix}`;
    })
    .join('\n');
}

/**
 * What a run checks before it starts: Node's version and a reachable engine. Throws one-line errors
 * (EngineUnavailableError for the engine); returns the engine's version line.
 */
export async function preflight(opts: { engine?: Engine; minNode?: number } = {}): Promise<string> {
  const node = checkNode(process.versions.node, opts.minNode ?? 22);
  if (node.ok !== true) throw new Error(`${node.detail}: ${node.fix}`);
  const engine = opts.engine ?? connectEngine();
  const v = await pingEngine(engine);
  return `Docker ${v.version} (API ${v.apiVersion}) at ${engine.endpoint}`;
}
