/**
 * The SSH backend at fleet size, simulated: `node bench/ssh.ts [--hosts 9] [--time-limit 15] [--rate 0]`.
 * Starts N sshd hosts (Debian containers, test/integration/ssh/hosts.ts) and prints:
 * - setup: hosts up (the fixture, not faultline), `SshCluster.provision` (connect, OS check, packages
 *   already present, helpers uploaded), and a whole etcd run's setup phase;
 * - per host: a command's round trip, and the time to apply and to remove a partition chain with one
 *   DROP rule, and to set and check a clock offset (median and max over the hosts);
 * - ops/s of an etcd register run on all N hosts under partitions, through the ordinary runner.
 * Numbers only: nothing here asserts a speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OFFSET_FILE, observedOffset } from '../nemeses/clock.ts';
import { ensureChain, removeChain, setRules } from '../nemeses/iptables.ts';
import { sshClusterFor } from '../src/cli/commands/run.ts';
import type { Remote } from '../src/core/remote.ts';
import { resolveTest } from '../src/registry.ts';
import { runTest } from '../src/runner/run.ts';
import { findSystem } from '../systems/index.ts';
import { startSshHosts } from '../test/integration/ssh/hosts.ts';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '9' },
    'time-limit': { type: 'string', default: '15' },
    rate: { type: 'string', default: '0' },
  },
});
const count = Number(values.hosts);
const timeLimit = Number(values['time-limit']);
const rate = Number(values.rate);

const ms = (x: number) => `${x.toFixed(1)} ms`;
const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const stats = (xs: number[]) => `median ${ms(median(xs))}, max ${ms(Math.max(...xs))}`;
const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
};

const resultsDir = mkdtempSync(join(tmpdir(), 'fl-bench-ssh-'));
const [hosts, upMs] = await timed(() => startSshHosts({ count, packages: ['etcd-server', 'etcd-client'] }));
console.log(
  `${count} sshd hosts up (fixture, not faultline): ${s(upMs)}; load ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`,
);
try {
  const def = {
    system: 'etcd',
    workload: 'register',
    cluster: 'ssh' as const,
    nodes: hosts.hosts.map((h) => `${h.username}@${h.host}:${h.port}`),
    knownHosts: hosts.knownHostsPath,
    sshPrivateKey: hosts.keyPath,
    resultsDir,
  };
  {
    const r = resolveTest({ ...def, nemesis: 'none' });
    const system = findSystem('etcd').create('default');
    const cluster = sshClusterFor(system, r.test, {});
    try {
      const [remotes, provMs] = await timed(() => cluster.provision({ count, names: r.test.nodes }));
      console.log(
        `SshCluster.provision, ${count} hosts (connect, OS check, packages present, helpers): ${s(provMs)}`,
      );
      const per = async (f: (r: Remote) => Promise<unknown>) =>
        Promise.all(remotes.map(async (x) => (await timed(() => f(x)))[1]));
      // Sequential rounds, parallel over hosts: what one fault op on every host costs.
      const rtt: number[] = [];
      for (let i = 0; i < 10; i++) rtt.push(...(await per((x) => x.exec(['true']))));
      console.log(`command round trip per host: ${stats(rtt)}`);
      const apply = await per(async (x) => {
        await ensureChain(x, 'FAULTLINE', ['INPUT']);
        await setRules(x, 'FAULTLINE', [['-s', '192.0.2.1/32', '-j', 'DROP']]);
      });
      console.log(`partition chain applied (chain + jump + one rule) per host: ${stats(apply)}`);
      const heal = await per((x) => removeChain(x, 'FAULTLINE', ['INPUT']));
      console.log(`partition chain removed per host: ${stats(heal)}`);
      const clock = await per(async (x) => {
        await x.upload(OFFSET_FILE, '30\n');
        await observedOffset(x);
      });
      console.log(`clock offset written and checked per host: ${stats(clock)}`);
      await per((x) => x.exec(['rm', '-f', OFFSET_FILE]));
    } finally {
      const problems = await cluster.destroy();
      if (problems.length) console.error(problems.join('\n'));
    }
  }
  {
    const r = resolveTest({
      ...def,
      nemesis: 'partition',
      nemesisInterval: 5,
      timeLimit,
      rate,
      concurrency: '2n',
      opTimeout: 5,
    });
    const phases: Record<string, number> = {};
    let last = performance.now();
    let lastPhase = 'start';
    const [outcome, runMs] = await timed(() =>
      runTest(
        r.test,
        {
          system: r.system,
          workload: r.workload,
          cluster: sshClusterFor(r.system, r.test, {}),
          ...(r.nemesis ? { nemesis: r.nemesis } : {}),
        },
        {
          onEvent: (e) => {
            if (e.kind !== 'phase') return;
            const now = performance.now();
            phases[lastPhase] = now - last;
            last = now;
            lastPhase = e.phase;
          },
        },
      ),
    );
    const done = outcome.history.filter((o) => o.type !== 'invoke' && o.process !== 'nemesis').length;
    console.log(
      `etcd register on ${count} hosts under partitions, ${timeLimit} s at rate ${rate || 'unlimited'}: ` +
        `${done} client ops completed, ${(done / timeLimit).toFixed(0)} ops/s; verdict ${outcome.valid}; ` +
        `setup ${s(phases.setup ?? Number.NaN)}, whole run ${s(runMs)}${outcome.error ? `; error: ${outcome.error}` : ''}`,
    );
  }
} finally {
  await hosts.stop();
  rmSync(resultsDir, { recursive: true, force: true });
}
