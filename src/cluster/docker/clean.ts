/** Removing what faultline created, found by label: a run's teardown, and `faultline clean` after crashes. */
import type Docker from 'dockerode';
import { isNotFound } from './engine.ts';
import { LABEL_ALL, LABEL_IMAGE, LABEL_KEEP, LABEL_RUN } from './labels.ts';

export interface CleanResult {
  containers: string[];
  networks: string[];
  /** One line per thing that could not be removed; empty when all went. */
  problems: string[];
}

/** The command that removes a run's resources (printed when a run leaves its nodes running). */
export function cleanHint(runId?: string): string {
  return runId ? `faultline clean --run-id ${runId}` : 'faultline clean';
}

function labelFilter(runId?: string): string {
  return runId ? `${LABEL_RUN}=${runId}` : `${LABEL_ALL}=1`;
}

const msg = (err: unknown) => ((err as Error)?.message ?? String(err)).replace(/\s+/g, ' ').trim();

/** A removal that lost a race with another (409 "already in progress") is fine: the thing is going away. */
function alreadyGoing(err: unknown): boolean {
  return isNotFound(err) || /already in progress|is being removed/i.test(msg(err));
}

/**
 * Force-removes the containers (with anonymous volumes) and then the networks labelled with the run id,
 * or everything labelled faultline=1 when runId is absent, except what is kept on purpose (LABEL_KEEP:
 * only naming its run id removes it). Never throws. `extraContainers` / `extraNetworks`
 * are ids the caller knows about (in case a label is missing).
 */
export async function cleanByLabel(
  docker: Docker,
  runId?: string,
  extra: { containers?: string[]; networks?: string[] } = {},
): Promise<CleanResult> {
  const result: CleanResult = { containers: [], networks: [], problems: [] };
  const filters = JSON.stringify({ label: [labelFilter(runId)] });
  for (let attempt = 0; attempt < 3; attempt++) {
    let ids = new Set(extra.containers ?? []);
    try {
      const listed = await docker.listContainers({ all: true, filters });
      for (const c of listed) if (runId || !c.Labels?.[LABEL_KEEP]) ids.add(c.Id);
    } catch (err) {
      result.problems.push(`cannot list containers: ${msg(err)}`);
      return result;
    }
    ids = new Set([...ids].filter((id) => !result.containers.includes(id)));
    if (ids.size === 0) break;
    const errors: string[] = [];
    await Promise.all(
      [...ids].map(async (id) => {
        try {
          await docker.getContainer(id).remove({ force: true, v: true });
          result.containers.push(id);
        } catch (err) {
          if (alreadyGoing(err)) result.containers.push(id);
          else errors.push(`container ${id.slice(0, 12)}: ${msg(err)}`);
        }
      }),
    );
    if (errors.length === 0) break;
    if (attempt === 2) result.problems.push(...errors);
    else await new Promise((r) => setTimeout(r, 250));
  }
  let nets = new Set(extra.networks ?? []);
  try {
    for (const n of await docker.listNetworks({ filters }))
      if (runId || !n.Labels?.[LABEL_KEEP]) nets.add(n.Id);
  } catch (err) {
    result.problems.push(`cannot list networks: ${msg(err)}`);
    return result;
  }
  nets = new Set(nets);
  await Promise.all(
    [...nets].map(async (id) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await docker.getNetwork(id).remove();
          result.networks.push(id);
          return;
        } catch (err) {
          if (isNotFound(err)) return;
          // "has active endpoints": a container removal still settling in the engine.
          if (attempt >= 4) {
            result.problems.push(`network ${id.slice(0, 12)}: ${msg(err)}`);
            return;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }),
  );
  return result;
}

/**
 * Removes the cached node and base images (labelled faultline=1), or only those whose faultline.image label
 * is in `kinds` ('hostroot', 'debian', 'base'); images in use by containers stay.
 */
export async function removeImages(
  docker: Docker,
  kinds?: readonly string[],
): Promise<{ removed: string[]; problems: string[] }> {
  const out = { removed: [] as string[], problems: [] as string[] };
  const filters = JSON.stringify({ label: [`${LABEL_ALL}=1`] });
  const images = (await docker.listImages({ filters })).filter(
    (i) => !kinds || kinds.includes(i.Labels?.[LABEL_IMAGE] ?? ''),
  );
  // Newest first, so node images go before the base they were built on.
  images.sort((a, b) => b.Created - a.Created);
  for (const img of images) {
    for (const ref of img.RepoTags?.filter((t) => t !== '<none>:<none>') ?? [img.Id]) {
      try {
        await docker.getImage(ref).remove();
        out.removed.push(ref);
      } catch (err) {
        if (!isNotFound(err)) out.problems.push(`image ${ref}: ${msg(err)}`);
      }
    }
  }
  return out;
}
