/**
 * The unique-ids workload (Jepsen's jepsen.tests.unique-ids): clients ask the system for ids while
 * faults happen; every acknowledged id must be distinct. Op shape: `{f:'generate', value:null}` → ok
 * with `value:<int|string>` the id. Checked by checkers/unique-ids.ts.
 */
import { uniqueIdsChecker } from '../checkers/unique-ids.ts';
import type { Workload, WorkloadDescriptor } from '../src/core/index.ts';
import { optionsSchema } from '../src/core/options.ts';
import { fn } from '../src/generator/index.ts';

/** The unique-ids workload: `generate` ops only. */
export function uniqueIdsWorkload(): Workload {
  return {
    name: 'unique-ids',
    generator: fn(() => ({ f: 'generate', value: null })),
    checkers: [uniqueIdsChecker],
  };
}

export const uniqueIdsWorkloadDescriptor: WorkloadDescriptor = {
  name: 'unique-ids',
  description: 'generate ids under faults; every acknowledged id must be distinct (duplicates, range)',
  options: optionsSchema({}),
  create: uniqueIdsWorkload,
};
