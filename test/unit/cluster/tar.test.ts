import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostrootEntries, isSecretEtcPath, parsePasswd } from '../../../src/cluster/docker/hostroot.ts';
import { Demuxer, showArgv, startFailure } from '../../../src/cluster/docker/remote.ts';
import { packTar, unpackTar } from '../../../src/cluster/docker/tar.ts';

describe('tar in memory', () => {
  it('round-trips files, folders and symlinks byte for byte', async () => {
    const bin = new Uint8Array(256).map((_, i) => i);
    const buf = await packTar([
      { name: 'a', type: 'directory' },
      { name: 'a/bin.dat', type: 'file', data: bin, mode: 0o600 },
      { name: '/a/link', type: 'symlink', target: 'bin.dat' },
    ]);
    const out = await unpackTar(buf);
    expect(out.map((e) => [e.name, e.type])).toEqual([
      ['a', 'directory'],
      ['a/bin.dat', 'file'],
      ['a/link', 'symlink'],
    ]);
    expect(new Uint8Array(out[1]?.data ?? [])).toEqual(bin);
    expect(out[1]?.mode).toBe(0o600);
    expect(out[2]?.target).toBe('bin.dat');
  });

  it('is deterministic (fixed mtimes), so image hashes depend on contents only', async () => {
    const e = [{ name: 'x', type: 'file' as const, data: 'hello' }];
    expect((await packTar(e)).equals(await packTar(e))).toBe(true);
  });
});

describe('hostroot root filesystem', () => {
  it('never includes secrets', () => {
    for (const p of [
      'shadow',
      'gshadow',
      'shadow-',
      'ssh/ssh_host_rsa_key',
      'ssl/private/x.pem',
      'sudoers',
      'a/private/b',
    ]) {
      expect(isSecretEtcPath(p)).toBe(true);
    }
    for (const p of ['passwd', 'group', 'ssl/certs/ca-certificates.crt', 'alternatives/iptables']) {
      expect(isSecretEtcPath(p)).toBe(false);
    }
  });

  it('copies allowed, world-readable /etc files and symlinks; skips private files and secrets', () => {
    const etc = mkdtempSync(join(tmpdir(), 'fl-etc-'));
    writeFileSync(
      join(etc, 'passwd'),
      'root:x:0:0::/root:/bin/sh\nredis:x:101:104::/var/lib/redis:/usr/sbin/nologin\n',
    );
    writeFileSync(join(etc, 'group'), 'root:x:0:\n');
    writeFileSync(join(etc, 'shadow'), 'root:secret', { mode: 0o640 });
    mkdirSync(join(etc, 'alternatives'));
    symlinkSync('/usr/sbin/iptables-nft', join(etc, 'alternatives/iptables'));
    mkdirSync(join(etc, 'redis'));
    writeFileSync(join(etc, 'redis/redis.conf'), 'requirepass x', { mode: 0o640 });
    writeFileSync(join(etc, 'redis/public.conf'), 'port 6379', { mode: 0o644 });
    mkdirSync(join(etc, 'ssl/private'), { recursive: true });
    mkdirSync(join(etc, 'ssl/certs'));
    writeFileSync(join(etc, 'ssl/private/key.pem'), 'KEY', { mode: 0o644 });
    writeFileSync(join(etc, 'ssl/certs/ca.pem'), 'CERT');
    const entries = hostrootEntries(etc);
    const names = entries.map((e) => e.name);
    expect(names).toContain('etc/passwd');
    expect(names).toContain('etc/redis/public.conf');
    expect(names).toContain('etc/ssl/certs/ca.pem');
    expect(names).not.toContain('etc/shadow');
    expect(names).not.toContain('etc/redis/redis.conf');
    expect(names.some((n) => n.includes('private'))).toBe(false);
    expect(entries.find((e) => e.name === 'etc/alternatives/iptables')?.target).toBe(
      '/usr/sbin/iptables-nft',
    );
    expect(entries.find((e) => e.name === 'bin')).toMatchObject({ type: 'symlink', target: 'usr/bin' });
    expect(entries.find((e) => e.name === 'tmp')?.mode).toBe(0o1777);
    // Service folders exist and belong to their users when the user exists.
    expect(entries.find((e) => e.name === 'var/lib/redis')).toMatchObject({ uid: 101, gid: 104 });
    expect(names).not.toContain('var/lib/postgresql');
    // Parents come before children, each once.
    expect(names.indexOf('etc/ssl')).toBeLessThan(names.indexOf('etc/ssl/certs/ca.pem'));
    expect(new Set(names).size).toBe(names.length);
  });

  it('parses passwd', () => {
    expect(parsePasswd('etcd:x:105:108::/var/lib/etcd:/bin/false\n').get('etcd')).toEqual({
      uid: 105,
      gid: 108,
    });
  });
});

describe('exec plumbing', () => {
  const frame = (kind: number, s: string) => {
    const h = Buffer.alloc(8);
    h[0] = kind;
    h.writeUInt32BE(Buffer.byteLength(s), 4);
    return Buffer.concat([h, Buffer.from(s)]);
  };

  it('demultiplexes stdout and stderr across arbitrary chunk boundaries', () => {
    const all = Buffer.concat([frame(1, 'out1 '), frame(2, 'err'), frame(1, 'out2')]);
    for (const cut of [1, 3, 8, 9, 13, 20, all.length - 1]) {
      const d = new Demuxer();
      d.push(all.subarray(0, cut));
      d.push(all.subarray(cut));
      expect(Buffer.concat(d.stdout).toString()).toBe('out1 out2');
      expect(Buffer.concat(d.stderr).toString()).toBe('err');
    }
  });

  it('shows argv shell-quoted in messages', () => {
    expect(showArgv(['echo', 'a b', "it's", '$(x)'])).toBe(`echo 'a b' 'it'\\''s' '$(x)'`);
  });

  it('reports a command that cannot start like a shell would (127 not found, message on stderr)', () => {
    const oci = (what: string) => ({
      exitCode: 126,
      stdout: `OCI runtime exec failed: exec failed: unable to start container process: ${what}: unknown\r\n`,
      stderr: '',
      timedOut: false,
    });
    expect(startFailure(oci('exec: "nosuch": executable file not found in $PATH'))).toMatchObject({
      exitCode: 127,
      stdout: '',
    });
    const dir = startFailure(oci('exec: "/tmp": permission denied'));
    expect(dir.exitCode).toBe(126);
    expect(dir.stderr).toMatch(/permission denied: unknown\n$/);
    // A command that itself exits 126 is left alone.
    const own = { exitCode: 126, stdout: 'mine', stderr: '', timedOut: false };
    expect(startFailure(own)).toBe(own);
  });
});
