/**
 * The `hostroot` root filesystem: a ~1 MB skeleton whose binaries come from the host's /usr, mounted read-only
 * into each node (see research/docker-sut.md, A3). Only non-secret /etc files are copied.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TarEntry } from './tar.ts';

/** /etc entries copied when present (files or whole folders). Configs of common SUTs are included. */
export const ETC_ALLOW: readonly string[] = [
  'passwd',
  'group',
  'nsswitch.conf',
  'host.conf',
  'gai.conf',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'alternatives',
  'ssl/certs',
  'ssl/openssl.cnf',
  'ca-certificates.conf',
  'localtime',
  'timezone',
  'services',
  'protocols',
  'rpc',
  'ethertypes',
  'os-release',
  'debian_version',
  'profile',
  'bash.bashrc',
  'environment',
  'shells',
  'login.defs',
  'inputrc',
  'mime.types',
  'iproute2',
  'java-17-openjdk',
  'java-21-openjdk',
  'mysql',
  'postgresql',
  'postgresql-common',
  'rabbitmq',
  'zookeeper',
  'redis',
  'nats-server.conf',
  'default/etcd',
];

/** Never copied, whatever the allow-list says. Unreadable-by-others files are skipped too. */
export function isSecretEtcPath(rel: string): boolean {
  const first = rel.split('/')[0] ?? '';
  if (['shadow', 'gshadow', 'shadow-', 'gshadow-', 'ssh', 'sudoers', 'sudoers.d', 'security'].includes(first))
    return true;
  if (rel.startsWith('ssl/private')) return true;
  return /(^|\/)(private|secrets?)(\/|$)|\.key$/.test(rel);
}

/** Service users whose /var/lib/<dir> and /var/log/<dir> get created and owned by them when the user exists. */
const SERVICE_DIRS: ReadonlyArray<[user: string, dir: string]> = [
  ['postgres', 'postgresql'],
  ['redis', 'redis'],
  ['etcd', 'etcd'],
  ['rabbitmq', 'rabbitmq'],
  ['mysql', 'mysql'],
  ['zookeeper', 'zookeeper'],
  ['nats', 'nats'],
];

interface PasswdUser {
  uid: number;
  gid: number;
}

export function parsePasswd(text: string): Map<string, PasswdUser> {
  const users = new Map<string, PasswdUser>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && f[0]) users.set(f[0], { uid: Number(f[2]), gid: Number(f[3]) });
  }
  return users;
}

const MAX_FILE = 4 << 20;

/** Adds etc/<rel> (file, symlink or folder, recursively) to `out`, skipping secrets and private files. */
function addEtc(root: string, rel: string, out: TarEntry[], seen: Set<string>): void {
  if (isSecretEtcPath(rel)) return;
  const abs = join(root, rel);
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(abs);
  } catch {
    return;
  }
  // Parent folders first, so the archive extracts in order (only once each).
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    if (!seen.has(dir)) {
      seen.add(dir);
      out.push({ name: `etc/${dir}`, type: 'directory', mode: 0o755 });
    }
  }
  if (seen.has(rel)) return;
  seen.add(rel);
  const mode = st.mode & 0o7777;
  if (st.isSymbolicLink()) {
    out.push({ name: `etc/${rel}`, type: 'symlink', target: readlinkSync(abs) });
  } else if (st.isDirectory()) {
    out.push({ name: `etc/${rel}`, type: 'directory', mode, uid: st.uid, gid: st.gid });
    for (const name of readdirSync(abs).sort()) addEtc(root, `${rel}/${name}`, out, seen);
  } else if (st.isFile() && (mode & 0o004) !== 0 && st.size <= MAX_FILE) {
    out.push({ name: `etc/${rel}`, type: 'file', mode, uid: st.uid, gid: st.gid, data: readFileSync(abs) });
  }
}

/**
 * Every entry of the hostroot archive, deterministic for a given host /etc (sorted, fixed mtimes).
 * `etcRoot` is a parameter so tests can point it at a fake /etc.
 */
export function hostrootEntries(etcRoot = '/etc', hasLib64 = true): TarEntry[] {
  const out: TarEntry[] = [];
  const dir = (name: string, mode = 0o755, uid = 0, gid = 0) =>
    out.push({ name, type: 'directory', mode, uid, gid });
  // Merged-/usr layout: these resolve into the read-only /usr mount.
  for (const l of ['bin', 'sbin', 'lib', ...(hasLib64 ? ['lib64'] : [])]) {
    out.push({ name: l, type: 'symlink', target: `usr/${l}` });
  }
  for (const d of ['usr', 'etc', 'home', 'opt', 'srv', 'mnt', 'media', 'proc', 'sys', 'dev']) dir(d);
  dir('root', 0o700);
  dir('tmp', 0o1777);
  dir('run', 0o755);
  dir('run/lock', 0o1777);
  for (const d of ['var', 'var/lib', 'var/log', 'var/cache', 'var/spool', 'var/backups']) dir(d);
  dir('var/tmp', 0o1777);
  out.push({ name: 'var/run', type: 'symlink', target: '../run' });
  out.push({ name: 'var/lock', type: 'symlink', target: '../run/lock' });
  let users = new Map<string, PasswdUser>();
  try {
    users = parsePasswd(readFileSync(join(etcRoot, 'passwd'), 'utf8'));
  } catch {
    // No passwd: no service folders to chown.
  }
  for (const [user, d] of SERVICE_DIRS) {
    const u = users.get(user);
    if (!u) continue;
    dir(`var/lib/${d}`, 0o755, u.uid, u.gid);
    dir(`var/log/${d}`, 0o755, u.uid, u.gid);
  }
  const seen = new Set<string>();
  for (const rel of ETC_ALLOW) addEtc(etcRoot, rel, out, seen);
  out.push({ name: 'etc/mtab', type: 'symlink', target: '../proc/self/mounts' });
  return out;
}
