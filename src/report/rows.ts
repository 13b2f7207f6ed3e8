/** Ops paired into rows (invoke + completion) and assigned to timeline lanes. Shared by every view. */
import type { Op, Process } from '../core/op.ts';

export type Outcome = 'ok' | 'fail' | 'info' | 'pending';

export interface OpRow {
  invoke: Op;
  /** undefined when the history ended before the op completed. */
  completion: Op | undefined;
  outcome: Outcome;
  /** -1 = the nemesis lane; otherwise the client thread (process mod concurrency). */
  lane: number;
}

export interface Rows {
  rows: OpRow[];
  /** Client threads (lanes 0..threads-1). */
  threads: number;
  /** History time of the last op, ns. */
  endNs: number;
  /** Completions without an open invoke (malformed history), counted, not drawn. */
  orphans: number;
}

/**
 * Pairs each invoke with its process's next completion. Lanes group processes by thread (process mod
 * concurrency) so a long run with many crashed processes keeps a bounded number of lanes; when the
 * concurrency is unknown it is estimated as the most client ops ever outstanding at once.
 */
export function buildRows(history: readonly Op[], concurrency?: number): Rows {
  const open = new Map<Process, OpRow>();
  const rows: OpRow[] = [];
  let orphans = 0;
  let outstanding = 0;
  let maxOutstanding = 0;
  let endNs = 0;
  for (const op of history) {
    if (op.time > endNs) endNs = op.time;
    if (op.type === 'invoke') {
      const prev = open.get(op.process);
      if (prev && op.process !== 'nemesis') outstanding--;
      const row: OpRow = { invoke: op, completion: undefined, outcome: 'pending', lane: -1 };
      open.set(op.process, row);
      rows.push(row);
      if (op.process !== 'nemesis') maxOutstanding = Math.max(maxOutstanding, ++outstanding);
    } else {
      const row = open.get(op.process);
      if (!row) {
        orphans++;
        continue;
      }
      row.completion = op;
      row.outcome = op.type as Outcome;
      open.delete(op.process);
      if (op.process !== 'nemesis') outstanding--;
    }
  }
  const threads = Math.max(1, concurrency && concurrency > 0 ? Math.floor(concurrency) : maxOutstanding);
  for (const r of rows) {
    const p = r.invoke.process;
    if (p !== 'nemesis') r.lane = (((Math.trunc(p) % threads) + threads) % threads) | 0;
  }
  return { rows, threads, endNs, orphans };
}

/**
 * When an op ended for drawing purposes (history ns): its completion, or the end of the history
 * (`endNs`) if it never did.
 */
export const rowEnd = (r: OpRow, endNs: number): number =>
  r.completion?.time ?? Math.max(endNs, r.invoke.time);
