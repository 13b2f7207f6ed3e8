/**
 * Choosing SSH hosts (`--ssh`, `--nodes`, `--nodes-file`, `--username`, `--ssh-port`, host-key checking,
 * `--sudo`) through the real command-line parser, the registry's resolution and test.json → --replay;
 * and the secrets, which never reach the resolved test, test.json's argv, or a replayed test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReplay, mergeFlags, type RunFlags, runCommand } from '../../../src/cli/commands/run.ts';
import { buildProgram } from '../../../src/cli/main.ts';
import type { ResolvedTest } from '../../../src/config/define.ts';
import { validateTest } from '../../../src/config/load.ts';
import { redactArgv, SECRET_ENV, sshAuth, sshHosts, sshSecrets } from '../../../src/config/ssh.ts';
import { UserError } from '../../../src/core/errors.ts';
import { resolveTest } from '../../../src/registry.ts';
import { FILES } from '../../../src/store/run-dir.ts';

const REPO = join(import.meta.dirname, '../../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'faultline-ssh-config-'));

/** The flags commander gives `run` for these arguments (the real parser, nothing run). */
function runFlags(args: string[]): RunFlags {
  const program = buildProgram([]);
  let flags: RunFlags | undefined;
  const run = program.commands.find((c) => c.name() === 'run')!;
  run.action((_file: string | undefined, opts: RunFlags) => {
    flags = opts;
  });
  program.parse(['run', ...args], { from: 'user' });
  return flags!;
}

const resolveArgs = (args: string[]) => resolveTest(mergeFlags({}, runFlags(args)));

/** What the runner writes as test.json, plus a schedule. */
function storeRun(test: ResolvedTest): string {
  const dir = tmp();
  writeFileSync(join(dir, FILES.test), JSON.stringify({ ...test, argv: ['run'], faultlineVersion: 'x' }));
  writeFileSync(join(dir, FILES.schedule), JSON.stringify([{ atS: 1, f: 'kill', value: { nodes: [] } }]));
  return dir;
}

/** `faultline <args>` as a user runs it: exit code and stderr. */
function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/faultline.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr };
}

describe('choosing hosts', () => {
  it('--ssh with --nodes: node names are the hosts; user and port from the entry or the flags', () => {
    const r = resolveArgs([
      '--ssh',
      '--system',
      'etcd',
      '--workload',
      'register',
      '--nodes',
      'db1,admin@db2:2200,10.0.0.9',
      '--username',
      'ops',
      '--ssh-port',
      '2222',
      '--sudo',
      '--no-strict-host-key-checking',
      '--ssh-private-key',
      '/keys/id_ed25519',
    ]);
    expect(r.test.nodes).toEqual(['db1', 'db2', '10.0.0.9']);
    expect(r.test).toMatchObject({
      cluster: 'ssh',
      username: 'ops',
      sshPort: 2222,
      sudo: true,
      strictHostKeyChecking: false,
      sshPrivateKey: '/keys/id_ed25519',
      sshHosts: [
        { name: 'db1', host: 'db1', port: 2222, username: 'ops' },
        { name: 'db2', host: 'db2', port: 2200, username: 'admin' },
        { name: '10.0.0.9', host: '10.0.0.9', port: 2222, username: 'ops' },
      ],
    });
    // Docker's image settings mean nothing here.
    expect(r.test.flavour).toBeUndefined();
  });

  it('defaults: root, port 22, host keys checked, no sudo', () => {
    const r = resolveArgs(['--ssh', '--system', 'etcd', '--workload', 'register', '--nodes', 'a,b,c']);
    expect(r.test).toMatchObject({ strictHostKeyChecking: true, sudo: false });
    expect(r.test.sshHosts!.map((h) => `${h.username}@${h.host}:${h.port}`)).toEqual([
      'root@a:22',
      'root@b:22',
      'root@c:22',
    ]);
  });

  it('a test file says cluster: ssh, and its fields validate like the flags', () => {
    const def = validateTest(
      { cluster: 'ssh', system: 'etcd', workload: 'register', nodes: ['h1', 'h2'], sshPort: 2022 },
      'test file t.ts',
    );
    expect(resolveTest(def).test.sshHosts!.map((h) => h.port)).toEqual([2022, 2022]);
    expect(() => validateTest({ cluster: 'vm' }, 'test file t.ts')).toThrow(
      /^test file t\.ts: cluster: .*expected one of docker, ssh$/,
    );
    expect(() => validateTest({ sshPort: 70_000 }, 'test file t.ts')).toThrow(
      /sshPort: .*expected a TCP port/,
    );
  });

  it('--nodes-file: one host a line, comments and blank lines skipped; a bad line names file and line', () => {
    const dir = tmp();
    const file = join(dir, 'hosts.txt');
    writeFileSync(file, '# the test hosts\nh1\n\nadmin@h2:2200  # second\n[fd00::3]:22\n');
    const r = resolveArgs(['--ssh', '--system', 'etcd', '--workload', 'register', '--nodes-file', file]);
    expect(r.test.nodes).toEqual(['h1', 'h2', 'fd00::3']);
    expect(r.test.nodesFile).toBeUndefined(); // its hosts are stored instead
    writeFileSync(file, 'h1\nh 2\n');
    expect(() => resolveArgs(['--ssh', '--system', 'etcd', '--nodes-file', file])).toThrow(
      new RegExp(`^--nodes-file ${file.replace(/[.]/g, '\\.')}:2: `),
    );
    writeFileSync(file, 'h1\nh1:2222\n');
    expect(() => resolveArgs(['--ssh', '--system', 'etcd', '--nodes-file', file])).toThrow(/h1.*once/);
    expect(() => resolveArgs(['--ssh', '--system', 'etcd', '--nodes-file', join(dir, 'gone.txt')])).toThrow(
      /^--nodes-file .*gone\.txt: cannot read it \(ENOENT\)/,
    );
  });

  it('refuses what SSH cannot mean: a node count, no hosts, both --nodes and --nodes-file, an in-process system', () => {
    const bad: [string[], RegExp][] = [
      [['--ssh', '--system', 'etcd', '--nodes', '3'], /^--nodes 3: SSH needs host names/],
      [['--ssh', '--system', 'etcd'], /^--ssh needs its hosts/],
      [['--ssh', '--system', 'etcd', '--nodes', 'a', '--nodes-file', 'f'], /either --nodes or --nodes-file/],
      [['--ssh', '--system', 'memory', '--nodes', 'a'], /runs in-process.*drop --ssh/],
      [['--ssh', '--system', 'etcd', '--nodes', 'a', '--flavour', 'debian'], /^--flavour is about Docker/],
      [['--ssh', '--system', 'etcd', '--nodes', '1user@h'], /^--nodes: "1user@h" has an invalid user name/],
    ];
    for (const [args, want] of bad) {
      let err: unknown;
      try {
        resolveArgs(args);
      } catch (e) {
        err = e;
      }
      expect(err, args.join(' ')).toBeInstanceOf(UserError);
      expect((err as Error).message, args.join(' ')).toMatch(want);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('a Docker run refuses the SSH-only flags and user@host:port nodes', () => {
    expect(() => resolveArgs(['--system', 'etcd', '--username', 'ops'])).toThrow(
      /^--username applies to SSH runs: add --ssh/,
    );
    expect(() => resolveArgs(['--system', 'etcd', '--no-strict-host-key-checking'])).toThrow(
      /^--strict-host-key-checking applies to SSH runs/,
    );
    expect(() => resolveArgs(['--system', 'etcd', '--nodes', 'n1,root@n2:22'])).toThrow(
      /^--nodes root@n2:22: .*need --ssh/,
    );
    // A Docker run is unchanged: no SSH fields at all.
    const t = resolveArgs(['--system', 'etcd', '--nodes', '3']).test;
    expect(Object.keys(t).filter((k) => /ssh|cluster|sudo|username/i.test(k))).toEqual([]);
  });

  it('the flags come from the one table: help names them, bad values exit 254 with one line', () => {
    const out = spawnSync(process.execPath, [join(REPO, 'bin/faultline.js'), 'run', '--help'], {
      encoding: 'utf8',
    }).stdout;
    for (const f of [
      '--ssh ',
      '--nodes-file <file>',
      '--username <user>',
      '--ssh-private-key <file>',
      '--ssh-port <port>',
      '--strict-host-key-checking',
      '--no-strict-host-key-checking',
      '--sudo ',
      '--password <password>',
      '--sudo-password <password>',
    ])
      expect(out).toContain(f);
    for (const args of [
      ['--ssh-port', '0'],
      ['--ssh-port', 'ssh'],
      ['--username', 'Root User'],
      ['--ssh', '--system', 'etcd', '--nodes', '3'],
      ['--system', 'etcd', '--sudo'],
    ]) {
      const r = cli(['run', ...args, '--no-dashboard']);
      expect(r.code, args.join(' ')).toBe(254);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});

describe('secrets', () => {
  it('come from the flag, else the environment; a key wins over a password, else the agent', () => {
    const env = { [SECRET_ENV.password]: 'envpw', [SECRET_ENV.sudoPassword]: 'envsudo' };
    expect(sshSecrets({}, env)).toEqual({ password: 'envpw', sudoPassword: 'envsudo' });
    expect(sshSecrets({ password: 'flagpw' }, env)).toMatchObject({ password: 'flagpw' });
    expect(sshSecrets({}, {})).toEqual({});
    expect(sshAuth('/k', { password: 'p', passphrase: 'pp' })).toEqual({
      auth: { privateKeyPath: '/k', passphrase: 'pp' },
      method: 'key',
    });
    expect(sshAuth(undefined, { password: 'p' })).toEqual({ auth: { password: 'p' }, method: 'password' });
    expect(sshAuth(undefined, {})).toEqual({ auth: {}, method: 'agent' });
  });

  it('never reach the resolved test (test.json), and are cut out of the recorded argv', () => {
    const argv = [
      'run',
      '--ssh',
      '--system',
      'etcd',
      '--workload',
      'register',
      '--nodes',
      'h1',
      '--password',
      'hunter2-login',
      '--sudo-password=hunter2-sudo',
      '--ssh-key-passphrase',
      'hunter2-pass',
    ];
    const flags = runFlags(argv.slice(1));
    expect(flags.password).toBe('hunter2-login');
    const r = resolveTest(mergeFlags({}, flags));
    const stored = JSON.stringify({ ...r.test, argv: redactArgv(argv) });
    expect(stored).not.toMatch(/hunter2/);
    expect(redactArgv(argv)).toEqual([
      ...argv.slice(0, 8),
      '--password',
      '***',
      '--sudo-password=***',
      '--ssh-key-passphrase',
      '***',
    ]);
  });
});

describe('test.json → --replay of an SSH run', () => {
  it('reuses the hosts with their users and ports, even when the nodes file changed', async () => {
    const dir = tmp();
    const file = join(dir, 'hosts.txt');
    writeFileSync(file, 'ops@h1:2201\nh2\n');
    const r = resolveArgs([
      '--ssh',
      '--system',
      'etcd',
      '--workload',
      'register',
      '--nemesis',
      'kill',
      '--nodes-file',
      file,
      '--ssh-port',
      '2022',
      '--sudo',
    ]);
    const runDir = storeRun(r.test);
    writeFileSync(file, 'other1\nother2\n');
    const replay = await loadReplay(runDir);
    const again = resolveTest(replay.def, replay);
    expect(again.test).toEqual(r.test);
    expect(again.test.sshHosts!.map((h) => `${h.username}@${h.host}:${h.port}`)).toEqual([
      'ops@h1:2201',
      'root@h2:2022',
    ]);
  });

  it('a run that logged in with a password asks for it again, in one line, before anything is provisioned', async () => {
    const r = resolveArgs([
      '--ssh',
      '--system',
      'etcd',
      '--workload',
      'register',
      '--nemesis',
      'kill',
      '--nodes',
      'h1',
    ]);
    const runDir = storeRun({ ...r.test, sshAuth: 'password' });
    const saved = process.env[SECRET_ENV.password];
    delete process.env[SECRET_ENV.password];
    try {
      await expect(runCommand(undefined, { replay: runDir, dashboard: false }, [])).rejects.toThrow(
        new RegExp(`^--replay .*: that run logged in with a password.*${SECRET_ENV.password}`),
      );
    } finally {
      if (saved !== undefined) process.env[SECRET_ENV.password] = saved;
    }
  });

  it('sshHosts() alone: a nodes file is read through the given reader', () => {
    expect(sshHosts({ nodesFile: 'x' }, () => 'a\nb:2\n').map((h) => h.port)).toEqual([22, 2]);
  });
});
