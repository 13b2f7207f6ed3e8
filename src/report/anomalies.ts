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

/** How many cases each plain-text rendering lists per type (the report page shows more). */
export const TEXT_CASES = 5;

/**
 * Plain-text lines for one result's anomalies: per type, `type (count)` then up to `max` explanations,
 * then how many more results.json has. Empty when there are none or the result lacks the shape.
 */
export function anomalyText(result: unknown, max = TEXT_CASES): { heading: string; lines: string[] }[] {
  return (anomalyGroups(result) ?? []).map((g) => {
    const lines = g.cases.slice(0, max).map((c) => c.explanation);
    const more = g.count - lines.length;
    if (more > 0) lines.push(`… ${more} more in results.json`);
    return { heading: `${g.type} (${g.count})`, lines };
  });
}
