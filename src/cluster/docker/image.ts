/**
 * Node images. A tag encodes every input (flavour, packages, recipe version, host packages for hostroot),
 * so a stale image is never reused: changed inputs give a new tag, which is then built.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from '../../util/log.ts';
import { silentLogger } from '../../util/log.ts';
import { nodeHelpers } from '../node-helpers/index.ts';
import { withBuildLock } from './build-lock.ts';
import {
  checkPackages,
  debootstrapBase,
  dockerfile,
  followProgress,
  hostMirrors,
  type Mirrors,
  POLICY_RC_D,
  SUITE,
  sourcesFile,
  splitTag,
} from './debian.ts';
import { type Engine, engineErrorMessage, isNotFound } from './engine.ts';
import { hostrootEntries } from './hostroot.ts';
import { LABEL_ALL, LABEL_IMAGE } from './labels.ts';
import { packTar, type TarEntry } from './tar.ts';

/** The nemeses' node-side helpers (/opt/faultline: clock shim, delayer), compiled on this host. */
function helperEntries(): TarEntry[] {
  const h = nodeHelpers();
  if (h.files.length === 0) return [];
  return [
    { name: 'opt/faultline', type: 'directory', mode: 0o755 },
    ...h.files.map((f): TarEntry => ({ name: f.name, type: 'file', data: f.data, mode: f.mode })),
  ];
}

export type Flavour = 'hostroot' | 'debian';
export const FLAVOURS: readonly Flavour[] = ['hostroot', 'debian'];

/** Bump when the way images are made changes, so old images stop matching. */
export const RECIPE_VERSION = '1';
export const IMAGE_REPO = 'faultline/node';
export const BASE_REPO = 'faultline/base';
export const SLIM_BASE = `debian:${SUITE}-slim`;

/** What a node needs to run an image: extra binds and how its container is started. */
export interface NodeRuntime {
  image: string;
  binds: string[];
  /** Entrypoint keeping the node alive under tini; system processes are started later through exec. */
  entrypoint: string[];
  /** Ask the engine for its own init (images without tini, i.e. user-named ones). */
  init: boolean;
}

export interface ImageOptions {
  flavour?: Flavour;
  /** Debian packages: installed in the image (debian), or required on the host (hostroot). */
  packages?: readonly string[];
  /** Rebuild even when an image with the tag exists. */
  force?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  /** Build output lines (debootstrap, apt-get), for a progress display. */
  onLine?: (line: string) => void;
  /** Override the apt mirrors (default: the host's /etc/apt/sources.list.d/debian.sources). */
  mirrors?: Mirrors;
  /** Seconds to wait for a registry before falling back to debootstrap. */
  pullTimeoutS?: number;
}

export interface BaseOptions extends ImageOptions {
  /** Only look (local images, registry): never debootstrap; null when there is no base. */
  noBuild?: boolean;
}

export interface ImageResult extends NodeRuntime {
  flavour: Flavour | 'custom';
  /** False when a cached image was used. */
  built: boolean;
  ms: number;
}

/** sha256 over length-prefixed parts, so ["ab","c"] and ["a","bc"] differ; 16 hex chars. */
export function hashInputs(parts: ReadonlyArray<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p) : p;
    h.update(`${b.length}:`);
    h.update(b);
  }
  return h.digest('hex').slice(0, 16);
}

export function imageTag(flavour: Flavour, hash: string): string {
  return `${IMAGE_REPO}:${flavour}-${hash}`;
}

const TINI_SLEEP = ['/usr/bin/tini', '--', '/usr/bin/sleep', 'infinity'];

export function runtimeFor(flavour: Flavour | 'custom', image: string): NodeRuntime {
  if (flavour === 'hostroot') return { image, binds: ['/usr:/usr:ro'], entrypoint: TINI_SLEEP, init: false };
  if (flavour === 'debian') return { image, binds: [], entrypoint: TINI_SLEEP, init: false };
  return { image, binds: [], entrypoint: ['sleep', 'infinity'], init: true };
}

/** Installed host packages with versions, from dpkg's status file. */
export function installedPackages(statusText: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const stanza of statusText.split(/\n\n+/)) {
    const name = /^Package: (\S+)/m.exec(stanza)?.[1];
    const status = /^Status: (.+)$/m.exec(stanza)?.[1] ?? '';
    const version = /^Version: (\S+)/m.exec(stanza)?.[1] ?? '';
    if (name && status.endsWith(' installed')) out.set(name, version);
  }
  return out;
}

const DPKG_STATUS = '/var/lib/dpkg/status';

/** Tag and archive of the hostroot image for this host (cheap: reads /etc and dpkg's status). */
export async function hostrootPlan(
  packages: readonly string[] = [],
): Promise<{ tag: string; archive: Buffer }> {
  if (!existsSync('/usr/bin/tini')) {
    throw new Error(
      "hostroot nodes run the host's /usr/bin/tini, which is missing (fix: apt-get install -y tini)",
    );
  }
  const archive = await packTar([...hostrootEntries('/etc', existsSync('/lib64')), ...helperEntries()]);
  const status = existsSync(DPKG_STATUS) ? readFileSync(DPKG_STATUS, 'utf8') : '';
  const installed = installedPackages(status);
  const pkgs = checkPackages(packages);
  const missing = pkgs.filter((p) => !installed.has(p.split('=')[0] as string));
  if (missing.length > 0) {
    throw new Error(
      `hostroot nodes use the host's /usr, but these packages are not installed on the host: ${missing.join(' ')} ` +
        `(fix: apt-get install -y ${missing.join(' ')}, or use --flavour debian)`,
    );
  }
  // Host package versions: /usr is live-mounted, so an upgrade on the host must give a new image.
  const versions = [...installed].map(([n, v]) => `${n}=${v}`).join('\n');
  const tag = imageTag(
    'hostroot',
    hashInputs([RECIPE_VERSION, 'hostroot', pkgs.join(','), versions, nodeHelpers().hash, archive]),
  );
  return { tag, archive };
}

export async function imageExists(engine: Engine, ref: string): Promise<string | null> {
  try {
    const info = await engine.docker.getImage(ref).inspect();
    return info.Id;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

const imageLabels = (flavour: string) => ({ [LABEL_ALL]: '1', [LABEL_IMAGE]: flavour });

async function buildHostroot(engine: Engine, opts: ImageOptions): Promise<{ tag: string; built: boolean }> {
  const { tag, archive } = await hostrootPlan(opts.packages);
  const old = await imageExists(engine, tag);
  if (!opts.force && old) return { tag, built: false };
  const [repo, version] = splitTag(tag);
  const changes = Object.entries(imageLabels('hostroot')).map(
    ([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`,
  );
  const stream = await engine.docker.importImage(
    archive as unknown as NodeJS.ReadableStream,
    {
      repo,
      tag: version,
      changes,
      ...(opts.signal ? { abortSignal: opts.signal } : {}),
    } as object,
  );
  await followProgress(engine, stream, opts.onLine);
  await dropReplaced(engine, tag, old);
  return { tag, built: true };
}

/** After a forced rebuild, the image the tag used to name is dangling: remove it unless something still uses it. */
async function dropReplaced(engine: Engine, tag: string, oldId: string | null): Promise<void> {
  if (!oldId) return;
  const now = await imageExists(engine, tag);
  if (now && now !== oldId)
    await engine.docker
      .getImage(oldId)
      .remove()
      .catch(() => undefined);
}

/** Pulls `ref` unless no registry answers within the timeout; true when the image is now present. */
async function tryPull(
  engine: Engine,
  ref: string,
  timeoutS: number,
  log: Logger,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = AbortSignal.timeout(timeoutS * 1000);
  const abortSignal = signal ? AbortSignal.any([signal, deadline]) : deadline;
  try {
    const stream = await engine.docker.pull(ref, { abortSignal });
    await followProgress(engine, stream);
    return true;
  } catch (err) {
    signal?.throwIfAborted();
    log.info(
      `no registry for ${ref} (${engineErrorMessage(err, engine.endpoint)}); falling back to debootstrap`,
    );
    return false;
  }
}

/** The bookworm base image: cached debootstrap, local slim, pulled slim, or a new debootstrap (~30 s). */
export async function ensureDebianBase(
  engine: Engine,
  opts: BaseOptions & { noBuild: true },
): Promise<string | null>;
export async function ensureDebianBase(engine: Engine, opts: BaseOptions): Promise<string>;
export async function ensureDebianBase(engine: Engine, opts: BaseOptions): Promise<string | null> {
  const log = opts.logger ?? silentLogger;
  const mirrors = opts.mirrors ?? hostMirrors();
  const baseTag = `${BASE_REPO}:${SUITE}-minbase-${hashInputs([RECIPE_VERSION, mirrors.main, mirrors.security])}`;
  if (await imageExists(engine, baseTag)) return baseTag;
  if (await imageExists(engine, SLIM_BASE)) return SLIM_BASE;
  if (await tryPull(engine, SLIM_BASE, opts.pullTimeoutS ?? 10, log, opts.signal)) return SLIM_BASE;
  if (opts.noBuild) return null;
  return withBuildLock(
    baseTag,
    async () => {
      // Built by the process we waited for.
      if (await imageExists(engine, baseTag)) return baseTag;
      log.info(`debootstrap ${SUITE} from ${mirrors.main} (takes a minute or so)`);
      await debootstrapBase(engine, baseTag, imageLabels('base'), mirrors, opts.signal, opts.onLine);
      return baseTag;
    },
    {
      ...(opts.signal ? { signal: opts.signal } : {}),
      onWait: () => log.info(`waiting for another process building ${baseTag}`),
    },
  );
}

/** The node image's tag on top of `base` (its id is an input: a new base means a new image). */
export async function debianTag(
  engine: Engine,
  base: string,
  packages: readonly string[],
  mirrors: Mirrors,
): Promise<string> {
  const baseId = (await imageExists(engine, base)) ?? base;
  const pkgs = checkPackages(packages).join(',');
  return imageTag(
    'debian',
    hashInputs([RECIPE_VERSION, 'debian', pkgs, mirrors.main, mirrors.security, baseId, nodeHelpers().hash]),
  );
}

async function buildDebian(engine: Engine, opts: ImageOptions): Promise<{ tag: string; built: boolean }> {
  const mirrors = opts.mirrors ?? hostMirrors();
  const pkgs = checkPackages(opts.packages ?? []);
  const base = await ensureDebianBase(engine, { ...opts, mirrors });
  const tag = await debianTag(engine, base, pkgs, mirrors);
  if (!opts.force && (await imageExists(engine, tag))) return { tag, built: false };
  // Another process may be building the same image: wait for it, then use its result.
  return withBuildLock(
    tag,
    async () => {
      const old = await imageExists(engine, tag);
      if (!opts.force && old) return { tag, built: false };
      return buildDebianImage(engine, opts, base, tag, pkgs, mirrors, old);
    },
    {
      ...(opts.signal ? { signal: opts.signal } : {}),
      onWait: () => (opts.logger ?? silentLogger).info(`waiting for another process building ${tag}`),
    },
  );
}

async function buildDebianImage(
  engine: Engine,
  opts: ImageOptions,
  base: string,
  tag: string,
  pkgs: string[],
  mirrors: Mirrors,
  /** The id of the image this build replaces, if any. */
  old: string | null,
): Promise<{ tag: string; built: boolean }> {
  const helpers = helperEntries();
  const context = await packTar([
    {
      name: 'Dockerfile',
      type: 'file',
      data: dockerfile(base, pkgs, imageLabels('debian'), helpers.length ? ['opt/faultline'] : []),
    },
    ...helpers,
    { name: 'debian.sources', type: 'file', data: sourcesFile(mirrors) },
    { name: 'policy-rc.d', type: 'file', data: POLICY_RC_D, mode: 0o755 },
  ]);
  const stream = await engine.docker.buildImage(
    context as unknown as NodeJS.ReadableStream,
    {
      t: tag,
      rm: true,
      forcerm: true,
      // --force means a real rebuild (fresh apt-get), not a replay of cached layers.
      nocache: opts.force ?? false,
      ...(opts.signal ? { abortSignal: opts.signal } : {}),
    } as object,
  );
  await followProgress(engine, stream, opts.onLine);
  if (!(await imageExists(engine, tag))) throw new Error(`docker build finished but ${tag} is missing`);
  await dropReplaced(engine, tag, old);
  return { tag, built: true };
}

/** Makes sure the node image exists (building it when needed) and says how to run it. */
export async function ensureImage(engine: Engine, opts: ImageOptions = {}): Promise<ImageResult> {
  const t0 = performance.now();
  const flavour = opts.flavour ?? 'debian';
  const log = opts.logger ?? silentLogger;
  const { tag, built } =
    flavour === 'hostroot' ? await buildHostroot(engine, opts) : await buildDebian(engine, opts);
  const ms = Math.round(performance.now() - t0);
  log.info(`${built ? 'built' : 'using cached'} node image ${tag} (${ms} ms)`);
  return { ...runtimeFor(flavour, tag), flavour, built, ms };
}

/** A user-named image (`--image`): used as is, so it must already exist locally or be pullable. */
export async function customImage(
  engine: Engine,
  ref: string,
  log: Logger = silentLogger,
): Promise<ImageResult> {
  const t0 = performance.now();
  let built = false;
  if (!(await imageExists(engine, ref))) {
    const stream = await engine.docker.pull(ref).catch((err: unknown) => {
      throw new Error(
        `image ${ref} is not present and cannot be pulled: ${engineErrorMessage(err, engine.endpoint)}`,
      );
    });
    await followProgress(engine, stream);
    built = true;
    log.info(`pulled ${ref}`);
  }
  return { ...runtimeFor('custom', ref), flavour: 'custom', built, ms: Math.round(performance.now() - t0) };
}
