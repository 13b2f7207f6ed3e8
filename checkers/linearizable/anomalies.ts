/** The linearizability checker's finding in the shared anomaly shape (src/core/checker.ts). */
import { anomalyFields, type CheckResult, noAnomalies } from '../../src/core/checker.ts';
import type { LinearizabilityFailure, OpRef } from './explain.ts';

/** The anomaly type of a history no order of ops can explain (Knossos' and Porcupine's "not linearizable"). */
export const NONLINEARIZABLE = 'nonlinearizable';

const ref = (o: OpRef) =>
  `#${o.index} (process ${String(o.process)}${typeof o.node === 'string' ? ` on ${o.node}` : ''}) ${o.description}`;

/**
 * One `nonlinearizable` case for a failure: its ops are the minimal counterexample (the failing op
 * and the writes its reads saw), else the impossible op and those concurrent with
 * it; `data` names the partition. The full explanation (orders tried, the sub-history) stays in the
 * result's `failure`, which the report and the terminal draw. `illegal` are the keys of the partitions
 * found illegal: with none, no anomalies; with some but no failure explained, a case without ops.
 */
export function linearizabilityAnomalies(
  failure: LinearizabilityFailure | undefined,
  partitions: number,
  illegal: readonly string[],
): Pick<CheckResult, 'anomalyTypes' | 'anomalies' | 'anomalyCounts'> {
  if (illegal.length === 0) return noAnomalies();
  if (!failure) {
    const explanation = `no order of the ops explains the history (key ${illegal.join(', ')}); the counterexample was not kept`;
    return anomalyFields({ [NONLINEARIZABLE]: [{ ops: [], explanation, data: { partitions: illegal } }] });
  }
  const m = failure.minimal;
  const shown: OpRef[] = m?.ops.length ? m.ops : [failure.op, ...failure.window];
  const ops = [...new Set(shown.map((o) => o.index))];
  // "key", not "partition": the checker splits by key (P-compositionality); "partition" would read as a
  // network partition on a page full of them.
  const where = partitions > 1 ? ` on key ${failure.partition}` : '';
  const what = m ? 'minimal counterexample (the failing op and the writes its reads saw)' : 'concurrent ops';
  return anomalyFields({
    [NONLINEARIZABLE]: [
      {
        ops,
        explanation: `no order of the ops${where} explains ${ref(failure.op)}; ${what}: ${shown.map(ref).join('; ')}`,
        data: { partition: failure.partition, op: failure.op.index },
      },
    ],
  });
}
