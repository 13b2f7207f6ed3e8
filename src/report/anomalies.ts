/**
 * A stored checker result's anomalies (the shape of src/core/checker.ts: `anomalyTypes`, `anomalies`,
 * `anomalyCounts`), read back from results.json for every renderer: report.html, summary.md,
 * junit.xml and the terminal. Nothing here knows a checker's own keys. A result without the fields
 * (results.json from before them, or a checker that does not return them) yields `undefined`: the
 * renderers then show its summary line only, deriving nothing.
 */
import { z } from 'zod';
import type { AnomalyCase } from '../core/checker.ts';

/** One anomaly type of one result: how many cases were found, and those listed. */
export interface AnomalyGroup {
  type: string;
  /** Cases found (`anomalyCounts[type]`, else the number listed). */
  count: number;
  cases: AnomalyCase[];
}

const caseSchema = z.object({
  ops: z.array(z.number().int()),
  explanation: z.string(),
  data: z.unknown().optional(),
});
const shapeSchema = z.object({
  anomalyTypes: z.array(z.string()),
  anomalies: z.record(z.string(), z.array(caseSchema)),
  anomalyCounts: z.record(z.string(), z.number().int().nonnegative()).optional(),
});

/**
 * The anomaly groups of a stored result, in `anomalyTypes` order (types only in `anomalies` follow),
 * or undefined when the result does not carry the shape (see above). An empty list: nothing found.
 */
export function anomalyGroups(result: unknown): AnomalyGroup[] | undefined {
  const parsed = shapeSchema.safeParse(result);
  if (!parsed.success) return undefined;
  const { anomalyTypes, anomalies, anomalyCounts } = parsed.data;
  const types = [...new Set([...anomalyTypes, ...Object.keys(anomalies)])];
  return types.map((type) => {
    const cases = (anomalies[type] ?? []) as AnomalyCase[];
    return { type, count: Math.max(anomalyCounts?.[type] ?? 0, cases.length), cases };
  });
}

const mopSchema = z.object({ f: z.string(), key: z.unknown(), value: z.unknown() });
const stepSchema = z.object({
  label: z.string(),
  invokeIndex: z.number().int(),
  completeIndex: z.number().int().optional(),
  process: z.number(),
  node: z.string().optional(),
  invokeTimeNs: z.number(),
  completeTimeNs: z.number().optional(),
  mops: z.array(mopSchema),
  edge: z.object({
    kind: z.string(),
    key: z.unknown().optional(),
    value: z.unknown().optional(),
    otherValue: z.unknown().optional(),
    text: z.string(),
  }),
});
const cycleSchema = z.object({
  cycle: z.array(stepSchema),
  searchTimedOut: z.boolean().optional(),
  scc: z.array(z.number().int()).optional(),
  sccSize: z.number().int().nonnegative().optional(),
});

/**
 * A cycle anomaly's `data` as results.json stores it: the transactional checker's `CycleData`
 * (checkers/elle/types.ts, which src/ may not import: only the registry wires plugins in), read back
 * structurally. `cycle` lists the txns of a G0/G1c/G-single/G-nonadjacent/G2-item… cycle, each with
 * the edge to the next; `searchTimedOut` with `scc` (invoke indices, maybe only the first ones) and
 * `sccSize` when only the SCC is known.
 */
export type StoredCycle = z.infer<typeof cycleSchema>;

/** A timed-out cycle's component size: `sccSize`, else the number of txns `scc` lists. */
export const sccSize = (cy: StoredCycle): number | undefined => cy.sccSize ?? cy.scc?.length;

/** A case's cycle, or undefined when its `data` is not one (a non-cycle anomaly, another checker). */
export function cycleData(c: Pick<AnomalyCase, 'data'>): StoredCycle | undefined {
  const parsed = cycleSchema.safeParse(c.data);
  if (!parsed.success) return undefined;
  const d = parsed.data;
  // A timed-out search has no cycle but an SCC; anything else needs a cycle to draw.
  if (d.cycle.length === 0 && !(d.searchTimedOut && d.scc)) return undefined;
  return d;
}

/**
 * A case as text: its explanation, plus, for a cycle whose short-cycle search timed out, the size of the
 * strongly connected component it is known to lie in (when the explanation does not already say so).
 */
export function caseText(c: AnomalyCase): string {
  const cy = cycleData(c);
  if (cy?.searchTimedOut && !/timed out|stopped/i.test(c.explanation)) {
    return `${c.explanation}\n(the search for a short cycle timed out in a strongly connected component of ${sccSize(cy) ?? '?'} txns)`;
  }
  return c.explanation;
}

/**
 * Text wrapped for a terminal or a CI log: each line of `text` becomes lines of at most `width`
 * characters (a longer word stays whole). A long line breaks first after each `; ` and each sentence
 * (a cycle explanation's steps, "Let T1 = …; T2 = …. Then T1 < T2 because …; T2 < T3 because …"),
 * then between words; continuation
 * lines keep the line's own indentation plus two spaces. Pure.
 */
export function wrapText(text: string, width = 100): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.length <= width) {
      out.push(line);
      continue;
    }
    const indent = /^\s*/.exec(line)?.[0] ?? '';
    const cont = `${indent}  `;
    const segments = line.slice(indent.length).split(/(?<=; )|(?<=\. )(?=[A-Z])/);
    let first = true;
    for (const seg of segments) {
      let cur = first ? indent : cont;
      let empty = true;
      for (const word of seg.trim().split(/ +/)) {
        if (!empty && cur.length + 1 + word.length > width) {
          out.push(cur);
          cur = cont;
          empty = true;
        }
        cur += empty ? word : ` ${word}`;
        empty = false;
      }
      out.push(cur);
      first = false;
    }
  }
  return out;
}

/** How many cases each plain-text rendering lists per type (the report page shows more). */
export const TEXT_CASES = 5;

/**
 * Plain-text lines for one result's anomalies: per type, `type (count)` then up to `max` case texts
 * (`caseText`: the explanation, which may span lines), then how many more results.json has. Empty when
 * there are none or the result lacks the shape.
 */
export function anomalyText(result: unknown, max = TEXT_CASES): { heading: string; lines: string[] }[] {
  return (anomalyGroups(result) ?? []).map((g) => {
    const lines = g.cases.slice(0, max).map(caseText);
    const more = g.count - lines.length;
    if (more > 0) lines.push(`… ${more} more in results.json`);
    return { heading: `${g.type} (${g.count})`, lines };
  });
}
