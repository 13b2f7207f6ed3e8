/**
 * The `debian` flavour: Debian bookworm with the system's packages installed at build time.
 * Base: debian:bookworm-slim when a registry answers, otherwise a debootstrap'ed minbase imported over the API.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from './engine.ts';

export const SUITE = 'bookworm';
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
export const DEFAULT_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';
/** Always installed: processes run under tini; iptables and tc for faults when the engine is remote. */
export const BASE_PACKAGES: readonly string[] = ['tini', 'iptables', 'iproute2', 'procps', 'ca-certificates'];

export interface Mirrors {
  main: string;
  security: string;
}

/** Reads the mirrors from a deb822 sources file (the host's, normally); defaults when absent. */
export function parseMirrors(deb822: string | null): Mirrors {
  const m: Mirrors = { main: DEFAULT_MIRROR, security: DEFAULT_SECURITY_MIRROR };
  if (!deb822) return m;
  let mainSet = false;
  for (const stanza of deb822.split(/\n\s*\n/)) {
    const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
    const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1] ?? '';
    if (!uri || !/^Types:.*\bdeb\b/m.test(stanza)) continue;
    if (/-security\b/.test(suites)) m.security = uri;
    else if (!mainSet) {
      m.main = uri;
      mainSet = true;
    }
  }
  return m;
}

export function hostMirrors(path = '/etc/apt/sources.list.d/debian.sources'): Mirrors {
  return parseMirrors(existsSync(path) ? readFileSync(path, 'utf8') : null);
}

/** The image's apt sources: the release, its updates and security, so packages match the host's versions. */
export function sourcesFile(m: Mirrors): string {
  const key = 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg';
  return [
    `Types: deb\nURIs: ${m.main}\nSuites: ${SUITE} ${SUITE}-updates\nComponents: main\n${key}\n`,
    `Types: deb\nURIs: ${m.security}\nSuites: ${SUITE}-security\nComponents: main\n${key}\n`,
  ].join('\n');
}

/** Package names are interpolated into a RUN line (a shell), so only Debian's own name syntax is accepted. */
export function checkPackages(pkgs: readonly string[]): string[] {
  for (const p of pkgs) {
    if (!/^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$/.test(p))
      throw new Error(`invalid Debian package name: ${p}`);
  }
  return [...new Set(pkgs)].sort();
}

export const POLICY_RC_D =
  '#!/bin/sh\n# faultline: never start services while installing packages\nexit 101\n';

/** Dockerfile for the node image; the context holds `debian.sources` and `policy-rc.d`. */
export function dockerfile(
  base: string,
  packages: readonly string[],
  labels: Record<string, string>,
  /** Context folders copied to the same absolute path after the packages (the nemeses' helpers). */
  copies: readonly string[] = [],
): string {
  const pkgs = [...BASE_PACKAGES, ...checkPackages(packages)].join(' ');
  const lbl = Object.entries(labels)
    .map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`)
    .join(' ');
  return [
    `FROM ${base}`,
    'ARG DEBIAN_FRONTEND=noninteractive',
    'COPY debian.sources /etc/apt/sources.list.d/debian.sources',
    'COPY policy-rc.d /usr/sbin/policy-rc.d',
    'RUN chmod 755 /usr/sbin/policy-rc.d && rm -f /etc/apt/sources.list \\',
    ' && apt-get update -q \\',
    ` && apt-get install -y -q --no-install-recommends ${pkgs} \\`,
    ' && apt-get clean && rm -rf /var/lib/apt/lists/*',
    // After the packages: a changed helper reuses the cached apt layer.
    ...copies.map((c) => `COPY ${c} /${c}`),
    `LABEL ${lbl}`,
    'ENTRYPOINT ["/usr/bin/tini", "--"]',
    'CMD ["sleep", "infinity"]',
    '',
  ].join('\n');
}

/** Runs a host command; rejects with its last stderr line. Killed when `signal` aborts. */
function runHost(argv: string[], signal?: AbortSignal, onLine?: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const [cmd, ...args] = argv;
    // Its own process group, so an abort stops debootstrap's dpkg/chroot children too, not just the script.
    const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stop = () => {
      for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
        setTimeout(
          () => {
            try {
              // The whole group: the script may be gone while its dpkg children still run.
              if (child.pid) process.kill(-child.pid, sig);
            } catch {
              // Group already gone.
            }
          },
          sig === 'SIGTERM' ? 0 : 3000,
        ).unref();
      }
    };
    signal?.addEventListener('abort', stop, { once: true });
    child.on('close', () => signal?.removeEventListener('abort', stop));
    let last = '';
    const onData = (b: Buffer) => {
      for (const l of b.toString().split('\n')) {
        if (l.trim()) {
          last = l.trim();
          onLine?.(last);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) =>
      reject(
        (err as { code?: string }).code === 'ENOENT'
          ? new Error(`${cmd} not found: apt-get install -y ${cmd}`)
          : err,
      ),
    );
    child.on('close', (code, sig) => {
      if (code === 0) resolve();
      else if (signal?.aborted) reject(new Error(`${cmd} interrupted`));
      else reject(new Error(`${argv.slice(0, 3).join(' ')} failed (${sig ?? code}): ${last}`));
    });
  });
}

/**
 * debootstrap a minbase bookworm into a temporary folder and import it over the API as `tag`.
 * The folder is removed whatever happens.
 */
export async function debootstrapBase(
  engine: Engine,
  tag: string,
  labels: Record<string, string>,
  mirrors: Mirrors,
  signal?: AbortSignal,
  onLine?: (l: string) => void,
): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error('debootstrap needs root: run `faultline image build` as root');
  const dir = await mkdtemp(join(tmpdir(), 'faultline-rootfs-'));
  try {
    await runHost(['debootstrap', '--variant=minbase', SUITE, dir, mirrors.main], signal, onLine);
    await writeFile(join(dir, 'etc/apt/sources.list.d/debian.sources'), sourcesFile(mirrors));
    await rm(join(dir, 'etc/apt/sources.list'), { force: true });
    await mkdir(join(dir, 'usr/sbin'), { recursive: true });
    await writeFile(join(dir, 'usr/sbin/policy-rc.d'), POLICY_RC_D, { mode: 0o755 });
    // GNU tar keeps hard links, devices and ownership exactly; its stream goes straight into the API.
    const tar = spawn('tar', ['--numeric-owner', '-C', dir, '-c', '.'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      ...(signal ? { signal } : {}),
    });
    const tarDone = new Promise<void>((resolve, reject) => {
      tar.on('error', reject);
      tar.on('close', (c) => (c === 0 ? resolve() : reject(new Error(`tar of the rootfs failed (${c})`))));
    });
    const [repo, version] = splitTag(tag);
    const changes = Object.entries(labels).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
    const stream = await engine.docker.importImage(tar.stdout, {
      repo,
      tag: version,
      changes,
      ...(signal ? { abortSignal: signal } : {}),
    } as object);
    await followProgress(engine, stream);
    await tarDone;
  } finally {
    // An interrupted debootstrap leaves proc/sys mounted inside the target: unmount before deleting.
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Lazily unmounts everything mounted below `dir` (deepest first). */
async function unmountUnder(dir: string): Promise<void> {
  let mounts: string[] = [];
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
      .filter((m) => m.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
  } catch {
    return;
  }
  for (const m of mounts) await runHost(['umount', '-l', m]).catch(() => undefined);
}

export function splitTag(ref: string): [repo: string, tag: string] {
  const i = ref.lastIndexOf(':');
  return i > ref.lastIndexOf('/') ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, 'latest'];
}

/** Waits for an engine progress stream (pull, import, build) to end; rejects on an error message in it. */
export function followProgress(
  engine: Engine,
  stream: NodeJS.ReadableStream,
  onLine?: (l: string) => void,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    engine.docker.modem.followProgress(
      stream,
      (err: Error | null, out: unknown[]) => {
        if (err) return reject(err);
        const bad = out.find((o) => (o as { error?: string }).error) as { error?: string } | undefined;
        return bad ? reject(new Error(bad.error)) : resolve(out);
      },
      (ev: { stream?: string; status?: string; error?: string }) => {
        const l = (ev.stream ?? ev.status ?? '').trim();
        if (l) onLine?.(l);
      },
    );
  });
}
