/**
 * Helpers for asserting the Elle-class checker's findings exactly: run it on a history, check the
 * result's shape (anomalies non-empty exactly when valid is false, every case names ops that exist
 * and explains itself), and render a cycle anomaly as `#i -kind-> #j -kind-> #i` (txns by the index
 * of their invoke, rotated to start at the smallest) so a test states the expected cycle in one line.
 */
import { expect } from 'vitest';
import { elleChecker } from '../../../../checkers/elle/index.ts';
import type { CycleData, ElleOptions } from '../../../../checkers/elle/types.ts';
import type { CheckContext, CheckResult } from '../../../../src/core/checker.ts';
import type { Op } from '../../../../src/core/op.ts';

const ctx: CheckContext = { test: { name: 'elle', concurrency: 4, nodes: ['n1'] } };

/** Checks `h` with the Elle checker under `opts`, asserting the result's anomaly shape. */
export async function check(h: Op[], opts: ElleOptions): Promise<CheckResult> {
  const r = await elleChecker(opts).check(ctx, h, {});
  const indices = new Set(h.map((o) => o.index));
  expect(
    r.anomalyTypes.length > 0,
    `anomalies present iff valid=false: ${JSON.stringify(r.anomalyTypes)}`,
  ).toBe(r.valid === false);
  expect([...Object.keys(r.anomalies)].sort()).toEqual(r.anomalyTypes);
  for (const [type, cases] of Object.entries(r.anomalies)) {
    expect(cases.length, type).toBeGreaterThan(0);
    for (const c of cases) {
      expect(c.explanation, type).toMatch(/\S/);
      for (const i of c.ops) expect(indices.has(i), `${type} names op #${i}, not in the history`).toBe(true);
    }
  }
  return r;
}

/** The cycles of one anomaly type, each as `#i -kind-> #j … -kind-> #i`, rotated to start at the least. */
export function cycles(r: CheckResult, type: string): string[] {
  return (r.anomalies[type] ?? []).map((c) => {
    const data = c.data as CycleData | undefined;
    const steps = data?.cycle ?? [];
    if (steps.length === 0) return '(no cycle)';
    let start = 0;
    steps.forEach((s, i) => {
      if (s.invokeIndex < steps[start]!.invokeIndex) start = i;
    });
    const rot = [...steps.slice(start), ...steps.slice(0, start)];
    return `${rot.map((s) => `#${s.invokeIndex} -${s.edge.kind}-> `).join('')}#${rot[0]!.invokeIndex}`;
  });
}

/** Asserts the anomaly types found are exactly `types` (sorted) and the verdict is false (or true for []). */
export function expectTypes(r: CheckResult, types: string[]): void {
  expect(r.anomalyTypes, JSON.stringify(r.anomalies).slice(0, 3000)).toEqual([...types].sort());
  expect(r.valid).toBe(types.length === 0);
}
