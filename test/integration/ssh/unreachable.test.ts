/**
 * A host whose SSH port is cut mid-run (iptables DROP on dport 22 inside it, as a breaker did) is never
 * healed "ok" and never left behind without a word: the partition heal that cannot reach it is
 * `heal-failed` naming it, and SshCluster.destroy() reports it with everything to remove by hand. The
 * other host is cleaned as usual. Real sshd hosts (test/integration/ssh/hosts.ts), one fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionNemesis } from '../../../nemeses/partition.ts';
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

describe.skipIf(!hasDocker)('an SSH host that stops answering mid-run', () => {
  let h: SshHosts;
  beforeAll(async () => {
    h = await startSshHosts({ count: 2 });
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('fails the partition heal and is named by destroy with what to remove', async () => {
    const cluster = new SshCluster({
      hosts: h.hosts,
      auth: { privateKeyPath: h.keyPath },
      strictHostKeyChecking: true,
      knownHostsPath: h.knownHostsPath,
      sudo: false,
      runId: 'ssh-unreachable-test',
      keepaliveIntervalMs: 1000,
      connectTimeoutMs: 3000,
      logger: silentLogger,
    });
    const cut = h.machines[1]!;
    try {
      const remotes: Remote[] = await cluster.provision({ count: 2, names: h.hosts.map((x) => x.name) });
      const [a, b] = remotes.map((r) => r.name) as [string, string];
      const test = {
        name: 't',
        nodes: [a, b],
        remotes,
        concurrency: 1,
        seed: 1,
        mode: '',
        options: {},
        runDir: '/nonexistent',
        log: silentLogger,
        signal: new AbortController().signal,
      } as unknown as RunContext;
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
