/**
 * Convergence: after the faults are healed and the system has had its recovery time, every node must
 * answer the same. Final reads are per node (the set, counter and bank workloads read once on each node
 * after the heal); a node's final read is its last successful `read` invoked after the last nemesis op
 * (with no nemesis ops: its last successful read). Values are compared as canonical JSON (object keys
 * sorted; arrays keep their order, so clients return sets sorted). Nodes with no final read are listed
 * in `missing`; fewer than two final reads leave the verdict unknown. Where there are no per-node
 * final reads to compare (the test names fewer than two nodes and so do the ops: most histories from
 * other tools say nothing of nodes) the checker does not apply: valid, with `skipped: true`.
 */

import { anomalyFields, type Checker, type CheckResult, noAnomalies } from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import { stringifyExact, valueKey } from '../src/history/values.ts';

export interface FinalRead {
  node: string;
  /** Index of the read's completion. */
  index: number;
  value: unknown;
}

export interface ConvergenceResult extends CheckResult {
  finalReads: FinalRead[];
  /** Distinct final values with the nodes that read each. */
  groups: { value: unknown; nodes: string[] }[];
  missing: string[];
  /** The checker did not apply (no per-node final reads); the verdict is then `true`. */
  skipped?: true;
}

/** Canonical text of a value (object keys sorted, bigints exact), so equal values have equal text. */
export function canonical(x: unknown): string {
  return valueKey(x);
}

/** Each node's final read (see above), in node order of first appearance. */
export function finalReads(history: readonly Op[], f = 'read'): FinalRead[] {
  let lastNemesis = -1;
  for (const op of history) if (op.process === 'nemesis') lastNemesis = op.index;
  const { pairs } = pairOps(history.filter((o) => o.process !== 'nemesis'));
  const byNode = new Map<string, FinalRead>();
  for (const { invoke, completion } of pairs) {
    if (invoke.f !== f || completion?.type !== 'ok' || invoke.node === undefined) continue;
    if (invoke.index < lastNemesis) continue;
    const cur = byNode.get(invoke.node);
    if (!cur || completion.index > cur.index)
      byNode.set(invoke.node, { node: invoke.node, index: completion.index, value: completion.value });
  }
  return [...byNode.values()];
}

export function convergenceChecker(o: { f?: string } = {}): Checker {
  return {
    name: 'convergence',
    check(ctx, history): ConvergenceResult | CheckResult {
      const reads = finalReads(history, o.f ?? 'read');
      const nodes = ctx.test.nodes;
      // Histories from other tools rarely say which node served an op: with no per-node final reads
      // there is nothing this checker applies to, which is not the same as not knowing.
      const named = new Set<string>();
      for (const op of history) if (op.process !== 'nemesis' && op.node !== undefined) named.add(op.node);
      if (nodes.length < 2 && named.size < 2) {
        return {
          valid: true,
          skipped: true,
          summary:
            named.size === 0
              ? 'skipped: no op says which node served it, so there are no per-node final reads'
              : 'skipped: fewer than two nodes, nothing to converge',
          finalReads: reads,
          groups: [],
          missing: [],
          ...noAnomalies(),
        };
      }
      const missing = nodes.filter((n) => !reads.some((r) => r.node === n));
      const groups = new Map<string, { value: unknown; nodes: string[] }>();
      for (const r of reads) {
        const k = canonical(r.value);
        const g = groups.get(k) ?? { value: r.value, nodes: [] };
        g.nodes.push(r.node);
        groups.set(k, g);
      }
      const details = { finalReads: reads, groups: [...groups.values()], missing };
      if (reads.length < 2)
        return {
          valid: 'unknown',
          reason: `only ${reads.length} node(s) had a final read`,
          ...details,
          ...noAnomalies(),
        };
      const valid = groups.size === 1;
      return {
        valid,
        summary: valid
          ? `${reads.length} nodes agree${missing.length ? ` (no final read from ${missing.join(', ')})` : ''}`
          : `DIVERGED: ${groups.size} different final values across ${reads.length} nodes`,
        ...details,
        ...convergenceAnomalies(details.groups, reads),
      };
    },
  };
}

/** One `divergence` case when the nodes' final reads differ: every final read, grouped by value. */
function convergenceAnomalies(
  groups: ConvergenceResult['groups'],
  reads: readonly FinalRead[],
): Pick<ConvergenceResult, 'anomalyTypes' | 'anomalies'> {
  if (groups.length < 2) return noAnomalies();
  const at = (n: string) => reads.find((r) => r.node === n)!.index;
  const parts = groups.map(
    (g) =>
      `${g.nodes.map((n) => `${n} (#${at(n)})`).join(', ')} read ${stringifyExact(g.value) ?? 'nothing'}`,
  );
  return anomalyFields({
    divergence: [
      {
        ops: reads.map((r) => r.index),
        explanation: `the nodes' final reads differ: ${parts.join('; ')}`,
        data: { groups },
      },
    ],
  });
}

export const convergence: Checker = convergenceChecker();
