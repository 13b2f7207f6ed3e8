/**
 * Helpers for asserting the Elle-class checker's findings exactly: run it on a history, check the
 * result's shape and that every reported cycle is a real one ({@link resultProblems}), and render a cycle anomaly as `#i -kind-> #j -kind-> #i` (txns by the index
 * of their invoke, rotated to start at the smallest) so a test states the expected cycle in one line.
 */
import { expect } from 'vitest';
import { elleChecker } from '../../../../checkers/elle/index.ts';
import type { CycleData, CycleStep, ElleOptions } from '../../../../checkers/elle/types.ts';
import type { CheckContext, CheckResult } from '../../../../src/core/checker.ts';
import type { Op } from '../../../../src/core/op.ts';
import { sameValue } from '../../../../src/history/values.ts';

const ctx: CheckContext = { test: { name: 'elle', concurrency: 4, nodes: ['n1'] } };

/**
 * What is wrong with a result against its history ([] when nothing): anomalies non-empty exactly when
 * valid is false, sorted types, every case explained and naming ops that exist; and every cycle is a
 * real cycle of the history, each step's edge checked independently of the checker from the
 * micro-ops it cites (wr: the next txn read what this one wrote; ww: both wrote the key; rw: this one
 * read the version the next one overwrote; realtime / process: completed before the next was invoked).
 */
export function resultProblems(r: CheckResult, h: readonly Op[]): string[] {
  const out: string[] = [];
  const indices = new Set(h.map((o) => o.index));
  if (r.anomalyTypes.length > 0 !== (r.valid === false))
    out.push(`valid=${String(r.valid)} with types [${r.anomalyTypes}]`);
  if (JSON.stringify([...Object.keys(r.anomalies)].sort()) !== JSON.stringify(r.anomalyTypes))
    out.push(`anomalyTypes [${r.anomalyTypes}] are not the sorted keys of anomalies`);
  for (const [type, cases] of Object.entries(r.anomalies)) {
    if (cases.length === 0) out.push(`${type}: no cases`);
    for (const c of cases) {
      if (!/\S/.test(c.explanation)) out.push(`${type}: a case without explanation`);
      for (const i of c.ops) if (!indices.has(i)) out.push(`${type}: op #${i} is not in the history`);
      const data = c.data as CycleData | undefined;
      if (data && Array.isArray(data.cycle) && !data.searchTimedOut)
        out.push(...cycleProblems(data.cycle).map((p) => `${type}: ${p}`));
    }
  }
  return out;
}

const writes = (s: CycleStep, key: unknown, value: unknown): boolean =>
  s.mops.some((m) => m.f !== 'r' && sameValue(m.key, key) && sameValue(m.value, value));
const lastOf = (v: unknown): unknown => (Array.isArray(v) ? v[v.length - 1] : v);

/** Why the steps of a reported cycle are not a cycle of dependencies ([] when they are). */
function cycleProblems(steps: readonly CycleStep[]): string[] {
  if (steps.length < 2) return [`a cycle of ${steps.length} txn(s)`];
  const out: string[] = [];
  const seen = new Set(steps.map((s) => s.invokeIndex));
  if (seen.size !== steps.length) out.push('a txn appears twice in one cycle');
  steps.forEach((t, i) => {
    const u = steps[(i + 1) % steps.length]!;
    const e = t.edge;
    const where = `#${t.invokeIndex} -${e.kind}-> #${u.invokeIndex}`;
    const reads = (s: CycleStep, ok: (v: unknown) => boolean) =>
      s.mops.some((m) => m.f === 'r' && sameValue(m.key, e.key) && ok(m.value));
    let fine: boolean;
    switch (e.kind) {
      case 'wr':
        fine = writes(t, e.key, e.value) && reads(u, (v) => sameValue(lastOf(v), e.value));
        break;
      case 'ww':
        fine = writes(t, e.key, e.otherValue) && writes(u, e.key, e.value);
        break;
      case 'rw':
        fine = reads(t, (v) => sameValue(v ?? null, e.otherValue ?? null)) && writes(u, e.key, e.value);
        break;
      case 'realtime':
        fine = t.completeIndex !== undefined && t.completeIndex < u.invokeIndex;
        break;
      case 'process':
        fine = t.process === u.process && t.completeIndex !== undefined && t.completeIndex < u.invokeIndex;
        break;
      default:
        fine = false;
    }
    if (!fine) out.push(`${where} is not justified by its micro-ops (${JSON.stringify(e)})`);
  });
  return out;
}

/** Checks `h` with the Elle checker under `opts`, asserting {@link resultProblems} finds nothing. */
export async function check(h: Op[], opts: ElleOptions): Promise<CheckResult> {
  const r = await elleChecker(opts).check(ctx, h, {});
  expect(resultProblems(r, h), JSON.stringify(r.anomalies).slice(0, 3000)).toEqual([]);
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
