/**
 * `scripts/ssh-test-hosts.ts up` / `down`: the hosts outlive the `up` process without being taken for a
 * finished run's leftovers (`faultline clean`, even --force, leaves them and names `down`), the sudoer's
 * hints work as printed (its own nodes file, --sudo, the password), and `down` removes everything.
 * Each state is its own: a second caller's `up` (another --state) is not "already up", and its `down`
 * removes only its hosts, also when its state file is gone (found by their keep label).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanByLabel } from '../../../src/cluster/docker/clean.ts';
import { listRuns } from '../../../src/cluster/docker/leftovers.ts';
import { SshCluster } from '../../../src/cluster/ssh/index.ts';
import { sshHosts } from '../../../src/config/ssh.ts';
import { engine, leftovers } from '../docker/helpers.ts';
import { requireDocker } from '../engine.ts';

const hasDocker = await requireDocker();
const ROOT = join(import.meta.dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'fl-ssh-test-hosts-'));
/** A state file of this test's own, so a developer's hosts (the default state file) are never touched. */
const env = { ...process.env, FAULTLINE_SSH_TEST_HOSTS_STATE: join(scratch, 'state.json') };
/** The other caller's state file. */
const otherState = join(scratch, 'other.json');

/** `node scripts/ssh-test-hosts.ts <args>`: exit code and output. */
function script(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/ssh-test-hosts.ts'), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `faultline clean` with these flags, through its CLI handler in a child node. */
function clean(flags: object) {
  const code = `const m = await import(${JSON.stringify(join(ROOT, 'src/cli/commands/clean.ts'))}); process.exitCode = await m.cleanCommand(${JSON.stringify(flags)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!hasDocker)('scripts/ssh-test-hosts.ts', () => {
  let runId: string | undefined;
  let otherId: string | undefined;
  afterAll(async () => {
    if (runId) await cleanByLabel(engine.docker, runId);
    if (otherId) await cleanByLabel(engine.docker, otherId);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('up: kept after the script exits (clean leaves them, naming down), sudoer hints that work; down removes them', async () => {
    const up = await script(['up', '1']);
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    runId = /\(run (\S+)\):/.exec(up.stdout)?.[1];
    expect(runId, up.stdout).toBeDefined();
    const id = runId!;
    const field = (name: string) => new RegExp(`${name}:\\s+(\\S+)`).exec(up.stdout)?.[1] ?? '';
    // The `up` process is gone; its hosts stay, marked as kept rather than as a finished run's leftovers.
    const [listed] = await listRuns(engine.docker, id);
    const down = `node scripts/ssh-test-hosts.ts down --state ${env.FAULTLINE_SSH_TEST_HOSTS_STATE}`;
    expect(listed).toMatchObject({ state: 'gone', keep: down });
    for (const flags of [{ runId: id }, { runId: id, force: true }]) {
      const c = clean(flags);
      expect(c.code, JSON.stringify(flags)).toBe(254);
      expect(c.stderr).toContain(`run ${id} left in place: kept on purpose until removed with \`${down}\``);
      expect((await leftovers(id)).length, JSON.stringify(flags)).toBe(2);
    }
    // The sudoer's hint: its own nodes file (an entry's user wins over --username), --sudo, the password.
    expect(up.stdout).not.toMatch(/--username \w/); // the old hint that logged in as root anyway
    const sudoNodes = field('sudo nodes');
    expect(readFileSync(sudoNodes, 'utf8')).toMatch(/^tester@\d+\.\d+\.\d+\.\d+\n$/);
    expect(up.stdout).toContain(`--nodes-file ${sudoNodes} --sudo`);
    const password = readFileSync(/password in (\S+)\)/.exec(up.stdout)?.[1] ?? '', 'utf8').trim();
    const hosts = sshHosts({ nodesFile: sudoNodes });
    expect(hosts.map((h) => h.username)).toEqual(['tester']);
    const cluster = new SshCluster({
      hosts,
      auth: { privateKeyPath: field('private key') },
      knownHostsPath: field('known_hosts'),
      strictHostKeyChecking: true,
      sudo: true,
      sudoPassword: password,
    });
    // Connects, and runs a command as root through sudo with that password.
    await cluster.preflight();
    await cluster.destroy();
    // Another caller (its own state): up is not "already up"; its down leaves the first one's hosts.
    const other = await script(['up', '1', '--state', otherState]);
    expect(other.code, `${other.stdout}\n${other.stderr}`).toBe(0);
    otherId = /\(run (\S+)\):/.exec(other.stdout)?.[1];
    expect(otherId).toBeDefined();
    expect(otherId).not.toBe(id);
    expect(other.stdout).toContain(`node scripts/ssh-test-hosts.ts down --state ${otherState}`);
    // Its state file gone (a cleaned /tmp): down finds its hosts by their label, and only those.
    rmSync(otherState);
    const otherDown = await script(['down', '--state', otherState]);
    expect(otherDown.code, otherDown.stderr).toBe(0);
    expect(otherDown.stdout).toMatch(new RegExp(`^removed 1 hosts and 1 network \\(run ${otherId}\\)`));
    expect(await leftovers(otherId!)).toEqual([]);
    otherId = undefined;
    expect((await leftovers(id)).length).toBe(2);
    const again = await script(['down', '--state', otherState]);
    expect(again.stdout).toMatch(/^no SSH test hosts of .* are up/);
    const downed = await script(['down']);
    expect(downed.code, downed.stderr).toBe(0);
    expect(downed.stdout).toMatch(/^removed 1 hosts and 1 network/);
    expect(await leftovers(id)).toEqual([]);
    expect(existsSync(env.FAULTLINE_SSH_TEST_HOSTS_STATE)).toBe(false);
    runId = undefined;
  }, 600_000);
});
