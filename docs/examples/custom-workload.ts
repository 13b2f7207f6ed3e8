/**
 * docs/your-system.md, example 2: a workload and a checker of your own. The `unique-ids` workload asks
 * the system for ids; its checker says an id handed out twice is an anomaly (`duplicated`). The system
 * is a tiny in-process id service; its `racy` mode reads the counter, yields, then writes it back, so
 * concurrent requests get the same id.
 *
 *   npx faultline run docs/examples/custom-workload.ts                 # valid, exit 0
 *   npx faultline run docs/examples/custom-workload.ts --mode racy     # duplicated ids, exit 1
 */
import { setImmediate } from 'node:timers/promises';
import {
  type AnomalyCase,
  anomalyFields,
  type Checker,
  type CheckResult,
  defineTest,
  fn,
  noAnomalies,
  type Op,
  type SystemDescriptor,
  type WorkloadDescriptor,
} from '../../src/index.ts';

/**
 * The checker: a pure function of the history (so `faultline analyze` can re-run it on the stored
 * run). Only `ok` completions count: a `fail` handed out nothing, an `info` may or may not have.
 */
export const uniqueIdsChecker: Checker = {
  name: 'unique-ids',
  check(_ctx, history: readonly Op[]): CheckResult {
    const firstSeen = new Map<number, Op>();
    const cases: AnomalyCase[] = [];
    let count = 0;
    for (const op of history) {
      if (op.type !== 'ok' || op.f !== 'generate') continue;
      count++;
      const id = op.value as number;
      const first = firstSeen.get(id);
      if (first)
        cases.push({
          ops: [first.index, op.index],
          explanation: `id ${id} was handed out twice (#${first.index} and #${op.index})`,
          data: { id },
        });
      else firstSeen.set(id, op);
    }
    if (count === 0) return { valid: 'unknown', reason: 'no id was handed out', ...noAnomalies() };
    return {
      valid: cases.length === 0,
      summary: `${count} ids, ${cases.length} duplicated`,
      ...anomalyFields({ duplicated: cases }),
    };
  },
};

/** The workload: `generate` ops (value null; the completion's value is the id), judged by the checker. */
export const uniqueIds: WorkloadDescriptor = {
  name: 'unique-ids',
  description: 'ask for ids; every id must be handed out once',
  create: () => ({
    name: 'unique-ids',
    generator: fn(() => ({ f: 'generate', value: null })),
    checkers: [uniqueIdsChecker],
  }),
};

/** An id service in this process; `racy` loses updates under concurrency. */
export const idService: SystemDescriptor = {
  name: 'id-service',
  description: 'an in-process id counter',
  modes: ['honest', 'racy'],
  create(mode) {
    let next = 0;
    return {
      name: 'id-service',
      needsCluster: false,
      async setup() {},
      async teardown() {},
      clients: {
        'unique-ids': async () => ({
          async invoke() {
            if (mode === 'honest') return { type: 'ok', value: next++ };
            const seen = next;
            await setImmediate(); // another request runs here
            next = seen + 1;
            return { type: 'ok', value: seen };
          },
          async close() {},
        }),
      },
    };
  },
};

export default defineTest({
  name: 'id-service-unique-ids',
  system: idService,
  workload: uniqueIds,
  nemesis: 'none',
  concurrency: 4,
  timeLimit: 2,
  rate: 2000,
});
