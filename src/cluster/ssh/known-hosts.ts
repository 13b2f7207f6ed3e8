/**
 * Host-key checking as OpenSSH does it against `known_hosts` (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
 * lines `[marker] patterns keytype base64key [comment]`; patterns are comma lists of host names, `[host]:port`
 * for a port other than 22, `*`/`?` wildcards and `!` negations, or one hashed entry `|1|salt|hmac`
 * (HMAC-SHA1 keyed with the salt over the `host` / `[host]:port` text). `@cert-authority` lines are
 * skipped (faultline does not check host certificates); `@revoked` keys are refused.
 *
 * Pure logic, no I/O: the caller reads the file and gets the presented key from the SSH handshake.
 */
import { createHash, createHmac } from 'node:crypto';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  /** 1-based line number in the file (for "remove line N"). */
  line: number;
  /** `@revoked` when the key is revoked; plain entries have none. */
  marker?: 'revoked';
  /** The patterns field as written (comma list, or one `|1|…` hash). */
  patterns: string;
  /** Key type as written (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, …). */
  keyType: string;
  /** The key blob (SSH wire format, as the server presents it). */
  key: Buffer;
}

/** Reads known_hosts text; malformed and `@cert-authority` lines are skipped as OpenSSH skips them. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, k) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: 'revoked' | undefined;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m !== '@revoked') return; // @cert-authority (or unknown): not a plain host key.
      marker = 'revoked';
    }
    const [patterns, keyType, b64] = fields;
    if (!patterns || !keyType || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0) return;
    out.push({ line: k + 1, ...(marker ? { marker } : {}), patterns, keyType, key });
  });
  return out;
}

/** How a host is written in known_hosts: `host` for port 22, else `[host]:port`. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's fingerprint of a key blob: `SHA256:` and the base64 digest without `=` padding. */
export function fingerprint(key: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a key blob (its first SSH string), e.g. `ssh-ed25519`; '' when unreadable. */
export function keyTypeOf(key: Uint8Array): string {
  const b = Buffer.from(key);
  if (b.length < 4) return '';
  const n = b.readUInt32BE(0);
  return n > 0 && n <= 64 && b.length >= 4 + n ? b.subarray(4, 4 + n).toString('latin1') : '';
}

/** A hashed pattern (`|1|salt|hmac`) for `name`: what `ssh-keygen -H` writes (for tests and tools). */
export function hashHostName(name: string, salt: Buffer): string {
  const mac = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${mac}`;
}

/** Glob match of OpenSSH patterns: `*` any run, `?` one character; case-insensitive. */
function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** Does the entry's patterns field name this host (`name` as from hostKeyName)? */
export function entryMatches(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, mac] = patterns.split('|');
    if (!salt || !mac) return false;
    return hashHostName(name, Buffer.from(salt, 'base64')) === patterns;
  }
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false; // A matching negation overrides everything.
    } else if (globMatch(p, name)) matched = true;
  }
  return matched;
}

/** The outcome of checking a presented key. */
export type HostKeyCheck =
  | { kind: 'match'; line: number }
  | { kind: 'unknown'; knownTypes: string[] }
  | { kind: 'changed'; lines: number[]; knownFingerprints: string[] }
  | { kind: 'revoked'; line: number };

/**
 * Checks the key a host presented against the entries for `host`:`port` (also under each alias in
 * `aliases`, e.g. the resolved address). `match` when an entry holds the key; `revoked` when a
 * `@revoked` entry does; `changed` when the host has entries of the same key type but none holds it;
 * `unknown` otherwise (`knownTypes`: other key types known for it).
 */
export function checkHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  key: Uint8Array,
  aliases: readonly string[] = [],
): HostKeyCheck {
  const names = [host, ...aliases].map((h) => hostKeyName(h, port));
  const presented = Buffer.from(key);
  const type = keyTypeOf(presented);
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(presented));
  if (revoked) return { kind: 'revoked', line: revoked.line };
  const mine = entries.filter((e) => !e.marker && names.some((n) => entryMatches(e.patterns, n)));
  const hit = mine.find((e) => e.key.equals(presented));
  if (hit) return { kind: 'match', line: hit.line };
  const sameType = mine.filter((e) => keyTypeOf(e.key) === type || e.keyType === type);
  if (sameType.length > 0)
    return {
      kind: 'changed',
      lines: sameType.map((e) => e.line),
      knownFingerprints: sameType.map((e) => fingerprint(e.key)),
    };
  return { kind: 'unknown', knownTypes: [...new Set(mine.map((e) => e.keyType))] };
}

/** Key types known for the host, for ordering the handshake's host-key algorithms as OpenSSH does. */
export function knownKeyTypes(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  aliases: readonly string[] = [],
): string[] {
  const names = [host, ...aliases].map((h) => hostKeyName(h, port));
  const types = entries
    .filter((e) => !e.marker && names.some((n) => entryMatches(e.patterns, n)))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/**
 * The one-line refusal for a failed check (undefined for a match): names the host, shows the fingerprint
 * it presented, and says how to fix it. `file` is the known_hosts path as shown to the user;
 * `fileMissing` says it does not exist (an unknown host is then told so, not "not in FILE").
 */
export function hostKeyRefusal(
  check: HostKeyCheck,
  host: { name: string; host: string; port: number },
  key: Uint8Array,
  file: string,
  fileMissing = false,
): string | undefined {
  const at = `${host.name} (${host.host}:${host.port})`;
  const shown = `${keyTypeOf(key) || 'key'} ${fingerprint(key)}`;
  const keyName = hostKeyName(host.host, host.port);
  switch (check.kind) {
    case 'match':
      return undefined;
    case 'revoked':
      return `host key of ${at} is revoked in ${file}:${check.line} (${shown}); refusing to connect`;
    case 'changed':
      return (
        `HOST KEY CHANGED for ${at}: it presented ${shown}, but ${file}:${check.lines.join(',')} holds ` +
        `${check.knownFingerprints.join(', ')}; if the host was reinstalled, remove the stale entry ` +
        `(ssh-keygen -R '${keyName}' -f ${file}), otherwise someone may be intercepting the connection`
      );
    case 'unknown': {
      if (fileMissing)
        return (
          `${host.name}: host key not checked: known_hosts file ${file} does not exist; create it with the ` +
          `hosts' keys (\`ssh-keyscan -p ${host.port} <host>… >> ${file}\`), give another with --known-hosts, ` +
          `or pass --no-strict-host-key-checking`
        );
      const also = check.knownTypes.length ? ` (${file} has only ${check.knownTypes.join(', ')} for it)` : '';
      return (
        `host ${at} is not in ${file}${also}: it presented ${shown}; if that is its key, add it with ` +
        `\`ssh-keyscan -p ${host.port} ${host.host} >> ${file}\` (or pass --no-strict-host-key-checking)`
      );
    }
  }
}
