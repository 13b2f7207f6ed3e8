import type { Op } from '../core/op.ts';

export type Phase =
  | 'setup'
  | 'running'
  | 'healing'
  | 'recovering'
  | 'final'
  | 'teardown'
  | 'checking'
  | 'done';

/** The live stream a run emits, for the dashboard and plain progress lines (never re-read from files). */
export type RunEvent =
  | {
      kind: 'phase';
      phase: Phase /** When the phase began, ns since the run started (the history's clock). */;
      atNs: number;
    }
  | { kind: 'op'; op: Op }
  /**
   * Sent once, before the first op: the run's history as it grows (the same ops as the 'op' events,
   * appended in order; read-only). An aggregating listener may fold it in batches instead of one op
   * event at a time (DashboardState does: see its `onEvent`).
   */
  | { kind: 'history'; ops: readonly Op[] }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { kind: 'verdict'; valid: true | false | 'unknown'; runDir: string; summary: string };

export type RunListener = (e: RunEvent) => void;
