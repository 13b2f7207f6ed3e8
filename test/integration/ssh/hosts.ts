/**
 * SSH test hosts: Debian containers running OpenSSH's sshd on their own labelled network, used by the
 * SSH backend's tests (and by `scripts/ssh-test-hosts.ts` for trying `faultline run --ssh` by hand) as
 * if they were VMs. Each container has its own host keys (made at its first start, kept across restarts),
 * authorizes an ed25519 key generated here for root and for each extra user, and has those users as
 * sudoers with a password. Only NET_ADMIN is granted (iptables/tc for the nemeses), never --privileged.
 * Everything is labelled with the run id and removed by `stop()`.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { cleanByLabel } from '../../../src/cluster/docker/clean.ts';
import { connectEngine, type Engine } from '../../../src/cluster/docker/engine.ts';
import { ensureImage } from '../../../src/cluster/docker/image.ts';
import { LABEL_KEEP, LABEL_NODE, newRunId, runLabels } from '../../../src/cluster/docker/labels.ts';
import { DockerRemote } from '../../../src/cluster/docker/remote.ts';
import type { SshHost } from '../../../src/cluster/ssh/types.ts';

/** A non-root login user on every test host (in the sudo group, with a password). */

/**
 * A fresh ed25519 key pair in OpenSSH format that ssh2 itself can read back. ssh2's generateKeyPairSync
 * strips leading zero bytes off the public key, so about 1 pair in 256 is malformed ("Malformed OpenSSH
 * private key" when connecting: mscdex/ssh2#1390, #1513); such a pair is drawn again.
 */
export function ed25519KeyPair(): { private: string; public: string } {
  for (;;) {
    const keys = ssh2.utils.generateKeyPairSync('ed25519');
    if (
      !(ssh2.utils.parseKey(keys.private) instanceof Error) &&
      !(ssh2.utils.parseKey(keys.public) instanceof Error)
    )
      return keys;
  }
}
export interface TestUser {
  name: string;
  password: string;
}

export interface SshHostsOptions {
  /** Number of hosts. */
  count: number;
  /** Extra Debian packages in the hosts' image (openssh-server, sudo, iptables, iproute2, procps always). */
  packages?: readonly string[];
  /** Extra users (default one: `tester` with a random password). */
  users?: readonly TestUser[];
  /** Run id for labels (default a new one). */
  runId?: string;
  /**
   * Keep the hosts after this process exits (LABEL_KEEP): the command that removes them. Without it they
   * belong to this process, and `faultline clean` removes them as leftovers once it is gone.
   */
  keep?: string;
  engine?: Engine;
}

/** One running test host. */
export interface TestHost {
  /** Its node name inside the network (n1…nN). */
  node: string;
  /** Its address, reachable from this machine. */
  ip: string;
  containerId: string;
  /** Commands in the container through Docker, independent of SSH (for checking what SSH did). */
  docker: DockerRemote;
}

export interface SshHosts {
  runId: string;
  /** The hosts as the SSH backend takes them (root login, port 22, named by address). */
  hosts: SshHost[];
  machines: TestHost[];
  /** The private key authorized for root and every user (OpenSSH format, mode 0600). */
  keyPath: string;
  /** A known_hosts file with every host's keys. */
  knownHostsPath: string;
  /** A nodes file (`root@ip` a line). */
  nodesFile: string;
  /** A nodes file for the first extra user, the sudoer (`tester@ip` a line): use it with --sudo. */
  sudoNodesFile: string;
  /** Temporary folder holding the key, known_hosts and nodes file. */
  dir: string;
  users: TestUser[];
  /** Restarts host i's container (0-based) and waits for its sshd; its host keys stay. */
  restart(i: number): Promise<void>;
  /** Gives host i (0-based) new host keys and reloads sshd (known_hosts then no longer matches). */
  rekey(i: number): Promise<void>;
  /** Removes the containers and network (by label) and the temporary folder. */
  stop(): Promise<void>;
}

/** Runs at every container start: own host keys once, then sshd in the foreground once configured. */
const ENTRY = `set -e
if [ ! -f /etc/ssh/.faultline-keys ]; then rm -f /etc/ssh/ssh_host_*; ssh-keygen -A >/dev/null; touch /etc/ssh/.faultline-keys; fi
mkdir -p /run/sshd
while [ ! -f /etc/ssh/sshd_config.d/faultline.conf ]; do sleep 0.1; done
exec /usr/sbin/sshd -D -e`;

const SSHD_CONF =
  'PermitRootLogin prohibit-password\nPasswordAuthentication yes\nUseDNS no\nMaxStartups 100\n';

/** Starts `count` sshd hosts; on failure removes what it made and rethrows. */
export async function startSshHosts(opts: SshHostsOptions): Promise<SshHosts> {
  const engine = opts.engine ?? connectEngine();
  const runId = opts.runId ?? `sshhosts-${newRunId()}`;
  const users = [...(opts.users ?? [{ name: 'tester', password: randomBytes(9).toString('base64url') }])];
  const labels = runLabels(runId, {
    'faultline.sshhosts': '1',
    ...(opts.keep ? { [LABEL_KEEP]: opts.keep } : {}),
  });
  const dir = await mkdtemp(join(tmpdir(), 'faultline-sshhosts-'));
  const stop = async () => {
    const r = await cleanByLabel(engine.docker, runId);
    await rm(dir, { recursive: true, force: true });
    if (r.problems.length) throw new Error(`ssh test hosts ${runId}: ${r.problems.join('; ')}`);
  };
  try {
    const image = await ensureImage(engine, {
      flavour: 'debian',
      packages: ['openssh-server', 'sudo', ...(opts.packages ?? [])],
    });
    const netName = `faultline-${runId}`;
    await engine.docker.createNetwork({
      Name: netName,
      Driver: 'bridge',
      Labels: labels,
      CheckDuplicate: true,
    });
    const keys = ed25519KeyPair();
    const keyPath = join(dir, 'id_ed25519');
    await writeFile(keyPath, keys.private, { mode: 0o600 });
    await chmod(keyPath, 0o600);
    const machines = await Promise.all(
      Array.from({ length: opts.count }, async (_, k): Promise<TestHost> => {
        const node = `n${k + 1}`;
        const c = await engine.docker.createContainer({
          name: `${netName}-${node}`,
          Hostname: node,
          Image: image.image,
          Entrypoint: ['/usr/bin/tini', '--', 'sh', '-c', ENTRY],
          Cmd: [],
          Labels: { ...labels, [LABEL_NODE]: node },
          HostConfig: { NetworkMode: netName, CapAdd: ['NET_ADMIN'], Binds: image.binds },
          NetworkingConfig: { EndpointsConfig: { [netName]: { Aliases: [node] } } },
        });
        await c.start();
        const info = await c.inspect();
        const ip = info.NetworkSettings.Networks[netName]?.IPAddress ?? '';
        const docker = new DockerRemote({
          engine,
          name: node,
          ip,
          containerId: c.id,
          pid: info.State.Pid ?? 0,
        });
        await configure(docker, keys.public, users);
        await waitForSshd(ip, 22, 60_000);
        return { node, ip, containerId: c.id, docker };
      }),
    );
    const knownHostsPath = join(dir, 'known_hosts');
    await writeKnownHosts(knownHostsPath, machines);
    const nodesFile = join(dir, 'nodes.txt');
    await writeFile(nodesFile, `${machines.map((m) => `root@${m.ip}`).join('\n')}\n`);
    // An entry's user wins over --username, so the sudoer needs its own nodes file.
    const sudoNodesFile = join(dir, `${users[0]?.name ?? 'user'}-nodes.txt`);
    await writeFile(
      sudoNodesFile,
      `${machines.map((m) => `${users[0]?.name ?? 'root'}@${m.ip}`).join('\n')}\n`,
    );
    return {
      runId,
      hosts: machines.map((m) => ({ name: m.ip, host: m.ip, port: 22, username: 'root' })),
      machines,
      keyPath,
      knownHostsPath,
      nodesFile,
      sudoNodesFile,
      dir,
      users,
      async restart(i) {
        const m = machines[i]!;
        await engine.docker.getContainer(m.containerId).restart({ t: 0 });
        await waitForSshd(m.ip, 22, 60_000);
      },
      async rekey(i) {
        const m = machines[i]!;
        await m.docker.run([
          'sh',
          '-c',
          'rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && kill -HUP "$(cat /run/sshd.pid)"',
        ]);
        await new Promise((r) => setTimeout(r, 300));
        await waitForSshd(m.ip, 22, 60_000);
      },
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** Authorizes the key for root and the users (passwords through chpasswd's stdin), then lets sshd start. */
async function configure(docker: DockerRemote, publicKey: string, users: readonly TestUser[]): Promise<void> {
  await docker.upload('/root/.ssh/authorized_keys', `${publicKey}\n`, 0o600);
  await docker.run(['chmod', '700', '/root/.ssh']);
  for (const u of users) {
    await docker.run(['useradd', '-m', '-s', '/bin/bash', '-G', 'sudo', u.name]);
    await docker.run(['chpasswd'], { stdin: `${u.name}:${u.password}\n` });
    await docker.upload(`/home/${u.name}/.ssh/authorized_keys`, `${publicKey}\n`, 0o600);
    await docker.run(['chown', '-R', `${u.name}:${u.name}`, `/home/${u.name}/.ssh`]);
    await docker.run(['chmod', '700', `/home/${u.name}/.ssh`]);
  }
  await docker.upload('/etc/ssh/sshd_config.d/faultline.conf', SSHD_CONF);
}

/** Writes every host's public host keys as `ip type key` lines. */
async function writeKnownHosts(path: string, machines: readonly TestHost[]): Promise<void> {
  const lines: string[] = [];
  for (const m of machines) lines.push(...(await hostKeyLines(m)));
  await writeFile(path, `${lines.join('\n')}\n`);
}

/** The `ip type key` known_hosts lines of one host's current keys. */
export async function hostKeyLines(m: TestHost): Promise<string[]> {
  const out = await m.docker.run(['sh', '-c', 'cat /etc/ssh/ssh_host_*_key.pub']);
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [type, key] = l.trim().split(/\s+/);
      return `${m.ip} ${type} ${key}`;
    });
}

/** Waits until the port answers with an SSH banner. */
export async function waitForSshd(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      const done = (v: boolean) => {
        s.destroy();
        resolve(v);
      };
      s.setTimeout(2000, () => done(false));
      s.once('data', (b: Buffer) => done(b.toString().startsWith('SSH-')));
      s.once('error', (e) => {
        last = e.message;
        done(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`sshd at ${host}:${port} did not answer within ${timeoutMs} ms${last ? ` (${last})` : ''}`);
}
