/** What the Docker integration suites share: run ids, and listing what a run left behind. */
import { connectEngine } from '../../../src/cluster/docker/engine.ts';
import { LABEL_RUN } from '../../../src/cluster/docker/labels.ts';

export const engine = connectEngine();

export function testRunId(tag: string): string {
  return `test-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Names of the containers and networks still carrying the run's label. */
export async function leftovers(runId: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${LABEL_RUN}=${runId}`] });
  const cs = await engine.docker.listContainers({ all: true, filters });
  const ns = await engine.docker.listNetworks({ filters });
  return [...cs.map((c) => `container ${c.Names.join(',')}`), ...ns.map((n) => `network ${n.Name}`)];
}
