import { UserError } from '../src/core/errors.ts';
import type { WorkloadDescriptor } from '../src/core/index.ts';
import { bankWorkloadDescriptor } from './bank.ts';
import { counterWorkloadDescriptor } from './counter.ts';
import { listAppendWorkloadDescriptor } from './list-append.ts';
import { longForkWorkloadDescriptor } from './long-fork.ts';
import { queueWorkloadDescriptor } from './queue.ts';
import { registerWorkloadDescriptor } from './register.ts';
import { rwRegisterWorkloadDescriptor } from './rw-register.ts';
import { setWorkloadDescriptor } from './set.ts';
import { uniqueIdsWorkloadDescriptor } from './unique-ids.ts';

/** Every workload, by the name used with --workload. */
export const WORKLOADS: Record<string, WorkloadDescriptor> = {
  register: registerWorkloadDescriptor,
  set: setWorkloadDescriptor,
  counter: counterWorkloadDescriptor,
  bank: bankWorkloadDescriptor,
  'list-append': listAppendWorkloadDescriptor,
  'rw-register': rwRegisterWorkloadDescriptor,
  queue: queueWorkloadDescriptor,
  'unique-ids': uniqueIdsWorkloadDescriptor,
  'long-fork': longForkWorkloadDescriptor,
};

export function findWorkload(name: string): WorkloadDescriptor {
  const w = WORKLOADS[name];
  if (!w)
    throw new UserError(`unknown workload '${name}': choose one of ${Object.keys(WORKLOADS).join(', ')}`);
  return w;
}
