/**
 * The rw-register workload (Elle's; jepsen.tests.cycle.wr): txns of micro-ops `['w', k, v]` and
 * `['r', k, null]` over a pool of keys (workloads/txn-generator.ts); a completed read carries the value
 * (null before any write). Values are unique per key, so each read names its writer; the version order
 * comes from the initial state and, when enabled, from Elle's optional sources: `sequentialKeys` (each
 * key's versions follow process order), `linearizableKeys` (real-time order), `wfrKeys` (writes follow
 * reads within a txn). Options as list-append's, plus those three (false by default).
 */
import { elleChecker } from '../checkers/elle/index.ts';
import type { Workload, WorkloadDescriptor, WorkloadOptions } from '../src/core/index.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import { consistencyModelsFrom, txnOptionShape } from './list-append.ts';
import { txnGenerator, txnGenOptionsFrom } from './txn-generator.ts';

const flag = (v: unknown) => v === true || v === 'true';

/** The rw-register workload: Elle's txn generator with writes, checked by the Elle-class checker. */
export function rwRegisterWorkload(o: WorkloadOptions): Workload {
  return {
    name: 'rw-register',
    generator: txnGenerator(txnGenOptionsFrom('w', o.options)),
    checkers: [
      elleChecker({
        workload: 'rw-register',
        consistencyModels: consistencyModelsFrom(o.options),
        sequentialKeys: flag(o.options.sequentialKeys),
        linearizableKeys: flag(o.options.linearizableKeys),
        wfrKeys: flag(o.options.wfrKeys),
      }),
    ],
  };
}

export const rwRegisterOptions = optionsSchema({
  ...txnOptionShape,
  sequentialKeys: opt.bool(),
  linearizableKeys: opt.bool(),
  wfrKeys: opt.bool(),
});

export const rwRegisterWorkloadDescriptor: WorkloadDescriptor = {
  name: 'rw-register',
  description:
    'transactions of writes and reads of registers (Elle); checked for the anomalies the consistency models forbid',
  options: rwRegisterOptions,
  create: rwRegisterWorkload,
};
