/**
 * faultline runs present on the engine, grouped by run id with their owner (owner.ts), and which of them
 * `faultline clean` may remove: only those whose owning process is gone, unless forced.
 */
import type Docker from 'dockerode';
import {
  LABEL_ALL,
  LABEL_KEEP,
  LABEL_OWNER_HOST,
  LABEL_OWNER_PID,
  LABEL_OWNER_START,
  LABEL_RUN,
} from './labels.ts';
import { type Owner, type OwnerState, ownerState } from './owner.ts';

export interface RunOnEngine {
  runId: string;
  /** Container and network names carrying the run's label. */
  containers: string[];
  networks: string[];
  owner?: Owner;
  state: OwnerState;
  /** When the oldest of its containers/networks was created, ms since the epoch (NaN when unknown). */
  createdMs: number;
  /** Kept on purpose (LABEL_KEEP): the command that removes it; `clean` never does. */
  keep?: string;
}

/** The owner recorded in a container's or network's labels, or undefined when it has none (or a bad one). */
export function ownerFromLabels(labels: Record<string, string> | undefined): Owner | undefined {
  const pid = Number(labels?.[LABEL_OWNER_PID]);
  const host = labels?.[LABEL_OWNER_HOST];
  if (!Number.isSafeInteger(pid) || pid <= 0 || !host) return undefined;
  const start = labels?.[LABEL_OWNER_START];
  return { pid, host, ...(start ? { start } : {}) };
}

/**
 * Every run with a container or network labelled faultline=1 (or only `runId`), oldest first. Items
 * without a run label (none are made so) are ignored. Throws the engine's error when it cannot list.
 */
export async function listRuns(docker: Docker, runId?: string): Promise<RunOnEngine[]> {
  const filters = JSON.stringify({ label: [runId ? `${LABEL_RUN}=${runId}` : `${LABEL_ALL}=1`] });
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
  ]);
  const runs = new Map<string, RunOnEngine>();
  const add = (labels: Record<string, string> | undefined, createdMs: number) => {
    const id = labels?.[LABEL_RUN];
    if (!id) return undefined;
    let r = runs.get(id);
    if (!r) {
      r = { runId: id, containers: [], networks: [], state: 'unknown', createdMs: Number.NaN };
      runs.set(id, r);
    }
    r.owner ??= ownerFromLabels(labels);
    const keep = labels?.[LABEL_KEEP];
    if (keep) r.keep ??= keep;
    if (!(r.createdMs <= createdMs)) r.createdMs = createdMs;
    return r;
  };
  for (const c of containers)
    add(c.Labels, c.Created * 1000)?.containers.push(c.Names.map((n) => n.replace(/^\//, '')).join(','));
  for (const n of networks) add(n.Labels, Date.parse(n.Created ?? ''))?.networks.push(n.Name);
  const out = [...runs.values()];
  for (const r of out) r.state = ownerState(r.owner);
  return out.sort((a, b) => (a.createdMs || 0) - (b.createdMs || 0));
}

/** "pid 123 on host h" (what a run's owner is), for messages. */
export function describeOwner(r: RunOnEngine): string {
  if (!r.owner) return 'no recorded owner';
  const where = r.state === 'other-host' ? ` on host ${r.owner.host}` : '';
  const state = { alive: 'running', gone: 'gone', 'other-host': 'not checkable from here', unknown: '' }[
    r.state
  ];
  return `owner pid ${r.owner.pid}${where} ${state}`.trim();
}

/**
 * Whether `clean` removes the run. A run kept on purpose (`keep`: the SSH test hosts) never, not even
 * with `force`: the reason names the command that removes it. `force` removes any other run. Otherwise a run is kept while its owner runs
 * on this host, when its owner is on another host (its liveness cannot be checked from here), and when no
 * owner was recorded (made by an older faultline) unless the user named it with --run-id.
 */
export function cleanDecision(
  r: RunOnEngine,
  o: { force?: boolean; named?: boolean },
): { remove: true } | { remove: false; why: string } {
  if (r.keep) return { remove: false, why: `kept on purpose until removed with \`${r.keep}\`` };
  if (o.force || r.state === 'gone' || (r.state === 'unknown' && o.named)) return { remove: true };
  const force = `faultline clean --run-id ${r.runId} --force`;
  if (r.state === 'alive')
    return { remove: false, why: `${describeOwner(r)}: a run in progress (stop it, or ${force})` };
  if (r.state === 'other-host')
    return { remove: false, why: `${describeOwner(r)}: clean it on that host, or ${force}` };
  return { remove: false, why: `no recorded owner (an older faultline made it): ${force}` };
}

/** "3 min", "2 h": how long ago `ms` (epoch ms) was, or "age unknown". */
export function age(ms: number, now = Date.now()): string {
  if (!Number.isFinite(ms)) return 'age unknown';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
