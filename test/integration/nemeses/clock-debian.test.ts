/**
 * The clock shim in the `debian` flavour (packages installed in the image, shim copied in at build):
 * etcd from Debian — Go, dynamically linked, reading the vDSO itself — follows +3600 s, then -30 s, live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockDescriptor, observedOffset } from '../../../nemeses/clock.ts';
import { cleanByLabel } from '../../../src/cluster/docker/clean.ts';
import { DockerCluster } from '../../../src/cluster/docker/cluster.ts';
import { SKEWTIME_SO } from '../../../src/cluster/node-helpers/index.ts';
import type { Remote } from '../../../src/core/remote.ts';
import { engine, leftovers, testRunId } from '../docker/helpers.ts';
import { requireDocker } from '../engine.ts';
import { invoke, runContext, startSingleEtcd } from './helpers.ts';

const hasDocker = await requireDocker();

describe.skipIf(!hasDocker)('clock shim on a debian node with etcd', () => {
  const runId = testRunId('clock-deb');
  const cluster = new DockerCluster({ runId, engine, flavour: 'debian', packages: ['etcd-server'] });
  const clock = clockDescriptor.create({ intervalS: 5, nodes: ['n1'] });
  let n1: Remote;
  let ctx: ReturnType<typeof runContext>;

  beforeAll(async () => {
    const t0 = performance.now();
    [n1] = (await cluster.provision({ count: 1 })) as [Remote];
    console.log(
      `debian node (image ${cluster.image?.built ? 'built' : 'cached'}) in ${Math.round(performance.now() - t0)} ms`,
    );
    ctx = runContext([n1]);
    await clock.nemesis.setup?.(ctx);
  }, 300_000);

  afterAll(async () => {
    await clock.nemesis.teardown?.(ctx);
    await cluster.destroy();
    await cleanByLabel(engine.docker, runId);
    expect(await leftovers(runId)).toEqual([]);
  });

  it('etcd log timestamps follow the offset file', async () => {
    expect((await n1.exec(['test', '-f', SKEWTIME_SO])).exitCode).toBe(0);
    // Dynamically linked: it names the ELF interpreter (a static Go binary would ignore LD_PRELOAD).
    expect((await n1.exec(['grep', '-q', 'ld-linux-x86-64.so.2', '/usr/bin/etcd'])).exitCode).toBe(0);
    await startSingleEtcd(n1);
    const etcdSkew = async () => {
      await fetch(`http://${n1.ip}:2379/v3/maintenance/defragment`, { method: 'POST', body: '{}' }).catch(
        () => {},
      );
      const log = await n1.run(['tail', '-n', '1', '/tmp/etcd.log']);
      const ts = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)/.exec(log)?.[1];
      return (Date.parse(`${ts?.replace(' ', 'T')}Z`) - Date.now()) / 1000;
    };
    for (
      let i = 0;
      i < 40 &&
      !(await fetch(`http://${n1.ip}:2379/health`)
        .then((r) => r.ok)
        .catch(() => false));
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    expect(Math.abs(await etcdSkew())).toBeLessThan(2);
    for (const offset of [3600, -30]) {
      expect(await invoke(clock.nemesis, ctx, 'set-clock', { n1: offset })).toMatchObject({
        type: 'ok',
        value: { n1: offset },
      });
      expect(Math.abs((await observedOffset(n1)) - offset)).toBeLessThan(1);
      await new Promise((r) => setTimeout(r, 100));
      const seen = await etcdSkew();
      console.log(`debian etcd: offset ${offset} s, log shows ${seen.toFixed(3)} s`);
      expect(Math.abs(seen - offset)).toBeLessThan(2);
    }
  }, 60_000);
});
