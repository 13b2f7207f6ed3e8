/**
 * Child process for the SIGINT test: provisions a hostroot cluster, printing progress lines; SIGINT aborts the
 * provision (or, once provisioned, tears down). Usage: node provision-child.ts <runId> <count>
 */
import { DockerCluster } from '../../../src/cluster/docker/cluster.ts';

const [runId = '', count = '8'] = process.argv.slice(2);
const ac = new AbortController();
process.on('SIGINT', () => {
  console.log('SIGINT');
  ac.abort();
});
const say = (m: string) => console.log(m);
const cluster = new DockerCluster({
  runId,
  flavour: 'hostroot',
  logger: { debug: say, info: say, warn: say, error: say },
});
try {
  await cluster.provision({ count: Number(count) }, ac.signal);
  console.log('PROVISIONED');
  // A pending promise alone does not keep Node alive (it would exit 13 right here): hold a timer until the signal.
  const alive = setInterval(() => {}, 60_000);
  if (!ac.signal.aborted) await new Promise((r) => ac.signal.addEventListener('abort', r));
  clearInterval(alive);
} catch (err) {
  console.log(`ABORTED ${(err as Error).message}`);
} finally {
  const problems = await cluster.destroy();
  console.log(`DESTROYED ${JSON.stringify(problems)}`);
  process.exitCode = 130;
}
