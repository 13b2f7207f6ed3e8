import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  entryMatches,
  fingerprint,
  hashHostName,
  hostKeyRefusal,
  keyTypeOf,
  knownKeyTypes,
  parseKnownHosts,
} from '../../../../src/cluster/ssh/known-hosts.ts';

/** A fresh public key as `type base64` and as the blob a server presents. */
function newKey(type: 'ed25519' | 'ecdsa' = 'ed25519'): { line: string; blob: Buffer } {
  const pair =
    type === 'ed25519'
      ? ssh2.utils.generateKeyPairSync('ed25519')
      : ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 });
  const [t, b64] = pair.public.split(' ');
  return { line: `${t} ${b64}`, blob: Buffer.from(b64!, 'base64') };
}

describe('known_hosts', () => {
  it('computes the same SHA256 fingerprint as ssh-keygen -l', (ctx) => {
    const k = newKey();
    const dir = mkdtempSync(join(tmpdir(), 'fl-kh-'));
    try {
      writeFileSync(join(dir, 'k.pub'), `${k.line} test\n`);
      let out: string;
      try {
        out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')], {
          encoding: 'utf8',
        });
      } catch {
        return ctx.skip(); // No ssh-keygen here.
      }
      expect(out.split(' ')[1]).toBe(fingerprint(k.blob));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(fingerprint(k.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keyTypeOf(k.blob)).toBe('ssh-ed25519');
  });

  it('matches plain names, [host]:port, comma lists, wildcards and negations', () => {
    expect(entryMatches('a,b,c', 'b')).toBe(true);
    expect(entryMatches('[h]:2222', '[h]:2222')).toBe(true);
    expect(entryMatches('h', '[h]:2222')).toBe(false);
    expect(entryMatches('*.example.com', 'db.EXAMPLE.com')).toBe(true);
    expect(entryMatches('10.0.0.?', '10.0.0.7')).toBe(true);
    expect(entryMatches('*.example.com,!bad.example.com', 'bad.example.com')).toBe(false);
    expect(entryMatches('a.b', 'axb')).toBe(false); // '.' is literal.
  });

  it('matches hashed entries made as OpenSSH makes them (HMAC-SHA1 keyed by the salt)', () => {
    const k = newKey();
    const salt = randomBytes(20);
    const entries = parseKnownHosts(`${hashHostName('[10.1.2.3]:2222', salt)} ${k.line}\n`);
    expect(entries[0]?.patterns.startsWith('|1|')).toBe(true);
    expect(checkHostKey(entries, '10.1.2.3', 2222, k.blob)).toEqual({ kind: 'match', line: 1 });
    expect(checkHostKey(entries, '10.1.2.3', 22, k.blob).kind).toBe('unknown');
  });

  it('matches hashed entries written by ssh-keygen -H', (ctx) => {
    const k = newKey();
    const dir = mkdtempSync(join(tmpdir(), 'fl-kh-'));
    try {
      const file = join(dir, 'known_hosts');
      writeFileSync(file, `db1 ${k.line}\n`);
      try {
        execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
      } catch {
        return ctx.skip();
      }
      const text = execFileSync('cat', [file], { encoding: 'utf8' });
      expect(text).not.toContain('db1');
      expect(checkHostKey(parseKnownHosts(text), 'db1', 22, k.blob).kind).toBe('match');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells match, unknown, changed and revoked apart', () => {
    const good = newKey();
    const other = newKey();
    const ec = newKey('ecdsa');
    const text = [
      '# comment',
      `n1,10.0.0.1 ${good.line}`,
      `@cert-authority *.example.com ${other.line}`,
      'garbage line',
      `n2 ${good.line}`,
      `n3 ${ec.line}`,
      `@revoked * ${other.line}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => e.line)).toEqual([2, 5, 6, 7]);
    expect(checkHostKey(entries, 'n1', 22, good.blob)).toEqual({ kind: 'match', line: 2 });
    expect(checkHostKey(entries, 'x', 22, good.blob, ['10.0.0.1'])).toEqual({ kind: 'match', line: 2 });
    expect(checkHostKey(entries, 'n9', 22, good.blob)).toEqual({ kind: 'unknown', knownTypes: [] });
    const changed = checkHostKey(entries, 'n2', 22, newKey().blob);
    expect(changed).toEqual({ kind: 'changed', lines: [5], knownFingerprints: [fingerprint(good.blob)] });
    // Only another key type known: unknown (ssh2 is told to prefer the known type), not changed.
    expect(checkHostKey(entries, 'n3', 22, good.blob)).toEqual({
      kind: 'unknown',
      knownTypes: ['ecdsa-sha2-nistp256'],
    });
    expect(knownKeyTypes(entries, 'n3', 22)).toEqual(['ecdsa-sha2-nistp256']);
    expect(checkHostKey(entries, 'n1', 22, other.blob)).toEqual({ kind: 'revoked', line: 7 });
  });

  it('refuses in one line with the fingerprint and the fix', () => {
    const good = newKey();
    const presented = newKey();
    const host = { name: 'db1', host: '10.0.0.9', port: 2222 };
    const entries = parseKnownHosts(`[10.0.0.9]:2222 ${good.line}\n`);
    const changed = hostKeyRefusal(
      checkHostKey(entries, host.host, host.port, presented.blob),
      host,
      presented.blob,
      '~/.ssh/known_hosts',
    );
    expect(changed).toContain(fingerprint(presented.blob));
    expect(changed).toContain(fingerprint(good.blob));
    expect(changed).toContain("ssh-keygen -R '[10.0.0.9]:2222'");
    expect(changed).toContain('known_hosts:1');
    const unknown = hostKeyRefusal(
      checkHostKey([], host.host, host.port, presented.blob),
      host,
      presented.blob,
      'kh',
    );
    expect(unknown).toMatch(/^host db1 \(10\.0\.0\.9:2222\) is not in kh: it presented ssh-ed25519 SHA256:/);
    expect(unknown).toContain('ssh-keyscan -p 2222 10.0.0.9 >> kh');
    for (const m of [changed, unknown]) expect(m).not.toContain('\n');
    expect(hostKeyRefusal({ kind: 'match', line: 1 }, host, good.blob, 'kh')).toBeUndefined();
  });

  it('says a missing known_hosts file does not exist, rather than that the host is not in it', () => {
    const presented = newKey();
    const host = { name: 'db1', host: '10.0.0.9', port: 2222 };
    const check = checkHostKey([], host.host, host.port, presented.blob);
    const missing = hostKeyRefusal(check, host, presented.blob, '/nowhere/kh', true);
    expect(missing).toMatch(/^db1: host key not checked: known_hosts file \/nowhere\/kh does not exist;/);
    expect(missing).toContain('ssh-keyscan -p 2222');
    expect(missing).toContain('--known-hosts');
    expect(missing).not.toMatch(/is not in/);
    expect(missing).not.toContain('\n');
    // The file's absence says nothing about a key that is known elsewhere: only "unknown" changes.
    const entries = parseKnownHosts(`[10.0.0.9]:2222 ${newKey().line}\n`);
    const changed = checkHostKey(entries, host.host, host.port, presented.blob);
    expect(hostKeyRefusal(changed, host, presented.blob, 'kh', true)).toMatch(/^HOST KEY CHANGED/);
  });
});
