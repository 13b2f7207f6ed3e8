/**
 * SSH test hosts for trying `faultline run --ssh` by hand: Debian containers running sshd on their own
 * labelled network (test/integration/ssh/hosts.ts), reachable from this machine as if they were VMs.
 *
 *   node scripts/ssh-test-hosts.ts up [N] [--packages etcd-server,etcd-client]   (N default 3)
 *   node scripts/ssh-test-hosts.ts down
 *
 * `up` prints the nodes file, the key, the known_hosts file and the exact `faultline run --ssh` flags;
 * the hosts stay up until `down` (or `faultline clean`, which removes them as leftovers of a finished
 * process). `--packages` preinstalls the system's Debian packages in the hosts' image (otherwise the run
 * installs them with apt on each host).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanByLabel } from '../src/cluster/docker/clean.ts';
import { connectEngine } from '../src/cluster/docker/engine.ts';
import { startSshHosts } from '../test/integration/ssh/hosts.ts';

/** Where `up` records what `down` removes. */
const STATE = join(tmpdir(), 'faultline-ssh-test-hosts.json');

interface State {
  runId: string;
  dir: string;
}

async function up(args: string[]): Promise<void> {
  if (existsSync(STATE)) {
    const s = JSON.parse(readFileSync(STATE, 'utf8')) as State;
    throw new Error(
      `test hosts ${s.runId} are already up (${s.dir}): run \`node scripts/ssh-test-hosts.ts down\` first`,
    );
  }
  const k = args.indexOf('--packages');
  const packages = k >= 0 ? (args[k + 1] ?? '').split(',').filter(Boolean) : [];
  const positional = args.filter((a, i) => !a.startsWith('--') && (k < 0 || i !== k + 1));
  const count = Number(positional[0] ?? 3);
  if (!Number.isInteger(count) || count < 1 || count > 50)
    throw new Error(`host count must be 1..50, got ${positional[0]}`);
  const h = await startSshHosts({ count, packages });
  writeFileSync(STATE, JSON.stringify({ runId: h.runId, dir: h.dir } satisfies State));
  const u = h.users[0]!;
  writeFileSync(join(h.dir, 'sudo-password'), `${u.password}\n`, { mode: 0o600 });
  process.stdout.write(
    [
      `${count} SSH test hosts up (run ${h.runId}):`,
      ...h.machines.map((m) => `  ${m.node}  root@${m.ip}`),
      `nodes file:   ${h.nodesFile}`,
      `private key:  ${h.keyPath}`,
      `known_hosts:  ${h.knownHostsPath}`,
      `sudo user:    ${u.name} (password in ${join(h.dir, 'sudo-password')})`,
      '',
      'run against them:',
      `  faultline run --ssh --nodes-file ${h.nodesFile} --ssh-private-key ${h.keyPath} --known-hosts ${h.knownHostsPath} \\`,
      '    --system etcd --workload register --nemesis partition,kill',
      'as a non-root user with sudo:',
      `  … --username ${u.name} --sudo --sudo-password "$(cat ${join(h.dir, 'sudo-password')})"`,
      'remove them:',
      '  node scripts/ssh-test-hosts.ts down',
      '',
    ].join('\n'),
  );
}

async function down(): Promise<void> {
  if (!existsSync(STATE)) {
    process.stdout.write('no SSH test hosts are up\n');
    return;
  }
  const s = JSON.parse(readFileSync(STATE, 'utf8')) as State;
  const r = await cleanByLabel(connectEngine().docker, s.runId);
  rmSync(s.dir, { recursive: true, force: true });
  if (r.problems.length > 0) throw new Error(`could not remove everything: ${r.problems.join('; ')}`);
  rmSync(STATE, { force: true });
  process.stdout.write(
    `removed ${r.containers.length} hosts and ${r.networks.length} network (run ${s.runId})\n`,
  );
}

const [cmd, ...rest] = process.argv.slice(2);
try {
  if (cmd === 'up') await up(rest);
  else if (cmd === 'down') await down();
  else throw new Error('usage: node scripts/ssh-test-hosts.ts up [N] [--packages a,b] | down');
} catch (err) {
  process.stderr.write(`ssh-test-hosts: ${(err as Error).message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
