export {
  checkLinearizable,
  checkLinearizableSync,
  type LinearizabilityResult,
  type LinearizableOptions,
} from './check.ts';
export { type LinearizableCheckerOptions, linearizable } from './checker.ts';
export type { FinalPath, LinearizabilityFailure, OpRef } from './explain.ts';
export { formatLinearizabilityResult } from './format.ts';
export { type Call, Illegal, type Model, type Outcome } from './model.ts';
export { etcdModel } from './models/etcd.ts';
export { fifoQueueModel } from './models/fifo-queue.ts';
export { kvModel } from './models/kv.ts';
export { multiRegisterModel } from './models/multi-register.ts';
export { mutexModel } from './models/mutex.ts';
export { appendStringModel, porcupineKvModel } from './models/porcupine-kv.ts';
export { casRegisterModel, registerModel } from './models/register.ts';
export { getModel, modelNames, resolveModel, UnknownModelError } from './models/registry.ts';
export { setModel } from './models/set.ts';
export { findUninterpretableOp, ModelMismatchError } from './prepare.ts';
