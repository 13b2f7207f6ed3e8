/** Labels on everything faultline creates, so a crashed run's leftovers can always be found. */
import { currentOwner, type Owner } from './owner.ts';

export const LABEL_ALL = 'faultline';
export const LABEL_RUN = 'faultline.run';
export const LABEL_NODE = 'faultline.node';
/** On cached images (shared across runs, so they carry no run id). */
export const LABEL_IMAGE = 'faultline.image';
/** The process that provisioned the run: `clean` leaves a run alone while that process lives. */
export const LABEL_OWNER_PID = 'faultline.owner.pid';
export const LABEL_OWNER_HOST = 'faultline.owner.host';
/**
 * On resources meant to outlive the process that made them (the SSH test hosts of
 * `scripts/ssh-test-hosts.ts up`): the value is the command that removes them. `faultline clean` never
 * removes them, with or without --force; it names that command instead.
 */
export const LABEL_KEEP = 'faultline.keep';
/** The owner's start time (Linux clock ticks since boot, /proc/<pid>/stat): tells a reused pid apart. */
export const LABEL_OWNER_START = 'faultline.owner.start';

/** A run's labels: faultline=1, the run id, and its owner (this process unless given). */
export function runLabels(
  runId: string,
  extra: Record<string, string> = {},
  owner: Owner = currentOwner(),
): Record<string, string> {
  return {
    ...extra,
    [LABEL_ALL]: '1',
    [LABEL_RUN]: runId,
    [LABEL_OWNER_PID]: String(owner.pid),
    [LABEL_OWNER_HOST]: owner.host,
    ...(owner.start !== undefined ? { [LABEL_OWNER_START]: owner.start } : {}),
  };
}

/** A run id must fit in container names and label filters. */
export function checkRunId(runId: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/.test(runId)) {
    throw new Error(`invalid run id ${JSON.stringify(runId)}: use letters, digits, '.', '_' or '-' (max 64)`);
  }
  return runId;
}

/** Short, sortable, unique enough for concurrent runs on one engine. */
export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${t}-${Math.random().toString(36).slice(2, 8)}`;
}
