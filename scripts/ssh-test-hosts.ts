/**
 * SSH test hosts for trying `faultline run --ssh` by hand: Debian containers running sshd on their own
 * labelled network (test/integration/ssh/hosts.ts), reachable from this machine as if they were VMs.
 *
 *   node scripts/ssh-test-hosts.ts up [N] [--packages etcd-server,etcd-client] [--state FILE]   (N default 3)
 *   node scripts/ssh-test-hosts.ts down [--state FILE]
 *
 * `up` prints the nodes files (root, and the sudoer), the key, the known_hosts file and the exact
 * `faultline run --ssh` flags; the hosts stay up until `down`. They are labelled as kept on purpose
 * (LABEL_KEEP), so `faultline clean` (even --force) and the test suites' sweeps of leftovers leave them,
 * naming `down`. `--packages` preinstalls the system's Debian packages in the hosts' image (otherwise the
 * run installs them with apt on each host).
 *
 * Each caller has its own hosts: `up` records them in a state file (`--state FILE`, else
 * FAULTLINE_SSH_TEST_HOSTS_STATE, else one per user in the temp folder) and labels them with the `down`
 * command naming that file, so `down` removes only the hosts of its state, even when the file is gone,
 * never another user's or another state's.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { cleanByLabel } from '../src/cluster/docker/clean.ts';
import { connectEngine } from '../src/cluster/docker/engine.ts';
import { listRuns } from '../src/cluster/docker/leftovers.ts';
import { startSshHosts } from '../test/integration/ssh/hosts.ts';

/** The value of `--state FILE` in args, if given. */
function stateFlag(args: readonly string[]): string | undefined {
  const k = args.indexOf('--state');
  if (k < 0) return undefined;
  const file = args[k + 1];
  if (!file || file.startsWith('--')) throw new Error('--state needs a file name');
  return file;
}

/** Where `up` records what `down` removes: --state, the environment, or the user's own file. */
function statePath(args: readonly string[]): string {
  const user = userInfo().username.replace(/[^\w.-]/g, '_') || String(process.getuid?.() ?? 'user');
  return resolve(
    stateFlag(args) ||
      process.env.FAULTLINE_SSH_TEST_HOSTS_STATE ||
      join(tmpdir(), `faultline-ssh-test-hosts-${user}.json`),
  );
}

/**
 * The command that removes the hosts of `state`: their keep label (which `faultline clean` prints), so
 * hosts found by label belong to this state and no other.
 */
const downCommand = (state: string) => `node scripts/ssh-test-hosts.ts down --state ${state}`;

interface State {
  runId: string;
  dir: string;
}

async function up(args: string[]): Promise<void> {
  const STATE = statePath(args);
  const DOWN = downCommand(STATE);
  if (existsSync(STATE)) {
    const s = JSON.parse(readFileSync(STATE, 'utf8')) as State;
    throw new Error(
      `test hosts ${s.runId} of ${STATE} are already up (${s.dir}): run \`${DOWN}\` first, or give another --state`,
    );
  }
  const k = args.indexOf('--packages');
  const packages = k >= 0 ? (args[k + 1] ?? '').split(',').filter(Boolean) : [];
  const st = args.indexOf('--state');
  const flagValues = new Set([k, st].filter((i) => i >= 0).map((i) => i + 1));
  const positional = args.filter((a, i) => !a.startsWith('--') && !flagValues.has(i));
  const count = Number(positional[0] ?? 3);
  if (!Number.isInteger(count) || count < 1 || count > 50)
    throw new Error(`host count must be 1..50, got ${positional[0]}`);
  const h = await startSshHosts({ count, packages, keep: DOWN });
  writeFileSync(STATE, JSON.stringify({ runId: h.runId, dir: h.dir } satisfies State));
  const u = h.users[0]!;
  writeFileSync(join(h.dir, 'sudo-password'), `${u.password}\n`, { mode: 0o600 });
  process.stdout.write(
    [
      `${count} SSH test hosts up (run ${h.runId}):`,
      ...h.machines.map((m) => `  ${m.node}  root@${m.ip}`),
      `nodes file:   ${h.nodesFile}   (root@ip)`,
      `sudo nodes:   ${h.sudoNodesFile}   (${u.name}@ip)`,
      `private key:  ${h.keyPath}`,
      `known_hosts:  ${h.knownHostsPath}`,
      `sudo user:    ${u.name} (password in ${join(h.dir, 'sudo-password')})`,
      '',
      'run against them:',
      `  faultline run --ssh --nodes-file ${h.nodesFile} --ssh-private-key ${h.keyPath} --known-hosts ${h.knownHostsPath} \\`,
      '    --system etcd --workload register --nemesis partition,kill',
      `as the sudoer ${u.name} (its own nodes file: an entry's user wins over --username):`,
      `  FAULTLINE_SUDO_PASSWORD="$(cat ${join(h.dir, 'sudo-password')})" faultline run --ssh --nodes-file ${h.sudoNodesFile} --sudo \\`,
      `    --ssh-private-key ${h.keyPath} --known-hosts ${h.knownHostsPath} --system etcd --workload register --nemesis partition,kill`,
      `remove them (faultline clean leaves them, on purpose):`,
      `  ${DOWN}`,
      '',
    ].join('\n'),
  );
}

async function down(args: string[]): Promise<void> {
  const STATE = statePath(args);
  const DOWN = downCommand(STATE);
  const docker = connectEngine().docker;
  let runIds: string[];
  let dir: string | undefined;
  if (existsSync(STATE)) {
    const s = JSON.parse(readFileSync(STATE, 'utf8')) as State;
    runIds = [s.runId];
    dir = s.dir;
  } else {
    // The state file is gone (a cleaned /tmp): this state's hosts are still found by their keep label.
    runIds = (await listRuns(docker)).filter((r) => r.keep === DOWN).map((r) => r.runId);
    if (runIds.length === 0) {
      process.stdout.write(`no SSH test hosts of ${STATE} are up\n`);
      return;
    }
  }
  let hosts = 0;
  let networks = 0;
  const problems: string[] = [];
  for (const id of runIds) {
    const r = await cleanByLabel(docker, id);
    hosts += r.containers.length;
    networks += r.networks.length;
    problems.push(...r.problems);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (problems.length > 0) throw new Error(`could not remove everything: ${problems.join('; ')}`);
  rmSync(STATE, { force: true });
  process.stdout.write(
    `removed ${hosts} hosts and ${networks} network${networks === 1 ? '' : 's'} (run ${runIds.join(', ')})\n`,
  );
}

const [cmd, ...rest] = process.argv.slice(2);
try {
  if (cmd === 'up') await up(rest);
  else if (cmd === 'down') await down(rest);
  else
    throw new Error(
      'usage: node scripts/ssh-test-hosts.ts up [N] [--packages a,b] [--state FILE] | down [--state FILE]',
    );
} catch (err) {
  process.stderr.write(`ssh-test-hosts: ${(err as Error).message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
