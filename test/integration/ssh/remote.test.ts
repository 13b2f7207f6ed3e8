/**
 * The SSH backend against real OpenSSH sshd hosts (Debian containers, see hosts.ts): commands, stdin,
 * timeouts, files, sudo, reconnects, host-key checking, authentication failures, agent auth, and a
 * provision/collect/destroy cycle that leaves nothing behind.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../../src/cluster/docker/engine.ts';
import { nodeHelpers } from '../../../src/cluster/node-helpers/index.ts';
import { SshCluster } from '../../../src/cluster/ssh/cluster.ts';
import { SshConnection } from '../../../src/cluster/ssh/connection.ts';
import { parseKnownHosts } from '../../../src/cluster/ssh/known-hosts.ts';
import { SshRemote } from '../../../src/cluster/ssh/remote.ts';
import type { SshAuth, SshHost } from '../../../src/cluster/ssh/types.ts';
import { requireDocker } from '../engine.ts';
import { ed25519KeyPair, hostKeyLines, type SshHosts, startSshHosts } from './hosts.ts';

/** Stops a container (the host "powers off"). */
async function engineStop(id: string): Promise<void> {
  await connectEngine().docker.getContainer(id).stop({ t: 0 });
}

const hasDocker = await requireDocker();

describe.skipIf(!hasDocker)('SSH remote against real sshd hosts', () => {
  let h: SshHosts;
  const opened: SshConnection[] = [];
  let scratch: string;

  beforeAll(async () => {
    h = await startSshHosts({ count: 2 });
    scratch = await mkdtemp(join(tmpdir(), 'faultline-ssh-test-'));
  });
  afterAll(async () => {
    for (const c of opened) c.close();
    await h?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** A connection to host i with the fixture's key, strict against the fixture's known_hosts. */
  function connection(
    i: number,
    over: {
      host?: Partial<SshHost>;
      auth?: SshAuth;
      knownHosts?: string;
      strict?: boolean;
      keepaliveIntervalMs?: number;
      connectTimeoutMs?: number;
    } = {},
  ): SshConnection {
    const file = over.knownHosts ?? h.knownHostsPath;
    const c = new SshConnection({
      host: { ...h.hosts[i]!, ...over.host },
      auth: over.auth ?? { privateKeyPath: h.keyPath },
      hostKeys: { strict: over.strict ?? true, entries: parseKnownHosts(readFileSync(file, 'utf8')), file },
      connectTimeoutMs: over.connectTimeoutMs ?? 10_000,
      ...(over.keepaliveIntervalMs ? { keepaliveIntervalMs: over.keepaliveIntervalMs } : {}),
    });
    opened.push(c);
    return c;
  }
  function remote(
    i: number,
    extra: { sudo?: boolean; sudoPassword?: string; user?: string } = {},
  ): SshRemote {
    const conn = connection(i, extra.user ? { host: { username: extra.user } } : {});
    return new SshRemote({
      name: h.hosts[i]!.name,
      ip: h.hosts[i]!.host,
      connection: conn,
      ...(extra.sudo ? { sudo: true } : {}),
      ...(extra.sudoPassword !== undefined ? { sudoPassword: extra.sudoPassword } : {}),
    });
  }

  const NASTY = [
    'a b',
    "it's",
    '"double"',
    '$(touch /tmp/pwned-subst)',
    '`touch /tmp/pwned-backtick`',
    'line1\nline2\n',
    'ünïcødé ☃ 日本',
    '',
    '*',
    '-n',
    '\\',
    ";|&<>(){}!#~'",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell expansion text, meant literally.
    '$HOME ${PATH}',
    '\t lead and trail \t',
  ];

  it('gives the program exactly the argv it was given, and runs nothing from it', async () => {
    const r = remote(0);
    const out = await r.exec(['printf', '%s\\0', ...NASTY]);
    expect(out.exitCode).toBe(0);
    expect(out.stdout.split('\0').slice(0, -1)).toEqual(NASTY);
    const gone = await h.machines[0]!.docker.exec(['ls', '/tmp/pwned-subst', '/tmp/pwned-backtick']);
    expect(gone.exitCode).not.toBe(0);
    // Through every wrapper at once: env, cwd, user, timeout.
    const wrapped = await r.exec(['sh', '-c', 'printf "%s|%s|%s\\n" "$V" "$(pwd)" "$(id -un)"'], {
      env: { V: NASTY.join('') },
      cwd: '/tmp',
      user: 'tester',
      timeoutMs: 30_000,
    });
    expect(wrapped.stdout).toBe(`${NASTY.join('')}|/tmp|tester\n`);
  });

  it('feeds stdin bytes unchanged and returns exit codes and stderr', async () => {
    const r = remote(0);
    const bytes = randomBytes(200_000);
    const sum = await r.exec(['sha256sum'], { stdin: bytes });
    expect(sum.stdout.split(' ')[0]).toBe(createHash('sha256').update(bytes).digest('hex'));
    const code = await r.exec(['sh', '-c', 'echo oops >&2; exit 42']);
    expect(code).toMatchObject({ exitCode: 42, stderr: 'oops\n', timedOut: false });
    expect((await r.exec(['no-such-program-here'])).exitCode).toBe(127);
    await expect(r.run(['false'])).rejects.toThrow(/false exited 1/);
  });

  it('kills the remote command (and its children) when it times out', async () => {
    const r = remote(0);
    const t = await r.exec(['sh', '-c', 'sleep 4321 & sleep 4322; echo never'], { timeoutMs: 1500 });
    expect(t.timedOut).toBe(true);
    expect(t.stdout).toBe('');
    const left = await h.machines[0]!.docker.exec(['pgrep', '-f', 'sleep 432[12]']);
    expect(left.stdout).toBe('');
    expect(left.exitCode).toBe(1);
    // A command that finishes in time is not marked.
    expect(await r.exec(['true'], { timeoutMs: 30_000 })).toMatchObject({ exitCode: 0, timedOut: false });
  });

  it('uploads and downloads binary files with their mode, creating folders', async () => {
    const r = remote(0);
    const data = randomBytes(300_000);
    await r.upload('/opt/fl-test/deep/er/blob.bin', data, 0o751);
    const st = await h.machines[0]!.docker.run(['stat', '-c', '%a %U', '/opt/fl-test/deep/er/blob.bin']);
    expect(st.trim()).toBe('751 root');
    expect(Buffer.from(await r.download('/opt/fl-test/deep/er/blob.bin')).equals(data)).toBe(true);
    await r.upload('/opt/fl-test/deep/er/blob.bin', 'replaced');
    expect(Buffer.from(await r.download('/opt/fl-test/deep/er/blob.bin')).toString()).toBe('replaced');
    await expect(r.download('/opt/fl-test/none')).rejects.toThrow(/no such file \/opt\/fl-test\/none/);
    const ls = await h.machines[0]!.docker.run(['ls', '-A', '/opt/fl-test/deep/er']);
    expect(ls.trim()).toBe('blob.bin'); // No temporary files left.
  });

  it('runs as root through sudo, the password on stdin and never on a command line', async () => {
    const u = h.users[0]!;
    const r = remote(0, { user: u.name, sudo: true, sudoPassword: u.password });
    expect((await r.run(['id', '-u'])).trim()).toBe('0');
    const bytes = randomBytes(50_000);
    const sum = await r.exec(['sha256sum'], { stdin: bytes });
    expect(sum.stdout.split(' ')[0]).toBe(createHash('sha256').update(bytes).digest('hex'));
    // While a sudo command runs, no process on the host has the password in its command line or environ.
    const running = r.exec(['sleep', '3']);
    await new Promise((res) => setTimeout(res, 1000));
    const procs = await h.machines[0]!.docker.exec([
      'sh',
      '-c',
      'for p in /proc/[0-9]*; do cat $p/cmdline $p/environ 2>/dev/null; echo; done',
    ]);
    expect(procs.stdout).toContain('sleep');
    expect(procs.stdout).not.toContain(u.password);
    expect((await running).exitCode).toBe(0);
    // Files: root-owned, moved into place by sudo install; read back through sudo cat.
    const data = randomBytes(70_000);
    await r.upload('/etc/fl-test/secret.bin', data, 0o600);
    const st = await h.machines[0]!.docker.run(['stat', '-c', '%a %U', '/etc/fl-test/secret.bin']);
    expect(st.trim()).toBe('600 root');
    expect(Buffer.from(await r.download('/etc/fl-test/secret.bin')).equals(data)).toBe(true);
    expect((await r.run(['id', '-un'], { user: u.name })).trim()).toBe(u.name);
    // A timeout kills the root command sudo started, too.
    const t = await r.exec(['sh', '-c', 'sleep 4331 & sleep 4332'], { timeoutMs: 1500 });
    expect(t.timedOut).toBe(true);
    expect((await h.machines[0]!.docker.exec(['pgrep', '-f', 'sleep 433[12]'])).stdout).toBe('');
    // Output that outlives the exit status is all there (a large download through sudo cat).
    const big = randomBytes(3_000_000);
    await r.upload('/etc/fl-test/big.bin', big);
    expect(Buffer.from(await r.download('/etc/fl-test/big.bin')).equals(big)).toBe(true);
  });

  it('refuses a wrong sudo password in one line', async () => {
    const u = h.users[0]!;
    const r = remote(0, { user: u.name, sudo: true, sudoPassword: 'not-the-password' });
    const err = await r.exec(['true']).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/sudo as tester refused the password/);
    expect(err?.message).not.toContain('not-the-password');
    expect(err?.message).not.toContain('\n');
  });

  it('reconnects after the host restarts', async () => {
    const r = remote(1);
    expect((await r.run(['hostname'])).trim()).toBe('n2');
    expect(r.connection.connects).toBe(1);
    await h.restart(1);
    // The old connection is dead; the next command makes a new one (retrying while sshd comes up).
    let out = '';
    for (let i = 0; i < 20 && out === ''; i++) {
      out = await r.run(['hostname']).catch(() => '');
      if (out === '') await new Promise((res) => setTimeout(res, 500));
    }
    expect(out.trim()).toBe('n2');
    expect(r.connection.connects).toBeGreaterThanOrEqual(2);
  });

  it('refuses an unknown host in strict mode, naming it and its fingerprint', async () => {
    const empty = join(scratch, 'empty_known_hosts');
    await writeFile(empty, '');
    const err = await connection(0, { knownHosts: empty })
      .client()
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(err?.message).toMatch(
      new RegExp(`host ${h.hosts[0]!.name} .* is not in .*SHA256:[A-Za-z0-9+/]{43}.*ssh-keyscan -p 22 `),
    );
    expect(err?.message).not.toContain('\n');
    // Not strict: accepted.
    const loose = connection(0, { knownHosts: empty, strict: false });
    await expect(loose.client()).resolves.toBeDefined();
  });

  it('refuses a wrong password or key in one line naming the host and user', async () => {
    const bad = await connection(0, {
      host: { username: 'tester' },
      auth: { password: 'wrong-secret-123' },
    })
      .client()
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(bad?.message).toMatch(new RegExp(`^${h.hosts[0]!.name}: authentication as tester failed`));
    expect(bad?.message).not.toContain('wrong-secret-123');
    const otherKey = join(scratch, 'other_key');
    await writeFile(otherKey, ed25519KeyPair().private, { mode: 0o600 });
    const badKey = await connection(0, { auth: { privateKeyPath: otherKey } })
      .client()
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(badKey?.message).toMatch(/authentication as root failed .*key .*other_key/);
    expect(badKey?.message).not.toContain('\n');
    // The right password works.
    const u = h.users[0]!;
    const ok = connection(0, { host: { username: u.name }, auth: { password: u.password } });
    await expect(ok.client()).resolves.toBeDefined();
  });

  it('logs in with a key held by a real ssh-agent', async (ctx) => {
    const agentBin = ['/usr/bin/ssh-agent', '/bin/ssh-agent'].find((p) => existsSync(p));
    if (!agentBin) return ctx.skip();
    const sock = join(scratch, 'agent.sock');
    const agent: ChildProcess = spawn(agentBin, ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      execFileSync('ssh-add', [h.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const c = connection(0, { auth: { agent: sock } });
      const r = new SshRemote({ name: h.hosts[0]!.name, ip: h.hosts[0]!.host, connection: c });
      expect((await r.run(['echo', 'via agent'])).trim()).toBe('via agent');
    } finally {
      if (agent.pid) process.kill(agent.pid, 'SIGTERM');
    }
  });

  it('provisions, collects and destroys, leaving nothing of faultline behind', async () => {
    const cluster = new SshCluster({
      hosts: h.hosts,
      auth: { privateKeyPath: h.keyPath },
      strictHostKeyChecking: true,
      knownHostsPath: h.knownHostsPath,
      sudo: false,
      runId: 'ssh-test',
    });
    const remotes = await cluster.provision({ count: 2, names: h.hosts.map((x) => x.name) });
    expect(remotes.map((r) => r.name)).toEqual(h.hosts.map((x) => x.name));
    const m = h.machines[0]!;
    expect((await m.docker.exec(['test', '-d', '/run/faultline'])).exitCode).toBe(0);
    if (nodeHelpers().files.length > 0)
      expect((await m.docker.exec(['test', '-f', '/opt/faultline/skewtime.so'])).exitCode).toBe(0);
    expect((await m.docker.run(['sh', '-c', 'ls /var/lib/faultline/packages-*'])).trim()).not.toBe('');
    // Something to collect, and a chain as a crashed partition nemesis would leave it.
    await remotes[0]!.run([
      'sh',
      '-c',
      'mkdir -p /var/log/fl && printf "a\\n" > /var/log/fl/a.log && printf "b" > /var/log/fl/b.log',
    ]);
    await remotes[0]!.run(['iptables', '-w', '-N', 'FAULTLINE']);
    await remotes[0]!.run(['iptables', '-w', '-I', 'INPUT', '1', '-j', 'FAULTLINE']);
    await remotes[0]!.run(['iptables', '-w', '-A', 'FAULTLINE', '-s', '10.9.9.9', '-j', 'DROP']);
    const out = join(scratch, 'collected');
    const files = await cluster.collect({ [remotes[0]!.name]: ['/var/log/fl'], '*': ['/nope.log'] }, out);
    expect(files.map((f) => f.slice(out.length))).toEqual([
      `/${remotes[0]!.name}/var/log/fl/a.log`,
      `/${remotes[0]!.name}/var/log/fl/b.log`,
    ]);
    expect(await readFile(files[0]!, 'utf8')).toBe('a\n');
    expect(await cluster.destroy()).toEqual([]);
    expect(await cluster.destroy()).toEqual([]); // Idempotent.
    for (const x of h.machines) {
      expect((await x.docker.exec(['ls', '-d', '/opt/faultline', '/run/faultline'])).stdout).toBe('');
      expect((await x.docker.run(['iptables', '-w', '-S'])).includes('FAULTLINE')).toBe(false);
    }
    await m.docker.run(['rm', '-rf', '/var/log/fl']);
  });

  it('provisions through sudo as a non-root user, installing a missing package once', async () => {
    const u = h.users[0]!;
    const m = h.machines[1]!;
    // `tree` is not in the hosts' image: apt must install it (and only it), once.
    expect((await m.docker.exec(['dpkg-query', '-W', 'tree'])).exitCode).not.toBe(0);
    const make = () =>
      new SshCluster({
        hosts: [{ ...h.hosts[1]!, username: u.name }],
        auth: { privateKeyPath: h.keyPath },
        strictHostKeyChecking: true,
        knownHostsPath: h.knownHostsPath,
        sudo: true,
        sudoPassword: u.password,
        packages: ['tree'],
        runId: 'ssh-test-sudo',
      });
    const cluster = make();
    const [r] = await cluster.provision({ count: 1 });
    expect((await r!.run(['id', '-u'])).trim()).toBe('0');
    expect((await m.docker.exec(['dpkg-query', '-W', 'tree'])).exitCode).toBe(0);
    const markers = (await m.docker.run(['sh', '-c', 'ls /var/lib/faultline/'])).trim().split('\n');
    expect(markers.length).toBeGreaterThanOrEqual(1);
    if (nodeHelpers().files.length > 0) {
      const st = await m.docker.run(['stat', '-c', '%a %U', '/opt/faultline/fl-delay']);
      expect(st.trim()).toBe('755 root');
    }
    expect(await cluster.destroy()).toEqual([]);
    // Second time: the marker says the packages are there (a removed package is not looked for again).
    await m.docker.run(['dpkg', '-r', 'tree']);
    const again = make();
    await again.provision({ count: 1 });
    const status = await m.docker.exec(['dpkg-query', '-W', '-f', '$' + '{db:Status-Status}', 'tree']);
    expect(status.stdout).not.toBe('installed');
    expect(await again.destroy()).toEqual([]);
    expect((await m.docker.exec(['ls', '-d', '/opt/faultline', '/run/faultline'])).stdout).toBe('');
    await m.docker.run(['rm', '-rf', '/var/lib/faultline']);
  });

  it('refuses a host that is not Debian or Ubuntu in one line', async () => {
    const m = h.machines[0]!;
    await m.docker.run(['cp', '/etc/os-release', '/etc/os-release.fl-keep']);
    await m.docker.upload(
      '/etc/os-release',
      'NAME="Fedora Linux"\nID=fedora\nPRETTY_NAME="Fedora Linux 40"\n',
    );
    try {
      const cluster = new SshCluster({
        hosts: [h.hosts[0]!],
        auth: { privateKeyPath: h.keyPath },
        strictHostKeyChecking: true,
        knownHostsPath: h.knownHostsPath,
        sudo: false,
      });
      await expect(cluster.provision({ count: 1 })).rejects.toThrow(
        new RegExp(`^${h.hosts[0]!.name}: is Fedora Linux 40, not Debian or Ubuntu`),
      );
    } finally {
      await m.docker.run(['mv', '/etc/os-release.fl-keep', '/etc/os-release']);
    }
  });

  it('names an unreachable host and why: refused, DNS', async () => {
    const base = {
      auth: { privateKeyPath: h.keyPath },
      strictHostKeyChecking: true,
      knownHostsPath: h.knownHostsPath,
      sudo: false,
      connectTimeoutMs: 3000,
    };
    const refused = new SshCluster({ ...base, hosts: [{ ...h.hosts[0]!, port: 2 }] });
    await expect(refused.provision({ count: 1 })).rejects.toThrow(
      new RegExp(`^${h.hosts[0]!.name}: cannot connect to root@${h.hosts[0]!.host}:2: connection refused`),
    );
    const dns = new SshCluster({
      ...base,
      hosts: [{ name: 'nohost.invalid', host: 'nohost.invalid', port: 22, username: 'root' }],
    });
    await expect(dns.provision({ count: 1 })).rejects.toThrow(
      /^nohost\.invalid: DNS cannot resolve nohost\.invalid/,
    );
  });

  it('watch reports a host whose sshd is gone for good as lost, once', async () => {
    const cluster = new SshCluster({
      hosts: [h.hosts[1]!],
      auth: { privateKeyPath: h.keyPath },
      strictHostKeyChecking: true,
      knownHostsPath: h.knownHostsPath,
      sudo: false,
      connectTimeoutMs: 2000,
    });
    await cluster.provision({ count: 1 });
    const events: string[] = [];
    const stop = cluster.watch((e) => events.push(`${e.kind} ${e.kind === 'node-lost' ? e.node : ''}`), 300);
    try {
      await engineStop(h.machines[1]!.containerId);
      for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 1500));
      expect(events).toEqual([`node-lost ${h.hosts[1]!.name}`]);
    } finally {
      stop();
      await h.restart(1);
      await cluster.destroy();
    }
  });

  it('notices a partition (keepalives), times out connecting during it, and reconnects once it heals', async () => {
    const m = h.machines[0]!;
    const conn = connection(0, { keepaliveIntervalMs: 500, connectTimeoutMs: 2000 });
    const r = new SshRemote({ name: h.hosts[0]!.name, ip: h.hosts[0]!.host, connection: conn });
    expect((await r.run(['echo', 'before'])).trim()).toBe('before');
    const rule = ['INPUT', '1', '-p', 'tcp', '--dport', '22', '-j', 'DROP'];
    await m.docker.run(['iptables', '-w', '-I', ...rule]);
    try {
      for (let i = 0; i < 100 && conn.connected; i++) await new Promise((res) => setTimeout(res, 200));
      expect(conn.connected).toBe(false);
      const err = await r.exec(['true']).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(
        new RegExp(
          `^${h.hosts[0]!.name}: cannot connect to root@${h.hosts[0]!.host}:22: timed out after 2000 ms`,
        ),
      );
    } finally {
      await m.docker.run(['iptables', '-w', '-D', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'DROP']);
    }
    expect((await r.run(['echo', 'after'])).trim()).toBe('after');
    expect(conn.connects).toBe(2);
  });

  it('refuses a changed host key in one line showing the new fingerprint', async () => {
    await h.rekey(1);
    const err = await connection(1)
      .client()
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(err?.message).toMatch(
      /^HOST KEY CHANGED for .* presented \S+ SHA256:[A-Za-z0-9+/]{43}, but .*known_hosts:\d/,
    );
    expect(err?.message).toMatch(/ssh-keygen -R/);
    expect(err?.message).not.toContain('\n');
    // With the host's new keys in known_hosts it connects again.
    const fresh = join(scratch, 'fresh_known_hosts');
    await writeFile(fresh, `${(await hostKeyLines(h.machines[1]!)).join('\n')}\n`);
    await expect(connection(1, { knownHosts: fresh }).client()).resolves.toBeDefined();
  });
});
