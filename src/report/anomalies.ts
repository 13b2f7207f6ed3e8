/** Plain-text anomaly lines per checker, for JUnit and Markdown (the HTML page renders richer views). */
import { shortJson } from './faults.ts';
import type { CheckerVerdict } from './summary.ts';

/** Top-level arrays that describe what went right, not anomalies. */
const BENIGN = new Set(['recovered', 'groups', 'problems', 'warnings', 'scatter', 'nodes']);
const MAX_ITEMS = 20;

export interface AnomalyLine {
  label: string;
  count: number;
  /** A short, truncated rendering of the first items. */
  sample: string;
}

function list(xs: unknown[]): string {
  const shown = xs.slice(0, MAX_ITEMS).map((x) => shortJson(x, 60));
  return shown.join(', ') + (xs.length > MAX_ITEMS ? `, … (${xs.length - MAX_ITEMS} more)` : '');
}

/**
 * What a non-valid checker found. Known shapes first (linearizability's failure, set's lost/unexpected/…);
 * for anything else every non-empty top-level array is listed, so a new checker's anomalies still show.
 */
export function anomalyLines(v: CheckerVerdict): AnomalyLine[] {
  if (v.valid === true) return [];
  const out: AnomalyLine[] = [];
  const r = v.result as Record<string, unknown>;
  const failure = r.failure as Record<string, unknown> | undefined;
  if (failure && typeof failure === 'object') {
    type Ref = { index?: number; description?: string; process?: unknown; node?: unknown };
    // Who ran it: process, and the node when the history recorded one.
    const who = (o: Ref) =>
      `p${String(o.process ?? '?')}${typeof o.node === 'string' ? ` on ${o.node}` : ''}`;
    const op = failure.op as Ref | undefined;
    if (op) {
      out.push({
        label: 'cannot linearize',
        count: 1,
        sample: `op #${op.index ?? '?'} (${who(op)}): ${op.description ?? ''}`,
      });
    }
    type Refs = { ops?: Ref[] };
    const strict = failure.minimal as (Refs & { grounded?: Refs }) | undefined;
    // Results from before counterexamples kept the writes their reads saw had those in `grounded`.
    const minimal = strict?.grounded?.ops?.length ? strict.grounded : strict;
    if (minimal?.ops?.length) {
      out.push({
        label: 'minimal counterexample (the failing op and the writes its reads saw)',
        count: minimal.ops.length,
        sample: minimal.ops
          .slice(0, MAX_ITEMS)
          .map((o) => `#${o.index ?? '?'} ${who(o)} ${o.description ?? ''}`)
          .join('; '),
      });
    }
  }
  for (const [k, x] of Object.entries(r)) {
    if (!Array.isArray(x) || x.length === 0 || BENIGN.has(k)) continue;
    out.push({ label: k, count: x.length, sample: list(x) });
  }
  return out;
}
