/**
 * faultline run --ssh end to end, against Debian containers running sshd (test/integration/ssh/hosts.ts)
 * as if they were VMs: the CLI itself on etcd under partition + kill + clock as a sudoer (valid, exit 0,
 * as on Docker), with no secret anywhere in the run folder and nothing of faultline's left on the hosts
 * afterwards; and a reference design with a known anomaly (lww-sync set under clock skew: lost adds)
 * found over SSH as on Docker. One set of hosts for the file; short runs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshClusterFor } from '../../../src/cli/commands/run.ts';
import { resolveTest } from '../../../src/registry.ts';
import { runTest } from '../../../src/runner/run.ts';
import { requireDocker } from '../engine.ts';
import { explain, SCENARIOS } from '../reference/harness.ts';
import { loadTolerantOpTimeoutS } from '../systems/harness.ts';
import { type SshHosts, startSshHosts } from './hosts.ts';

const hasDocker = await requireDocker();
const REPO = join(import.meta.dirname, '../../..');
const resultsDir = mkdtempSync(join(tmpdir(), 'fl-ssh-run-'));

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

/** Every file under dir (recursive). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** What faultline may have left on a host, looked at through Docker (not SSH): one line per leftover. */
async function leftovers(hosts: SshHosts): Promise<string[]> {
  const found: string[] = [];
  for (const m of hosts.machines) {
    const paths = await m.docker.exec([
      'sh',
      '-c',
      'ls -d /opt/faultline /run/faultline /var/lib/faultline-* /var/log/faultline 2>/dev/null; true',
    ]);
    for (const p of paths.stdout.split('\n').filter(Boolean)) found.push(`${m.node}: ${p}`);
    const chains = await m.docker.exec(['iptables', '-w', '-S']);
    for (const l of chains.stdout.split('\n').filter((x) => x.includes('FAULTLINE')))
      found.push(`${m.node}: ${l}`);
    const procs = await m.docker.exec(['sh', '-c', 'pgrep -a -x "etcd|node|fl-delay"; true']);
    for (const l of procs.stdout.split('\n').filter(Boolean)) found.push(`${m.node}: process ${l}`);
  }
  return found;
}

describe.skipIf(!hasDocker)('faultline run --ssh (3 sshd hosts)', () => {
  let hosts: SshHosts;
  beforeAll(async () => {
    // The systems' packages are in the hosts' image, so provisioning finds them installed (no apt).
    hosts = await startSshHosts({ count: 3, packages: ['etcd-server', 'etcd-client', 'nodejs'] });
  }, 900_000);
  afterAll(async () => {
    await hosts?.stop();
    rmSync(resultsDir, { recursive: true, force: true });
  });

  it('the CLI: etcd register under partition, kill and clock, as a sudoer: valid (exit 0), no secret stored, nothing left on the hosts', async () => {
    const user = hosts.users[0]!;
    const nodesFile = join(hosts.dir, 'tester-nodes.txt');
    writeFileSync(
      nodesFile,
      `# the sudoer on every host\n${hosts.machines.map((m) => `${user.name}@${m.ip}`).join('\n')}\n`,
    );
    const opTimeout = String(loadTolerantOpTimeoutS(5));
    const r = await faultline(
      [
        'run',
        '--ssh',
        '--nodes-file',
        nodesFile,
        '--known-hosts',
        hosts.knownHostsPath,
        '--ssh-private-key',
        hosts.keyPath,
        '--sudo',
        // On the command line on purpose: it must not reach test.json's argv.
        '--sudo-password',
        user.password,
        '--system',
        'etcd',
        '--workload',
        'register',
        '--nemesis',
        'partition,kill,clock',
        '--time-limit',
        '10',
        '--nemesis-interval',
        '3',
        '--op-timeout',
        opTimeout,
        '--results-dir',
        resultsDir,
        '--name',
        'ssh-etcd',
        '--no-dashboard',
      ],
      // A login password nobody asked for must not be stored either.
      { FAULTLINE_SSH_PASSWORD: `${user.password}-login` },
    );
    const runDir = join(resultsDir, 'ssh-etcd', 'latest');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/\bVALID\b/);
    const test = JSON.parse(readFileSync(join(runDir, 'test.json'), 'utf8'));
    expect(test).toMatchObject({ cluster: 'ssh', sudo: true, sshAuth: 'key' });
    expect(test.nodes).toEqual(hosts.machines.map((m) => m.ip));
    expect(test.argv).toContain('***');
    // The etcd logs came back over SFTP, and the history holds every family's faults.
    const history = readFileSync(join(runDir, 'history.jsonl'), 'utf8');
    for (const f of ['start-partition', 'kill', 'set-clock|bump-clock|strobe-clock'])
      expect(history, f).toMatch(new RegExp(`"f":"(${f})"`));
    const files = filesUnder(runDir);
    expect(files.some((f) => f.endsWith('etcd.log'))).toBe(true);
    for (const f of files) expect(readFileSync(f).includes(user.password), f).toBe(false);
    expect(await leftovers(hosts)).toEqual([]);
  }, 600_000);

  it('reference/lww-sync set under clock skew loses adds over SSH, as on Docker (≥ 1 of up to 4 runs)', async () => {
    const s = SCENARIOS.find((x) => x.label.startsWith('lww-sync set, clock skew'));
    if (!s) throw new Error('scenario lww-sync set is gone from test/integration/reference/harness.ts');
    const lines: string[] = [];
    let found = false;
    for (let i = 0; i < 4 && !found; i++) {
      const r = resolveTest({
        ...s.def,
        cluster: 'ssh',
        nodes: hosts.hosts.map((h) => `${h.username}@${h.host}:${h.port}`),
        knownHosts: hosts.knownHostsPath,
        sshPrivateKey: hosts.keyPath,
        resultsDir,
      });
      const outcome = await runTest(r.test, {
        system: r.system,
        workload: r.workload,
        cluster: sshClusterFor(r.system, r.test, {}),
        ...(r.nemesis ? { nemesis: r.nemesis } : {}),
      });
      const line = explain({ outcome, wallMs: 0, seed: r.test.seed });
      lines.push(line);
      expect(outcome.error, lines.join('\n')).toBeUndefined();
      found = outcome.valid === false;
    }
    expect(found, lines.join('\n')).toBe(true);
    expect(await leftovers(hosts)).toEqual([]);
  }, 900_000);
});
