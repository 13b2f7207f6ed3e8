/**
 * Nemeses over SSH and faultline's own control connection, on real sshd hosts (test/integration/ssh/
 * hosts.ts), one fixture:
 * - a host whose SSH port is cut mid-run (iptables DROP on dport 22 inside it, as a breaker did) is never
 *   healed "ok" and never left behind without a word: the partition heal that cannot reach it is
 *   `heal-failed` naming it, and SshCluster.destroy() reports it with everything to remove by hand;
 * - packet faults without peers (all traffic) leave the SSH connection alone: with 100% loss, and with
 *   netem duplication where the host's kernel has netem, commands over SSH still answer;
 * - crash over SSH: SIGKILL to every system process faultline started (daemon and its children), its
 *   fault helpers (fl-…, as the packet family's fl-delay) spared; then restart-node starts the system again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packetNemesis } from '../../../nemeses/packet.ts';
import { partitionNemesis } from '../../../nemeses/partition.ts';
import { crashDescriptor } from '../../../nemeses/process.ts';
import { daemonPids, FAULT_HELPER_PREFIX, processState, startDaemon } from '../../../src/cluster/daemon.ts';
import { SshCluster } from '../../../src/cluster/ssh/cluster.ts';
import type { Invocation } from '../../../src/core/generator.ts';
import type { RunContext } from '../../../src/core/index.ts';
import type { Remote } from '../../../src/core/remote.ts';
import { silentLogger } from '../../../src/util/log.ts';
import { requireDocker } from '../engine.ts';
import { type SshHosts, startSshHosts } from './hosts.ts';

const hasDocker = await requireDocker();
const op = (f: string, value: unknown): Invocation => ({
  type: 'invoke',
  process: 'nemesis',
  time: 0,
  f,
  value,
});
const CUT_SSH = ['INPUT', '-p', 'tcp', '--dport', '22', '-j', 'DROP'];

describe.skipIf(!hasDocker)('nemeses over SSH and the control connection', () => {
  let h: SshHosts;
  beforeAll(async () => {
    h = await startSshHosts({ count: 2 });
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  function clusterFor(runId: string) {
    return new SshCluster({
      hosts: h.hosts,
      auth: { privateKeyPath: h.keyPath },
      strictHostKeyChecking: true,
      knownHostsPath: h.knownHostsPath,
      sudo: false,
      runId,
      keepaliveIntervalMs: 1000,
      connectTimeoutMs: 3000,
      logger: silentLogger,
    });
  }
  function ctxOf(remotes: Remote[]): RunContext {
    return {
      name: 't',
      nodes: remotes.map((r) => r.name),
      remotes,
      concurrency: 1,
      seed: 1,
      mode: '',
      options: {},
      runDir: '/nonexistent',
      log: silentLogger,
      signal: new AbortController().signal,
    } as unknown as RunContext;
  }

  it('packet loss of every packet and netem leave the SSH connection alone', async () => {
    const cluster = clusterFor('ssh-control-test');
    try {
      const remotes: Remote[] = await cluster.provision({ count: 2, names: h.hosts.map((x) => x.name) });
      const test = ctxOf(remotes);
      const b = remotes[1]!;
      const packet = packetNemesis({ intervalS: 1, nodes: test.nodes });
      const lost = await packet.invoke(test, op('start-packet', { nodes: [b.name], loss: 1 }));
      expect(lost.type).toBe('ok');
      // Every other packet is dropped on b (a peer's connect gets silence), but its SSH commands answer.
      expect(await b.run(['echo', 'still here'], { timeoutMs: 20_000 })).toBe('still here\n');
      expect(await b.run(['iptables', '-w', '-S', 'FAULTLINE-LOSS-IN'])).toMatch(/-j RETURN[\s\S]*-j DROP/);
      expect((await packet.invoke(test, op('stop-packet', null))).type).toBe('ok');
      const dup = await packet.invoke(test, op('start-packet', { nodes: [b.name], duplicate: 0.5 }));
      if (dup.type === 'ok') {
        expect(await b.run(['tc', 'qdisc', 'show'])).toMatch(/qdisc prio 1: root[\s\S]*qdisc netem 20:/);
        expect(await b.run(['echo', 'still here'], { timeoutMs: 20_000 })).toBe('still here\n');
      } else expect(dup.error).toMatch(/has no netem/); // this kernel lacks netem: only loss is checked
      // Healed either way: nothing of the fault (prio root included) is left.
      expect((await packet.invoke(test, op('stop-packet', null))).type).toBe('ok');
      expect(await b.run(['tc', 'qdisc', 'show'])).not.toMatch(/netem|prio 1:/);
      expect(await cluster.destroy()).toEqual([]);
    } finally {
      await cluster.destroy();
    }
  }, 120_000);

  it('crash kills every system process faultline started on the host, not its fault helpers; restart-node starts the system again', async () => {
    const cluster = clusterFor('ssh-crash-test');
    try {
      const remotes: Remote[] = await cluster.provision({ count: 2, names: h.hosts.map((x) => x.name) });
      const test = ctxOf(remotes);
      const b = remotes[1]!;
      // A daemon with a child in its process group, as a server with workers would be.
      const spec = {
        name: 'crashme',
        argv: ['/bin/sh', '-c', 'sleep 1000 & exec sleep 999'],
        logFile: '/tmp/crashme.log',
      };
      let starts = 0;
      const system = {
        start: async (_t: RunContext, node: { remote?: Remote }) => {
          starts++;
          await startDaemon(node.remote!, spec);
        },
      };
      await startDaemon(b, spec);
      // A fault helper (as the packet family's fl-delay): it goes with the host's rules, not with a crash.
      const helper = await startDaemon(b, {
        name: `${FAULT_HELPER_PREFIX}crash-test`,
        argv: ['/bin/sleep', '998'],
        logFile: '/tmp/fl-crash-test.log',
      });
      const alive = async () =>
        (await b.exec(['pgrep', '-f', '^sleep (1000|999)$'])).stdout.trim().split('\n').filter(Boolean);
      expect(await alive()).toHaveLength(2);
      const pkg = crashDescriptor.create({ nodes: test.nodes, system: system as never, intervalS: 1 });
      const crashed = await pkg.nemesis.invoke(test, op('crash', { nodes: [b.name] }));
      expect(crashed, JSON.stringify(crashed)).toMatchObject({ type: 'ok' });
      // Both processes are gone (the child too), and the pid file names a dead process.
      expect(await alive()).toEqual([]);
      const pid = (await daemonPids(b)).crashme!;
      expect([undefined, 'Z']).toContain(await processState(b, pid));
      expect(['S', 'R']).toContain(await processState(b, helper));
      const back = await pkg.nemesis.invoke(test, op('restart-node', { nodes: [b.name] }));
      expect(back, JSON.stringify(back)).toMatchObject({ type: 'ok' });
      expect(starts).toBe(1);
      expect(await alive()).toHaveLength(2);
      await b.exec(['pkill', '-KILL', '-f', '^(/bin/)?sleep (1000|999|998)$']);
      expect(await cluster.destroy()).toEqual([]);
    } finally {
      await cluster.destroy();
    }
  }, 120_000);

  it('fails the partition heal and is named by destroy with what to remove', async () => {
    const cluster = clusterFor('ssh-unreachable-test');
    const cut = h.machines[1]!;
    try {
      const remotes: Remote[] = await cluster.provision({ count: 2, names: h.hosts.map((x) => x.name) });
      const [a, b] = remotes.map((r) => r.name) as [string, string];
      const test = ctxOf(remotes);
      const part = partitionNemesis({ intervalS: 1, nodes: [a, b] });
      const started = await part.invoke(
        test,
        op('start-partition', { topology: 'grudge', grudge: { [b]: [a] } }),
      );
      expect(started.type).toBe('ok');

      await cut.docker.run(['iptables', '-w', '-I', ...CUT_SSH]);
      const healed = await part.invoke(test, op('stop-partition', null));
      expect(healed.fault).toBe('heal-failed');
      expect(healed.error).toMatch(new RegExp(`${b}: unreachable .*chain FAULTLINE may still be in place`));
      // The heal did not happen: the chain and its DROP rule are still on the cut host.
      expect(await cut.docker.run(['iptables', '-w', '-S', 'FAULTLINE'])).toMatch(/-j DROP/);

      const problems = await cluster.destroy();
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${b}: unreachable`));
      for (const what of [
        'FAULTLINE*',
        'iptables -X',
        '/opt/faultline',
        '/run/faultline',
        '/var/log/faultline',
      ])
        expect(problems[0]).toContain(what);
      // The host that answered was cleaned as usual.
      const ok = h.machines[0]!;
      expect((await ok.docker.exec(['ls', '-d', '/opt/faultline', '/run/faultline'])).stdout).toBe('');
      expect(await ok.docker.run(['iptables', '-w', '-S'])).not.toContain('FAULTLINE');
    } finally {
      await cluster.destroy();
      // Leave the host as the fixture made it (it is removed with the fixture anyway).
      await cut.docker.exec(['iptables', '-w', '-D', ...CUT_SSH]);
    }
  }, 180_000);
});
