import { describe, expect, it } from 'vitest';
import {
  BASE_PACKAGES,
  checkPackages,
  dockerfile,
  parseMirrors,
  sourcesFile,
  splitTag,
} from '../../../src/cluster/docker/debian.ts';
import { hashInputs, imageTag, installedPackages, runtimeFor } from '../../../src/cluster/docker/image.ts';

describe('image tags', () => {
  it('hash every input, unambiguously', () => {
    const h = hashInputs(['1', 'debian', 'etcd-server']);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(hashInputs(['1', 'debian', 'etcd-server'])).toBe(h);
    expect(hashInputs(['1', 'debian', 'etcd-server,redis-server'])).not.toBe(h);
    expect(hashInputs(['2', 'debian', 'etcd-server'])).not.toBe(h);
    // Length-prefixed: moving a boundary changes the hash.
    expect(hashInputs(['ab', 'c'])).not.toBe(hashInputs(['a', 'bc']));
    expect(hashInputs([new Uint8Array([1, 2])])).not.toBe(hashInputs([new Uint8Array([1, 3])]));
  });

  it('name the flavour in the tag', () => {
    expect(imageTag('hostroot', 'abc')).toBe('faultline/node:hostroot-abc');
    expect(splitTag('faultline/node:debian-1')).toEqual(['faultline/node', 'debian-1']);
    expect(splitTag('localhost:5000/x')).toEqual(['localhost:5000/x', 'latest']);
  });

  it('give each flavour its runtime (tini from /usr for hostroot, engine init for user images)', () => {
    expect(runtimeFor('hostroot', 'i').binds).toEqual(['/usr:/usr:ro']);
    expect(runtimeFor('hostroot', 'i').entrypoint[0]).toBe('/usr/bin/tini');
    expect(runtimeFor('debian', 'i').binds).toEqual([]);
    expect(runtimeFor('custom', 'i').init).toBe(true);
  });

  it('read installed host packages from dpkg status', () => {
    const status = [
      'Package: etcd-server\nStatus: install ok installed\nVersion: 3.4.23-4+b4\n',
      'Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n',
    ].join('\n');
    const m = installedPackages(status);
    expect(m.get('etcd-server')).toBe('3.4.23-4+b4');
    expect(m.has('gone')).toBe(false);
  });
});

describe('debian recipe', () => {
  const host = `Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
`;

  it('takes mirrors from the host sources, with defaults', () => {
    expect(parseMirrors(host)).toEqual({
      main: 'http://mirror.example/debian',
      security: 'http://mirror.example/debian-security',
    });
    expect(parseMirrors(null).main).toBe('http://deb.debian.org/debian');
  });

  it('lists release, updates and security sources', () => {
    const s = sourcesFile(parseMirrors(host));
    expect(s).toContain('Suites: bookworm bookworm-updates');
    expect(s).toContain('URIs: http://mirror.example/debian-security\nSuites: bookworm-security');
  });

  it('accepts only Debian package names (they go into a shell RUN line)', () => {
    expect(checkPackages(['redis-server', 'etcd-server', 'libstdc++6', 'redis-server'])).toEqual([
      'etcd-server',
      'libstdc++6',
      'redis-server',
    ]);
    expect(checkPackages(['etcd-server=3.4.23-4+b4'])).toEqual(['etcd-server=3.4.23-4+b4']);
    for (const bad of ['x; rm -rf /', '$(id)', 'a b', '-y', 'Redis'])
      expect(() => checkPackages([bad])).toThrow(/invalid/);
  });

  it('generates a Dockerfile that installs tini, iptables, iproute2 and the packages', () => {
    const d = dockerfile('faultline/base:x', ['etcd-server'], { faultline: '1' });
    expect(d.startsWith('FROM faultline/base:x\n')).toBe(true);
    for (const p of [...BASE_PACKAGES, 'etcd-server']) expect(d).toContain(p);
    expect(d).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(d).toContain('LABEL "faultline"="1"');
    expect(d).toContain('policy-rc.d');
  });
});
