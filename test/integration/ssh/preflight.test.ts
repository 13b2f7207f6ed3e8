/**
 * `faultline run --ssh` finds a host it cannot use before the run starts: an unknown or changed host key,
 * a wrong key, an unreachable host, a non-root login without --sudo and a wrong sudo password are each one
 * line on stderr, exit 254, and no run folder. Through the real CLI against sshd test hosts
 * (test/integration/ssh/hosts.ts); every case fails before anything is installed on a host.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../engine.ts';
import { ed25519KeyPair, type SshHosts, startSshHosts } from './hosts.ts';

const hasDocker = await requireDocker();
const REPO = join(import.meta.dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'fl-ssh-preflight-'));

/** `faultline <args>` as a user runs it (env merged): exit code and output. */
function faultline(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/faultline.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A run of etcd (never reached: every case fails at the preflight) with these SSH flags, into a results
 * folder of its own (returned as `resultsDir`).
 */
async function run(ssh: string[], env: Record<string, string> = {}, nemesis = ['--nemesis', 'partition']) {
  const resultsDir = mkdtempSync(join(scratch, 'results-'));
  const r = await faultline(
    [
      'run',
      '--ssh',
      ...ssh,
      '--system',
      'etcd',
      '--workload',
      'register',
      ...nemesis,
      '--time-limit',
      '5',
      '--results-dir',
      resultsDir,
      '--no-dashboard',
    ],
    env,
  );
  return { ...r, resultsDir };
}

/** Exit 254, one line on stderr matching `re`, nothing on stdout, no run folder. */
function refusedBeforeRun(
  r: { code: number | null; stdout: string; stderr: string; resultsDir: string },
  re: RegExp,
): void {
  const all = `${r.stdout}\n${r.stderr}`;
  expect(r.code, all).toBe(254);
  expect(r.stderr.trim().split('\n'), all).toHaveLength(1);
  expect(r.stderr, all).toMatch(re);
  expect(r.stdout, all).toBe('');
  expect(readdirSync(r.resultsDir), all).toEqual([]);
}

describe('faultline run --ssh preflight without any host', () => {
  it('packet faults that need netem are not refused for this machine’s kernel: the hosts are asked (here: unreachable, exit 254)', async () => {
    const r = await run(['--nodes', '127.0.0.1:1'], { SSH_AUTH_SOCK: '/nonexistent/agent.sock' }, [
      '--nemesis',
      'packet',
      '--opt',
      'packetKinds=duplicate,reorder',
    ]);
    refusedBeforeRun(
      r,
      /^faultline: 127\.0\.0\.1: cannot connect to root@127\.0\.0\.1:1: connection refused/,
    );
    expect(r.stderr).not.toMatch(/netem/);
  }, 120_000);
});

describe.skipIf(!hasDocker)('faultline run --ssh preflight (2 sshd hosts)', () => {
  let h: SshHosts;
  let nodes: string;
  beforeAll(async () => {
    h = await startSshHosts({ count: 2 });
    nodes = h.machines.map((m) => m.ip).join(',');
  }, 900_000);
  afterAll(async () => {
    await h?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });
  const key = () => ['--ssh-private-key', h.keyPath];

  it('a host missing from known_hosts: its SHA256 fingerprint and the fix', async () => {
    const empty = join(scratch, 'empty_known_hosts');
    writeFileSync(empty, '');
    const r = await run(['--nodes', nodes, ...key(), '--known-hosts', empty]);
    const [ip, ip2] = h.machines.map((m) => m.ip.replace(/\./g, '\\.'));
    refusedBeforeRun(
      r,
      new RegExp(
        `^faultline: host ${ip} \\(${ip}:22\\) is not in .*SHA256:[A-Za-z0-9+/]{43}.*ssh-keyscan .*; host ${ip2} \\(${ip2}:22\\) is not in `,
      ),
    );
  }, 120_000);

  it('a changed host key: HOST KEY CHANGED, the fingerprint presented and ssh-keygen -R', async () => {
    const [m1] = h.machines;
    // known_hosts holds another ed25519 key for host 1 (and none of its other keys): as if it was
    // reinstalled, or someone is in between.
    const other = ed25519KeyPair().public.trim().split(/\s+/);
    const lines = [
      `${m1!.ip} ${other[0]} ${other[1]}`,
      ...readFileSync(h.knownHostsPath, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith(`${m1!.ip} `)),
    ];
    const changed = join(scratch, 'changed_known_hosts');
    writeFileSync(changed, `${lines.join('\n')}\n`);
    const r = await run(['--nodes', nodes, ...key(), '--known-hosts', changed]);
    refusedBeforeRun(
      r,
      /^faultline: HOST KEY CHANGED for .* presented ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}, but .*ssh-keygen -R/,
    );
  }, 120_000);

  it('a key the hosts do not authorize, and an unreachable host', async () => {
    const otherKey = join(scratch, 'other_key');
    writeFileSync(otherKey, ed25519KeyPair().private, { mode: 0o600 });
    const badKey = await run([
      '--nodes',
      nodes,
      '--ssh-private-key',
      otherKey,
      '--known-hosts',
      h.knownHostsPath,
    ]);
    refusedBeforeRun(
      badKey,
      /^faultline: \S+: authentication as root failed at root@\S+:22 \(tried key .*other_key\)/,
    );
    const ip2 = h.machines[1]!.ip;
    const closed = await run([
      '--nodes',
      `${h.machines[0]!.ip},${ip2}:2`,
      ...key(),
      '--known-hosts',
      h.knownHostsPath,
    ]);
    refusedBeforeRun(
      closed,
      new RegExp(`^faultline: ${ip2}: cannot connect to root@${ip2}:2: connection refused`),
    );
  }, 120_000);

  it('a sudoer without --sudo, and a wrong sudo password (never shown)', async () => {
    const u = h.users[0]!;
    const asUser = h.machines.map((m) => `${u.name}@${m.ip}`).join(',');
    const noSudo = await run(['--nodes', asUser, ...key(), '--known-hosts', h.knownHostsPath]);
    refusedBeforeRun(
      noSudo,
      new RegExp(`^faultline: (hosts \\S+, )?\\S+: logged in as ${u.name}, not root: pass --sudo`),
    );
    const wrong = `${u.password}-wrong`;
    const r = await run(['--nodes', asUser, ...key(), '--known-hosts', h.knownHostsPath, '--sudo'], {
      FAULTLINE_SUDO_PASSWORD: wrong,
    });
    refusedBeforeRun(
      r,
      new RegExp(
        `^faultline: (hosts \\S+, )?\\S+: sudo as ${u.name} refused the password \\(check --sudo-password\\)`,
      ),
    );
    expect(r.stderr).not.toContain(wrong);
  }, 120_000);
});
