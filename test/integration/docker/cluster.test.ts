import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanByLabel } from '../../../src/cluster/docker/clean.ts';
import { DockerCluster } from '../../../src/cluster/docker/cluster.ts';
import { hostExec } from '../../../src/cluster/docker/host-exec.ts';
import type { DockerRemote } from '../../../src/cluster/docker/remote.ts';
import { requireDocker } from '../engine.ts';
import { engine, leftovers, testRunId } from './helpers.ts';

const hasDocker = await requireDocker();

// Tiny TCP server from the host's /usr (no nc on these machines): answers each connection with its hostname.
const SERVER = `
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000)); s.listen(32)
while True:
    c, _ = s.accept(); c.sendall((socket.gethostname() + "\\n").encode()); c.close()
`;

describe.skipIf(!hasDocker)('docker cluster: 5 hostroot nodes', () => {
  const runId = testRunId('cluster');
  const cluster = new DockerCluster({ runId, engine, flavour: 'hostroot' });
  let nodes: DockerRemote[] = [];

  beforeAll(async () => {
    nodes = (await cluster.provision({
      count: 5,
      labels: { 'faultline.test': 'cluster' },
    })) as DockerRemote[];
  });

  afterAll(async () => {
    await cluster.destroy();
    await cleanByLabel(engine.docker, runId);
  });

  it('names nodes n1…n5 with static addresses in the run subnet, labelled with the run id', async () => {
    expect(nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    const prefix = (cluster.subnet ?? '').replace(/\.0\/24$/, '.');
    expect(nodes.map((n) => n.ip)).toEqual([11, 12, 13, 14, 15].map((i) => `${prefix}${i}`));
    const info = await engine.docker.getContainer(nodes[0]?.containerId ?? '').inspect();
    expect(info.Name).toBe(`/faultline-${runId}-n1`);
    expect(info.Config.Labels).toMatchObject({
      faultline: '1',
      'faultline.run': runId,
      'faultline.node': 'n1',
    });
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.CapAdd ?? []).not.toContain('SYS_TIME');
    expect(info.Config.Hostname).toBe('n1');
  });

  it('runs every process under tini', async () => {
    const comm = await nodes[0]?.run(['cat', '/proc/1/comm']);
    expect(comm?.trim()).toBe('tini');
    expect((await nodes[0]?.run(['hostname']))?.trim()).toBe('n1');
  });

  it('every node resolves every other by name and reaches it over TCP', async () => {
    await Promise.all(
      nodes.map((n) => n.run(['sh', '-c', 'nohup python3 -c "$0" >/tmp/srv.log 2>&1 </dev/null &', SERVER])),
    );
    const probe = `for h in n1 n2 n3 n4 n5; do
      ip=$(getent hosts $h | cut -d' ' -f1)
      for i in $(seq 50); do exec 3<>/dev/tcp/$h/7000 2>/dev/null && break; sleep 0.1; done
      echo "$h $ip $(head -n1 <&3)"; exec 3<&-
    done`;
    const outs = await Promise.all(nodes.map((n) => n.run(['bash', '-c', probe], { timeoutMs: 30_000 })));
    for (const out of outs) {
      expect(out.trim().split('\n')).toEqual(nodes.map((m) => `${m.name} ${m.ip} ${m.name}`));
    }
  });

  it('exec returns stdout, stderr and exit codes, and run throws one line on failure', async () => {
    const n = nodes[1] as DockerRemote;
    expect(await n.exec(['sh', '-c', 'echo out; echo err >&2; exit 7'])).toEqual({
      exitCode: 7,
      stdout: 'out\n',
      stderr: 'err\n',
      timedOut: false,
    });
    expect((await n.exec(['false'])).exitCode).toBe(1);
    const missing = await n.exec(['/no/such/binary']);
    expect(missing).toMatchObject({ exitCode: 127, stdout: '' });
    expect(missing.stderr).toMatch(/no such file/);
    expect((await n.exec(['true'], { user: 'nosuchuser' })).exitCode).toBe(126);
    await expect(n.run(['sh', '-c', 'echo boom >&2; exit 3'])).rejects.toThrow(
      /^n2: sh -c 'echo boom >&2; exit 3' exited 3: boom$/,
    );
  });

  it('passes argv literally, never through a shell', async () => {
    const args = [
      'a b',
      '"quoted"',
      "it's",
      '$(touch /tmp/pwned)',
      '; rm -rf /',
      '`id`',
      '*',
      '$HOME',
      '\\n',
    ];
    const out = await nodes[0]?.run(['printf', '%s\\n', ...args]);
    expect(out).toBe(`${args.join('\n')}\n`);
    expect((await nodes[0]?.exec(['test', '-e', '/tmp/pwned']))?.exitCode).toBe(1);
  });

  it('feeds stdin, sets env, cwd and user', async () => {
    const n = nodes[2] as DockerRemote;
    expect(await n.run(['cat'], { stdin: 'line1\nline2' })).toBe('line1\nline2');
    expect(
      await n.run(['sh', '-c', 'echo $FOO; pwd; id -un'], {
        env: { FOO: 'a b' },
        cwd: '/tmp',
        user: 'nobody',
      }),
    ).toBe('a b\n/tmp\nnobody\n');
  });

  it('returns when the command exits even if a background child keeps its output open', async () => {
    const t0 = performance.now();
    const r = await nodes[3]?.exec(['sh', '-c', 'echo started; sleep 20 &']);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'started\n', timedOut: false });
    // Waiting for the background child would take its full 20 s; any bound well below that proves the
    // point without depending on how loaded the machine is.
    expect(performance.now() - t0).toBeLessThan(15_000);
    await nodes[3]?.exec(['pkill', '-f', 'sleep 20']);
  });

  it('kills a command at its timeout, children included', async () => {
    const n = nodes[3] as DockerRemote;
    const t0 = performance.now();
    const r = await n.exec(['sh', '-c', 'sleep 30 & sleep 30; echo never'], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.stdout).toBe('');
    // Not killed, it would run for 60 s (two sleeps of 30 s); the bound only has to be well below that.
    expect(performance.now() - t0).toBeLessThan(25_000);
    const ps = await n.run([
      'sh',
      '-c',
      'for p in /proc/[0-9]*; do cat $p/cmdline 2>/dev/null | tr "\\0" " "; echo; done',
    ]);
    expect(ps).not.toContain('sleep 30');
  });

  it('upload/download round-trips a binary file byte for byte, creating parents', async () => {
    const n = nodes[4] as DockerRemote;
    const data = new Uint8Array(300_000).map((_, i) => (i * 7919 + (i >> 8)) % 256);
    await n.upload('/var/lib/test/deep/blob.bin', data, 0o640);
    const back = await n.download('/var/lib/test/deep/blob.bin');
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    expect((await n.run(['stat', '-c', '%a %s', '/var/lib/test/deep/blob.bin'])).trim()).toBe('640 300000');
    // Existing folders keep their modes (no folder entries in the archive).
    expect((await n.run(['stat', '-c', '%a', '/tmp'])).trim()).toBe('1777');
    await n.upload('/tmp/text.txt', 'héllo\n');
    expect(Buffer.from(await n.download('/tmp/text.txt')).toString()).toBe('héllo\n');
    await expect(n.download('/tmp/missing')).rejects.toThrow(/^n5: no such file \/tmp\/missing$/);
  });

  it('netExec runs host iptables/tc inside the node namespace', async () => {
    const n = nodes[0] as DockerRemote;
    expect(n.netFromHost).toBe(true);
    const add = await n.netExec(['iptables', '-A', 'INPUT', '-s', nodes[1]?.ip ?? '', '-j', 'DROP']);
    expect(add.exitCode).toBe(0);
    const list = await n.netExec(['iptables', '-S', 'INPUT']);
    expect(list.stdout).toContain(`-A INPUT -s ${nodes[1]?.ip}/32 -j DROP`);
    // The rule is not on the host's own tables.
    expect((await hostExec(['iptables', '-S', 'INPUT'])).stdout).not.toContain(`${nodes[1]?.ip}/32`);
    // The rule is in the node's namespace: n2 can no longer reach n1, n3 still can.
    const reach = (from: DockerRemote) =>
      from.exec(['bash', '-c', 'timeout 1 bash -c "exec 3<>/dev/tcp/n1/7000 && head -n1 <&3"']);
    expect((await reach(nodes[1] as DockerRemote)).exitCode).not.toBe(0);
    expect((await reach(nodes[2] as DockerRemote)).stdout.trim()).toBe('n1');
    expect((await n.netExec(['iptables', '-F'])).exitCode).toBe(0);
    expect((await reach(nodes[1] as DockerRemote)).stdout.trim()).toBe('n1');
  });

  it('collects node files into dir/<node>/<path>', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-collect-'));
    await nodes[0]?.upload('/var/log/app/app.log', 'log line\n');
    const files = await cluster.collect({ '*': ['/etc/hostname'], n1: ['/var/log/app', '/nope'] }, dir);
    expect(files).toContain(join(dir, 'n1/var/log/app/app.log'));
    expect(readFileSync(join(dir, 'n3/etc/hostname'), 'utf8').trim()).toBe('n3');
    expect(readFileSync(join(dir, 'n1/var/log/app/app.log'), 'utf8')).toBe('log line\n');
  });

  it('destroy removes every container and the network, and is idempotent', async () => {
    expect((await leftovers(runId)).length).toBe(6);
    expect(await cluster.destroy()).toEqual([]);
    expect(await leftovers(runId)).toEqual([]);
    expect(await cluster.destroy()).toEqual([]);
  });
});

describe.skipIf(!hasDocker)('docker cluster: networks of concurrent runs', () => {
  it('gives concurrent runs distinct subnets, and the same node names on separate networks', async () => {
    const a = new DockerCluster({ runId: testRunId('par-a'), engine, flavour: 'hostroot' });
    const b = new DockerCluster({ runId: testRunId('par-b'), engine, flavour: 'hostroot' });
    try {
      const [ra, rb] = await Promise.all([a.provision({ count: 2 }), b.provision({ count: 2 })]);
      expect(a.subnet).not.toBe(b.subnet);
      // n2 in run a is run a's n2.
      const seen = await ra[0]?.run(['getent', 'hosts', 'n2']);
      expect(seen?.split(/\s+/)[0]).toBe(ra[1]?.ip);
      expect(rb[1]?.ip).not.toBe(ra[1]?.ip);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
    expect(await leftovers(a.runId)).toEqual([]);
    expect(await leftovers(b.runId)).toEqual([]);
  });

  it('a failed provision (unknown image) leaves nothing behind and says why in one line', async () => {
    const c = new DockerCluster({ runId: testRunId('bad'), engine, image: 'faultline/does-not-exist:1' });
    await expect(c.provision({ count: 2 })).rejects.toThrow(
      /faultline\/does-not-exist:1 is not present and cannot be pulled/,
    );
    expect(await leftovers(c.runId)).toEqual([]);
  });
});
