/**
 * A run's nodes as machines that already exist (VMs, bare metal), reached over SSH. Provisioning connects
 * to every host at once, checks it is Debian or Ubuntu, installs the missing Debian packages with apt
 * (once per host and package set: a marker file caches it), creates /run/faultline and uploads the
 * nemeses' node helpers to /opt/faultline. `destroy` removes what faultline put there (helpers, pid files,
 * leftover FAULTLINE* iptables chains) and closes the connections; the package cache marker stays.
 */

import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { arch, homedir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { EnvironmentError, errorText, UserError } from '../../core/errors.ts';
import type { Cluster, ClusterEvent, NodeSpec, Remote } from '../../core/remote.ts';
import type { Logger } from '../../util/log.ts';
import { silentLogger } from '../../util/log.ts';
import { DATA_DIR_GLOB, LOG_DIR, RUN_DIR } from '../daemon.ts';
import { checkPackages } from '../docker/debian.ts';
import { hashInputs } from '../docker/image.ts';
import { checkRunId, newRunId } from '../docker/labels.ts';
import { unpackTar } from '../docker/tar.ts';
import { HELPER_DIR, nodeHelpers } from '../node-helpers/index.ts';
import { SshConnection } from './connection.ts';
import { combineHostFailures } from './hosts.ts';
import { type KnownHostEntry, parseKnownHosts } from './known-hosts.ts';
import { SshRemote } from './remote.ts';
import type { SshClusterOptions, SshHost } from './types.ts';

/** Packages every host needs for the nemeses and daemons (iptables, tc, ps/pgrep). */
export const BASE_HOST_PACKAGES: readonly string[] = ['iptables', 'iproute2', 'procps'];
/** Where the "these packages are installed" markers live on a host. */
export const PACKAGE_MARKER_DIR = '/var/lib/faultline';
/** iptables chains faultline creates start with this (nemeses/partition.ts, nemeses/packet.ts). */
export const CHAIN_PREFIX = 'FAULTLINE';

/** SshClusterOptions plus what the run adds: the system's Debian packages and a logger. */
export interface SshClusterInit extends SshClusterOptions {
  /** Debian packages the system under test needs on every host (installed with apt when missing). */
  packages?: readonly string[];
  /** SSH keepalive interval, ms (default 5 000). */
  keepaliveIntervalMs?: number;
  logger?: Logger;
}

/** `uname -m` for Node's `process.arch`. */
const UNAME_ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', arm: 'armv7l', ia32: 'i686' };

export class SshCluster implements Cluster {
  readonly runId: string;
  readonly #opts: SshClusterInit;
  readonly #log: Logger;
  #remotes: SshRemote[] = [];
  /** Hosts connected and checked by preflight, not yet provisioned. */
  #ready: SshRemote[] | undefined;
  #connections: SshConnection[] = [];

  constructor(opts: SshClusterInit) {
    this.runId = checkRunId(opts.runId ?? newRunId());
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger;
    if (opts.hosts.length === 0)
      throw new UserError('the SSH backend needs at least one host (--nodes or --nodes-file)');
  }

  get remotes(): readonly SshRemote[] {
    return this.#remotes;
  }

  /** The known_hosts file used (default ~/.ssh/known_hosts). */
  get knownHostsPath(): string {
    return this.#opts.knownHostsPath ?? join(homedir(), '.ssh', 'known_hosts');
  }

  async provision(spec: NodeSpec, signal?: AbortSignal): Promise<Remote[]> {
    if (this.#remotes.length > 0) throw new Error(`run ${this.runId} is already provisioned`);
    const hosts = this.#opts.hosts;
    if (spec.count !== hosts.length)
      throw new UserError(
        `the test wants ${spec.count} nodes but ${hosts.length} hosts were given (--nodes)`,
      );
    if (spec.names) {
      const want = [...spec.names].sort().join(',');
      const have = hosts
        .map((h) => h.name)
        .sort()
        .join(',');
      if (want !== have) throw new UserError(`node names ${want} are not the hosts' names ${have}`);
    }
    const t0 = performance.now();
    try {
      signal?.throwIfAborted();
      // Connected (and the login checked) by preflight already, or now.
      this.#remotes = this.#ready ?? (await this.#connectAll(signal));
      this.#ready = undefined;
      signal?.throwIfAborted();
      const prepared = await Promise.allSettled(this.#remotes.map((r) => this.#prepare(r, signal)));
      const bad = prepared.flatMap((r, i) =>
        r.status === 'rejected' ? [{ host: this.#remotes[i]!.name, error: r.reason as unknown }] : [],
      );
      if (bad.length > 0) throw oneOf(bad);
      this.#log.info(
        `connected to ${hosts.length} SSH hosts (run ${this.runId}) in ${Math.round(performance.now() - t0)} ms`,
      );
      return [...this.#remotes];
    } catch (err) {
      const problems = await this.destroy();
      for (const p of problems) this.#log.warn(`clean-up after failed provision: ${p}`);
      if (signal?.aborted) throw new Error(`provisioning of run ${this.runId} aborted`);
      throw err;
    }
  }

  /**
   * Connects to every host at once and checks that each runs commands as root (through sudo, with its
   * password, when asked), before anything is changed anywhere: so that an unknown or changed host key,
   * a refused login, an unreachable host, a wrong sudo password or a non-root login without --sudo is
   * found before a run starts. Throws one UserError line naming the first failing host (and the others
   * after it); closes every connection then. The connections are kept for `provision`. Idempotent.
   */
  async preflight(signal?: AbortSignal): Promise<void> {
    if (this.#ready || this.#remotes.length > 0) return;
    this.#ready = await this.#connectAll(signal);
  }

  /** Connects to every host and checks its login (see preflight); closes what it opened on failure. */
  async #connectAll(signal?: AbortSignal): Promise<SshRemote[]> {
    try {
      const entries = this.#knownHosts();
      signal?.throwIfAborted();
      const results = await Promise.allSettled(
        this.#opts.hosts.map(async (h) => {
          const r = await this.#connect(h, entries);
          await checkLogin(r);
          return r;
        }),
      );
      signal?.throwIfAborted();
      // Each is the user's to fix (known_hosts, credentials, the host list, sudoers): exit 254.
      const failed = results.flatMap((r, i) =>
        r.status === 'rejected'
          ? [{ host: this.#opts.hosts[i]!.name, error: new UserError(errorText(r.reason)) as unknown }]
          : [],
      );
      if (failed.length > 0) throw oneOf(failed);
      return results.map((r) => (r as PromiseFulfilledResult<SshRemote>).value);
    } catch (err) {
      for (const c of this.#connections) c.close();
      this.#connections = [];
      throw err;
    }
  }

  /** The known_hosts entries; a missing file is empty (every host is then unknown). */
  #knownHosts(): KnownHostEntry[] {
    try {
      return parseKnownHosts(readFileSync(this.knownHostsPath, 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return [];
      throw new UserError(`cannot read known_hosts ${this.knownHostsPath}: ${code ?? errorText(err)}`);
    }
  }

  async #connect(h: SshHost, entries: KnownHostEntry[]): Promise<SshRemote> {
    const address = await resolveOnce(h);
    const o = this.#opts;
    const connection = new SshConnection({
      host: h,
      address,
      auth: o.auth,
      hostKeys: { strict: o.strictHostKeyChecking, entries, file: this.knownHostsPath },
      ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
      ...(o.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: o.keepaliveIntervalMs } : {}),
      logger: this.#log,
    });
    this.#connections.push(connection);
    await connection.client();
    return new SshRemote({
      name: h.name,
      ip: address,
      connection,
      sudo: o.sudo,
      ...(o.sudoPassword !== undefined ? { sudoPassword: o.sudoPassword } : {}),
      logger: this.#log,
    });
  }

  /** Debian check, packages, run folder, helpers: one host. */
  async #prepare(r: SshRemote, signal?: AbortSignal): Promise<void> {
    const osRelease = await r.exec(['cat', '/etc/os-release'], { timeoutMs: 30_000 });
    const os = parseOsRelease(osRelease.stdout);
    if (!isDebianLike(os)) {
      throw new UserError(
        `${r.name}: is ${os.PRETTY_NAME ?? os.ID ?? 'not a Linux with /etc/os-release'}, not Debian or Ubuntu: the SSH backend installs packages with apt`,
      );
    }
    signal?.throwIfAborted();
    await this.#ensurePackages(r);
    signal?.throwIfAborted();
    await r.run(['mkdir', '-p', RUN_DIR], { timeoutMs: 30_000 });
    await this.#uploadHelpers(r);
  }

  /** apt-get installs the packages dpkg does not list as installed; a marker skips the check next time. */
  async #ensurePackages(r: SshRemote): Promise<void> {
    const pkgs = checkPackages([...BASE_HOST_PACKAGES, ...(this.#opts.packages ?? [])]);
    const marker = `${PACKAGE_MARKER_DIR}/packages-${hashInputs(pkgs)}`;
    if ((await r.exec(['test', '-f', marker], { timeoutMs: 30_000 })).exitCode === 0) return;
    const names = pkgs.map((p) => p.split('=')[0] as string);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format.
    const format = '${Package} ${db:Status-Status}\\n';
    const q = await r.exec(['dpkg-query', '-W', '-f', format, ...names], {
      timeoutMs: 60_000,
    });
    const installed = new Set(
      q.stdout
        .split('\n')
        .filter((l) => l.endsWith(' installed'))
        .map((l) => l.split(' ')[0]),
    );
    const missing = pkgs.filter((p) => !installed.has(p.split('=')[0] as string));
    if (missing.length > 0) {
      this.#log.info(`${r.name}: apt-get install ${missing.join(' ')}`);
      const env = { DEBIAN_FRONTEND: 'noninteractive' };
      const update = await r.exec(['apt-get', 'update', '-q'], { env, timeoutMs: 600_000 });
      if (update.exitCode !== 0)
        this.#log.warn(`${r.name}: apt-get update failed: ${lastLine(update.stderr)}`);
      const install = await r.exec(
        ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...missing],
        { env, timeoutMs: 900_000 },
      );
      if (install.exitCode !== 0 || install.timedOut)
        throw new EnvironmentError(
          `${r.name}: apt-get install ${missing.join(' ')} failed: ${install.timedOut ? 'timed out after 900 s' : lastLine(install.stderr || install.stdout)}`,
        );
    }
    await r.run(['mkdir', '-p', PACKAGE_MARKER_DIR], { timeoutMs: 30_000 });
    await r.upload(marker, `${pkgs.join('\n')}\n`);
  }

  /** Uploads the clock shim and the delayer when the host runs the same machine architecture as we do. */
  async #uploadHelpers(r: SshRemote): Promise<void> {
    const helpers = nodeHelpers();
    for (const p of helpers.problems) this.#log.warn(`${r.name}: ${p}`);
    if (helpers.files.length === 0) return;
    const theirs = (await r.run(['uname', '-m'], { timeoutMs: 30_000 })).trim();
    const ours = UNAME_ARCH[arch()] ?? arch();
    if (theirs !== ours) {
      this.#log.warn(
        `${r.name}: is ${theirs} but faultline runs on ${ours}: its node helpers (clock shim, packet delayer) are not installed, so clock and delay faults cannot run there`,
      );
      return;
    }
    for (const f of helpers.files) await r.upload(`/${f.name}`, f.data, f.mode);
  }

  async collect(files: Record<string, string[]>, dir: string): Promise<string[]> {
    const written: string[] = [];
    await Promise.all(
      this.#remotes.map(async (r) => {
        const paths = [...(files['*'] ?? []), ...(files[r.name] ?? [])];
        for (const p of paths) {
          try {
            // tar, as Docker's archive API: a file or a whole folder, bytes unchanged.
            const parent = dirname(p);
            const t = await r.execBytes(
              ['tar', '-C', parent, '-cf', '-', '--', p.slice(parent.length).replace(/^\//, '') || '.'],
              {
                timeoutMs: 300_000,
              },
            );
            if (t.exitCode !== 0) throw new Error(lastLine(t.stderr) || `tar exited ${t.exitCode}`);
            for (const e of await unpackTar(t.stdout, 512 << 20)) {
              if (e.type !== 'file') continue;
              const rel = normalize(join(parent, e.name)).replace(/^(\.\.(\/|$))+/, '');
              const local = join(dir, r.name, rel);
              await mkdir(dirname(local), { recursive: true });
              await writeFile(local, e.data);
              written.push(local);
            }
          } catch (err) {
            this.#log.warn(`collect ${r.name}:${p}: ${errorText(err)}`);
          }
        }
      }),
    );
    return written.sort();
  }

  /**
   * Removes what faultline put on every host (iptables chains FAULTLINE*, helpers, pid files) and closes
   * the connections. A host that cannot be reached or cleaned is one problem naming the host and all
   * that is to be removed by hand there (leftoverAdvice): nothing is left behind without a word.
   */
  async destroy(): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(
      this.#remotes.map(async (r) => {
        try {
          await answers(r);
          await removeChains(r);
          const rm = await r.exec(['rm', '-rf', '--', HELPER_DIR, RUN_DIR], { timeoutMs: 60_000 });
          if (rm.exitCode !== 0 || rm.timedOut)
            throw new Error(
              `rm ${HELPER_DIR} ${RUN_DIR} ${rm.timedOut ? 'timed out' : `exited ${rm.exitCode}`}: ${lastLine(rm.stderr)}`,
            );
        } catch (err) {
          problems.push(`${r.name}: ${errorText(err).replace(`${r.name}: `, '')}; ${leftoverAdvice(r)}`);
        }
      }),
    );
    for (const c of this.#connections) c.close();
    this.#connections = [];
    this.#remotes = [];
    this.#ready = undefined;
    return problems;
  }

  /**
   * Reports a host whose SSH connection dropped and cannot be made again for three checks in a row (every
   * `intervalMs`, default 2 000) as lost, once.
   */
  watch(onEvent: (e: ClusterEvent) => void, intervalMs = 2000): () => void {
    const failures = new Map<string, number>();
    const lost = new Set<string>();
    let busy = false;
    const timer = setInterval(async () => {
      if (busy) return;
      busy = true;
      await Promise.all(
        this.#remotes.map(async (r) => {
          if (lost.has(r.name) || r.connection.connected) return failures.delete(r.name);
          try {
            await r.connection.client();
            failures.delete(r.name);
          } catch (err) {
            const n = (failures.get(r.name) ?? 0) + 1;
            failures.set(r.name, n);
            if (n >= 3) {
              lost.add(r.name);
              onEvent({ kind: 'node-lost', node: r.name, detail: errorText(err) });
            }
          }
        }),
      );
      busy = false;
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

/** How long destroy waits for a host to run `true` before calling it unreachable (ms). */
const ANSWER_TIMEOUT_MS = 15_000;

/** Throws a one-line error starting "unreachable" when the host does not run `true` in ANSWER_TIMEOUT_MS (+ 5 s). */
async function answers(r: Remote): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer in ${ANSWER_TIMEOUT_MS + 5000} ms`)),
      ANSWER_TIMEOUT_MS + 5000,
    );
  });
  try {
    const t = await Promise.race([r.exec(['true'], { timeoutMs: ANSWER_TIMEOUT_MS }), late]);
    if (t.exitCode !== 0 || t.timedOut)
      throw new Error(`\`true\` ${t.timedOut ? 'timed out' : `exited ${t.exitCode}`}`);
  } catch (err) {
    throw new Error(`unreachable: ${errorText(err).replace(`${r.name}: `, '')}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What faultline may have left on a host it could not clean, for the user to remove by hand, exactly:
 * its iptables chains, helpers, pid files, and the systems' logs and data.
 */
export function leftoverAdvice(r: Remote): string {
  return (
    `on ${r.ip} remove by hand: the iptables chains ${CHAIN_PREFIX}* (list them with \`iptables -S | grep ${CHAIN_PREFIX}\`; ` +
    `delete each rule jumping to one with \`iptables -D …\`, then \`iptables -F CHAIN; iptables -X CHAIN\`), ` +
    `and \`rm -rf ${HELPER_DIR} ${RUN_DIR} ${LOG_DIR} ${DATA_DIR_GLOB}\``
  );
}

/** Removes every iptables chain named FAULTLINE* and the rules jumping to it (what a crashed run left). */
export async function removeChains(r: Remote): Promise<void> {
  const s = await r.exec(['iptables', '-w', '-S'], { timeoutMs: 30_000 });
  // A dropped connection or a timeout is not "no iptables": faultline's chains may still be there.
  if (s.timedOut || s.exitCode < 0)
    throw new Error(`iptables -S ${s.timedOut ? 'timed out' : 'got no answer'}`);
  if (s.exitCode !== 0) return; // No iptables (or no rights): nothing faultline could have put there.
  const lines = s.stdout.split('\n').map((l) => l.trim());
  const ours = (c: string | undefined) => c?.startsWith(CHAIN_PREFIX) ?? false;
  for (const l of lines) {
    const words = l.split(/\s+/);
    if (words[0] === '-A' && ours(words[words.indexOf('-j') + 1]) && !ours(words[1]))
      await r.exec(['iptables', '-w', '-D', ...words.slice(1)], { timeoutMs: 30_000 });
  }
  const chains = lines
    .filter((l) => l.startsWith('-N '))
    .map((l) => l.slice(3))
    .filter(ours);
  for (const c of chains) await r.exec(['iptables', '-w', '-F', c], { timeoutMs: 30_000 });
  for (const c of chains) {
    const x = await r.exec(['iptables', '-w', '-X', c], { timeoutMs: 30_000 });
    if (x.exitCode !== 0) throw new Error(`iptables -X ${c}: ${lastLine(x.stderr)}`);
  }
}

/**
 * Can the host run commands as root? A non-root login needs --sudo; with it, one command through sudo
 * finds out whether sudo takes the password (or needs none): its refusal is SshRemote's one line.
 */
async function checkLogin(r: SshRemote): Promise<void> {
  const user = r.connection.host.username;
  if (r.effectiveUser !== 'root')
    throw new UserError(
      `${r.name}: logged in as ${user}, not root: pass --sudo (and --sudo-password if sudo asks for one)`,
    );
  const t = await r.exec(['true'], { timeoutMs: 30_000 });
  if (t.exitCode !== 0 || t.timedOut)
    throw new UserError(
      `${r.name}: cannot run commands as root (logged in as ${user}${user === 'root' ? '' : ', through sudo'}): \`true\` ${t.timedOut ? 'timed out after 30 000 ms' : `exited ${t.exitCode}`}${lastLine(t.stderr) ? `: ${lastLine(t.stderr)}` : ''}`,
    );
}

/** The host's address: an IP as is, a name resolved once (DNS failure is one line naming the host). */
async function resolveOnce(h: SshHost): Promise<string> {
  if (isIP(h.host)) return h.host;
  try {
    return (await lookup(h.host)).address;
  } catch (err) {
    throw new EnvironmentError(
      `${h.name}: DNS cannot resolve ${h.host} (${(err as NodeJS.ErrnoException).code ?? errorText(err)})`,
    );
  }
}

/** `/etc/os-release` as KEY → value (quotes removed). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim());
    if (m) out[m[1]!] = m[3]!;
  }
  return out;
}

/** Debian, Ubuntu, or a derivative that says so in ID_LIKE. */
export function isDebianLike(os: Record<string, string>): boolean {
  const ids = [os.ID ?? '', ...(os.ID_LIKE ?? '').split(/\s+/)];
  return ids.some((i) => i === 'debian' || i === 'ubuntu');
}

/** The first error, saying how many more hosts failed (each is logged by its own message too). */
/**
 * Several hosts' failures as one error: the first's class (UserError → 254, else EnvironmentError), each
 * distinct message said once with its hosts (combineHostFailures), so a problem every host shares (an
 * unusable key) is not repeated per host. `failures` in host order.
 */
function oneOf(failures: { host: string; error: unknown }[]): unknown {
  const first = failures[0]?.error;
  if (failures.length === 1 || !(first instanceof Error)) return first;
  const E = first instanceof UserError ? UserError : EnvironmentError;
  return new E(combineHostFailures(failures.map((f) => ({ host: f.host, message: errorText(f.error) }))));
}

const lastLine = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .pop() ?? '';
