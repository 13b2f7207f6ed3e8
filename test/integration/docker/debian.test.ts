import { afterAll, describe, expect, it } from 'vitest';
import { DockerCluster } from '../../../src/cluster/docker/cluster.ts';
import { ensureImage } from '../../../src/cluster/docker/image.ts';
import type { DockerRemote } from '../../../src/cluster/docker/remote.ts';
import { requireDocker } from '../engine.ts';
import { engine, leftovers, testRunId } from './helpers.ts';

const hasDocker = await requireDocker();

// The first build on a machine debootstraps bookworm (~40 s measured here, longer on a slow mirror); later runs
// reuse the image by tag. Set FAULTLINE_SKIP_DEBIAN=1 to leave this out on machines without mirror access.
describe.skipIf(!hasDocker || process.env.FAULTLINE_SKIP_DEBIAN === '1')('debian flavour', () => {
  const cluster = new DockerCluster({
    runId: testRunId('debian'),
    engine,
    flavour: 'debian',
    packages: ['etcd-server', 'etcd-client'],
  });
  afterAll(async () => {
    await cluster.destroy();
  });

  it('builds (or reuses) the image, and a node runs etcd from it', { timeout: 600_000 }, async () => {
    const img = await ensureImage(engine, { flavour: 'debian', packages: ['etcd-server', 'etcd-client'] });
    expect(img.image).toMatch(/^faultline\/node:debian-[0-9a-f]{16}$/);
    // Same inputs, same tag, no rebuild.
    const again = await ensureImage(engine, { flavour: 'debian', packages: ['etcd-client', 'etcd-server'] });
    expect(again).toMatchObject({ image: img.image, built: false });

    const [n1] = (await cluster.provision({ count: 1 })) as DockerRemote[];
    if (!n1) throw new Error('no node');
    expect(await n1.run(['etcd', '--version'])).toMatch(/etcd Version: 3\./);
    // No host /usr in this flavour: the binaries are the image's own.
    const mounts = (await engine.docker.getContainer(n1.containerId).inspect()).Mounts;
    expect(mounts.map((m) => m.Destination)).not.toContain('/usr');
    await n1.run([
      'sh',
      '-c',
      'nohup etcd --name n1 --data-dir /var/lib/etcd/n1 --listen-client-urls http://0.0.0.0:2379 ' +
        '--advertise-client-urls http://n1:2379 >/tmp/etcd.log 2>&1 </dev/null &',
    ]);
    let health = '';
    for (let i = 0; i < 100 && !health.includes('is healthy'); i++) {
      const r = await n1.exec(
        ['etcdctl', '--endpoints=http://n1:2379', '--dial-timeout=1s', 'endpoint', 'health'],
        {
          env: { ETCDCTL_API: '3' },
        },
      );
      health = r.stdout + r.stderr;
      if (!health.includes('is healthy')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(health).toContain('is healthy');
    expect((await n1.run(['cat', '/proc/1/comm'])).trim()).toBe('tini');
    expect(await cluster.destroy()).toEqual([]);
    expect(await leftovers(cluster.runId)).toEqual([]);
  });
});
