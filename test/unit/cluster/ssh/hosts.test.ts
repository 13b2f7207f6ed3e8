import { describe, expect, it } from 'vitest';
import { isDebianLike, parseOsRelease } from '../../../../src/cluster/ssh/cluster.ts';
import {
  combineHostFailures,
  parseHost,
  parseNodesFile,
  parseNodesList,
} from '../../../../src/cluster/ssh/hosts.ts';
import { UserError } from '../../../../src/core/errors.ts';

describe('SSH host entries', () => {
  it('parses [user@]host[:port] with defaults', () => {
    expect(parseHost('n1')).toEqual({ name: 'n1', host: 'n1', port: 22, username: 'root' });
    expect(parseHost('admin@db-1.example.com:2222')).toEqual({
      name: 'db-1.example.com',
      host: 'db-1.example.com',
      port: 2222,
      username: 'admin',
    });
    expect(parseHost('10.0.0.5', { port: 2200, username: 'ops' })).toEqual({
      name: '10.0.0.5',
      host: '10.0.0.5',
      port: 2200,
      username: 'ops',
    });
  });

  it('takes IPv6 bare or in brackets', () => {
    expect(parseHost('fd00::1')).toMatchObject({ host: 'fd00::1', port: 22 });
    expect(parseHost('u@[fd00::1]:2022')).toMatchObject({ host: 'fd00::1', port: 2022, username: 'u' });
    expect(parseHost('[::1]')).toMatchObject({ host: '::1', port: 22 });
  });

  it('refuses bad entries in one line naming where they came from', () => {
    const bad = [
      '',
      'host:0',
      'host:99999',
      'host:x',
      'bad host',
      '[fd00::1',
      '[::1]x',
      'b@d@host',
      'ho_st',
      '-x',
    ];
    for (const b of bad) {
      const e = (() => {
        try {
          parseHost(b, {}, 'f.txt:3');
        } catch (err) {
          return err as Error;
        }
      })();
      expect(e, b).toBeInstanceOf(UserError);
      expect(e?.message, b).toMatch(/^f\.txt:3: /);
      expect(e?.message, b).not.toContain('\n');
    }
  });

  it('reads a nodes file: comments, blank lines, CRLF; errors name file:line', () => {
    const text = '# fleet\n\nn1\r\nroot@n2:2222  # second\n  admin@[fd00::3]:22\n';
    expect(parseNodesFile(text, 'hosts.txt').map((h) => `${h.username}@${h.host}:${h.port}`)).toEqual([
      'root@n1:22',
      'root@n2:2222',
      'admin@fd00::3:22',
    ]);
    expect(() => parseNodesFile('n1\nn2 n3\n', 'hosts.txt')).toThrow(/^hosts\.txt:2: .*one host a line/);
    expect(() => parseNodesFile('n1\n\nn1:2222\n', 'hosts.txt')).toThrow(
      /^hosts\.txt:3: host n1 is already given at hosts\.txt:1/,
    );
    expect(() => parseNodesFile('# nothing\n', 'hosts.txt')).toThrow(/hosts\.txt: no hosts/);
  });

  it('reads --nodes lists, comma-separated or repeated', () => {
    expect(parseNodesList(['a,b', 'c']).map((h) => h.name)).toEqual(['a', 'b', 'c']);
    expect(() => parseNodesList(['a,b,a'])).toThrow(
      /--nodes entry 3: host a is already given at --nodes entry 1/,
    );
  });
});

describe('host OS check', () => {
  it('reads /etc/os-release and accepts Debian, Ubuntu and their derivatives only', () => {
    const deb = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
    expect(deb).toMatchObject({
      ID: 'debian',
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
      VERSION_ID: '12',
    });
    expect(isDebianLike(deb)).toBe(true);
    expect(isDebianLike(parseOsRelease('ID=ubuntu\nID_LIKE=debian\n'))).toBe(true);
    expect(isDebianLike(parseOsRelease('ID=linuxmint\nID_LIKE="ubuntu debian"\n'))).toBe(true);
    expect(isDebianLike(parseOsRelease('ID=fedora\n'))).toBe(false);
    expect(isDebianLike(parseOsRelease('ID="rocky"\nID_LIKE="rhel centos fedora"\n'))).toBe(false);
    expect(isDebianLike(parseOsRelease(''))).toBe(false);
  });

  it('says an error every host shares once, with the host list', () => {
    const key = 'private key /k cannot be used: bad';
    expect(
      combineHostFailures([
        { host: 'n1', message: key },
        { host: 'n2', message: key },
        { host: 'n3', message: key },
      ]),
    ).toBe(`hosts n1, n2, n3: ${key}`);
    // A leading "<host>: " names the host; the rest is compared.
    const missing = (h: string) => `${h}: host key not checked: known_hosts file kh does not exist`;
    expect(
      combineHostFailures([
        { host: 'n1', message: missing('n1') },
        { host: 'n2', message: 'n2: authentication as root failed' },
        { host: 'n3', message: missing('n3') },
      ]),
    ).toBe(
      'hosts n1, n3: host key not checked: known_hosts file kh does not exist; n2: authentication as root failed',
    );
    // One host's message stays as it was: it names the host already.
    expect(combineHostFailures([{ host: 'n1', message: 'n1: no route to host' }])).toBe(
      'n1: no route to host',
    );
    expect(combineHostFailures([])).toBe('');
  });
});
