/** Labels on everything faultline creates, so a crashed run's leftovers can always be found. */

export const LABEL_ALL = 'faultline';
export const LABEL_RUN = 'faultline.run';
export const LABEL_NODE = 'faultline.node';
/** On cached images (shared across runs, so they carry no run id). */
export const LABEL_IMAGE = 'faultline.image';

export function runLabels(runId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, [LABEL_ALL]: '1', [LABEL_RUN]: runId };
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
