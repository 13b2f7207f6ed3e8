/**
 * Cluster up/down timings on the real engine: `node bench/cluster.ts [--runs 5] [--nodes 5] [--debian]`.
 * up = nothing → N hostroot nodes running and answering exec (image cached); down = all removed.
 * --debian also times the first debian image build (debootstrap; removes the cached debian images first),
 * a build on the cached base, and a cached lookup.
 */
import { parseArgs } from 'node:util';
import { removeImages } from '../src/cluster/docker/clean.ts';
import { DockerCluster } from '../src/cluster/docker/cluster.ts';
import { connectEngine, pingEngine } from '../src/cluster/docker/engine.ts';
import { ensureImage } from '../src/cluster/docker/image.ts';
import { newRunId } from '../src/cluster/docker/labels.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    nodes: { type: 'string', default: '5' },
    debian: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const count = Number(values.nodes);
const engine = connectEngine();
try {
  await pingEngine(engine);
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(255);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const hr = await ensureImage(engine, { flavour: 'hostroot', force: true });
console.log(`hostroot image build (forced): ${s(hr.ms)}`);
const cached = await ensureImage(engine, { flavour: 'hostroot' });
console.log(`hostroot image lookup (cached): ${s(cached.ms)}`);

const ups: number[] = [];
const downs: number[] = [];
for (let i = 0; i < runs; i++) {
  const cluster = new DockerCluster({ engine, flavour: 'hostroot', runId: `bench-${newRunId()}` });
  try {
    const t0 = performance.now();
    const nodes = await cluster.provision({ count });
    await Promise.all(nodes.map((n) => n.run(['true'])));
    ups.push(performance.now() - t0);
  } finally {
    const t1 = performance.now();
    const problems = await cluster.destroy();
    downs.push(performance.now() - t1);
    if (problems.length) console.error(problems.join('\n'));
  }
}
{
  // Fault-injection path: host iptables via nsenter into the node's namespace, against the same through exec.
  const cluster = new DockerCluster({ engine, flavour: 'hostroot', runId: `bench-${newRunId()}` });
  try {
    const [n] = await cluster.provision({ count: 1 });
    if (!n) throw new Error('no node');
    const time = async (f: () => Promise<unknown>) => {
      const ts: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        await f();
        ts.push(performance.now() - t);
      }
      return median(ts);
    };
    const viaNs = await time(() => n.netExec(['iptables', '-S', 'INPUT']));
    const viaExec = await time(() => n.exec(['iptables', '-S', 'INPUT']));
    const plain = await time(() => n.exec(['true']));
    console.log(
      `per command (median of 10): netExec iptables ${viaNs.toFixed(1)} ms, exec iptables ${viaExec.toFixed(1)} ms, exec true ${plain.toFixed(1)} ms`,
    );
  } finally {
    await cluster.destroy();
  }
}

const up = median(ups);
const down = median(downs);
console.log(`${count} hostroot nodes, ${runs} runs: up ${ups.map(s).join(', ')}`);
console.log(`                       down ${downs.map(s).join(', ')}`);
console.log(
  `median up ${s(up)} (goal ≤ 2 s) ${up <= 2000 ? 'OK' : 'OVER'}; median down ${s(down)} (goal ≤ 1 s) ${down <= 1000 ? 'OK' : 'OVER'}`,
);

if (values.debian) {
  const pkgs = ['etcd-server', 'etcd-client'];
  const removed = await removeImages(engine.docker, ['debian', 'base']);
  console.log(`removed cached images: ${removed.removed.join(', ') || 'none'}`);
  const first = await ensureImage(engine, { flavour: 'debian', packages: pkgs });
  console.log(`debian image, first build (debootstrap + apt ${pkgs.join(' ')}): ${s(first.ms)}`);
  const rebuilt = await ensureImage(engine, { flavour: 'debian', packages: pkgs, force: true });
  console.log(`debian image, rebuild on the cached base: ${s(rebuilt.ms)}`);
  const hit = await ensureImage(engine, { flavour: 'debian', packages: pkgs });
  console.log(`debian image, cached: ${s(hit.ms)}`);
}
