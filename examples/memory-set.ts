import { defineTest } from '../src/index.ts';

/** The memory system losing 1% of acknowledged adds: the set checker must list them. */
export default defineTest({
  name: 'memory-set-lost-writes',
  system: 'memory',
  mode: 'lost-writes',
  workload: 'set',
  timeLimit: 10,
  rate: 500,
  options: { lossRate: 0.01 },
});
