/**
 * Node-side helpers, compiled from C on the faultline host with gcc and put into node images at
 * /opt/faultline: skewtime.so (clock nemesis, LD_PRELOAD) and fl-delay (packet delay via NFQUEUE on
 * kernels without netem). The image tag hashes the sources, so a changed helper gives a new image.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HELPER_DIR = '/opt/faultline';
export const SKEWTIME_SO = `${HELPER_DIR}/skewtime.so`;
export const DELAY_BIN = `${HELPER_DIR}/fl-delay`;

const here = dirname(fileURLToPath(import.meta.url));
const SOURCES = [
  {
    src: join(here, 'skewtime.c'),
    out: 'skewtime.so',
    mode: 0o644,
    flags: ['-O2', '-fPIC', '-shared', '-fno-stack-protector'],
  },
  { src: join(here, 'fl-delay.c'), out: 'fl-delay', mode: 0o755, flags: ['-O2'] },
];

export interface HelperFile {
  /** Path inside the image, without the leading slash (opt/faultline/…). */
  name: string;
  data: Buffer;
  mode: number;
}

export interface Helpers {
  /** Hash of the sources (and compiler flags): part of every image tag. */
  hash: string;
  files: HelperFile[];
  /** Why helpers are missing (no gcc, compile error); empty when all were built. */
  problems: string[];
}

let cached: Helpers | undefined;

/** Compiles the helpers once per source version (cached under the temp folder). Never throws. */
export function nodeHelpers(): Helpers {
  if (cached) return cached;
  const h = createHash('sha256');
  for (const s of SOURCES) h.update(`${s.out}\0${s.flags.join(' ')}\0`).update(readFileSync(s.src));
  const hash = h.digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'faultline-helpers', hash);
  const files: HelperFile[] = [];
  const problems: string[] = [];
  for (const s of SOURCES) {
    const out = join(dir, s.out);
    try {
      if (!existsSync(out)) {
        mkdirSync(dir, { recursive: true });
        const tmp = `${out}.${process.pid}.tmp`;
        execFileSync('gcc', [...s.flags, '-o', tmp, s.src], {
          stdio: ['ignore', 'ignore', 'pipe'],
          timeout: 60_000,
        });
        renameSync(tmp, out); // atomic: parallel builders never see half a file
      }
      files.push({ name: `${HELPER_DIR.slice(1)}/${s.out}`, data: readFileSync(out), mode: s.mode });
    } catch (err) {
      const e = err as { code?: string; stderr?: Buffer; message: string };
      problems.push(
        e.code === 'ENOENT'
          ? `gcc not found, so ${s.out} is not in node images (fix: apt-get install -y gcc libc6-dev, then rebuild the image)`
          : `cannot compile ${s.out}: ${(e.stderr?.toString() || e.message).trim().split('\n')[0]}`,
      );
    }
  }
  cached = { hash, files, problems };
  return cached;
}
