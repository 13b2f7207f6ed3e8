/**
 * The list-append workload (Elle's; jepsen.tests.cycle.append): txns of micro-ops `['append', k, v]`
 * and `['r', k, null]` over a pool of keys (workloads/txn-generator.ts); a completed read carries the
 * whole list. Values are unique per key, so every list prefix orders its versions, and the Elle-class
 * checker infers ww/wr/rw dependencies and looks for the anomalies the chosen consistency models forbid.
 * Options: keyCount (10), minTxnLength (1), maxTxnLength (4), maxWritesPerKey (32), keyDist
 * (exponential | uniform), consistencyModels (strict-serializable; also --consistency-models).
 */
import { elleChecker } from '../checkers/elle/index.ts';
import { KNOWN_MODELS } from '../checkers/elle/models.ts';
import type { Workload, WorkloadDescriptor, WorkloadOptions } from '../src/core/index.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import { txnGenerator, txnGenOptionsFrom } from './txn-generator.ts';

/** The consistency models to check, from the option (a list, or comma-separated text); default Elle's. */
export function consistencyModelsFrom(options: Record<string, unknown>): string[] {
  const v = options.consistencyModels;
  if (v === undefined) return ['strict-serializable'];
  const items = (Array.isArray(v) ? v.map(String) : String(v).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : ['strict-serializable'];
}

/** The `--opt` keys both txn workloads take. */
export const txnOptionShape = {
  keyCount: opt.int(1, 1_000_000),
  minTxnLength: opt.int(1, 10_000),
  maxTxnLength: opt.int(1, 10_000),
  maxWritesPerKey: opt.int(1, 1e9),
  keyDist: opt.oneOf(['exponential', 'uniform']),
  // Elle's names (checkers/elle/models.ts); --consistency-models sets it too and lists them on a typo.
  consistencyModels: opt.list('consistency model names', (m) => KNOWN_MODELS.includes(m)),
};

/** The list-append workload: Elle's txn generator with appends, checked by the Elle-class checker. */
export function listAppendWorkload(o: WorkloadOptions): Workload {
  return {
    name: 'list-append',
    generator: txnGenerator(txnGenOptionsFrom('append', o.options)),
    checkers: [elleChecker({ workload: 'list-append', consistencyModels: consistencyModelsFrom(o.options) })],
  };
}

export const listAppendOptions = optionsSchema(txnOptionShape);

export const listAppendWorkloadDescriptor: WorkloadDescriptor = {
  name: 'list-append',
  description:
    'transactions of appends to and reads of lists (Elle); checked for the anomalies the consistency models forbid',
  options: listAppendOptions,
  create: listAppendWorkload,
};
