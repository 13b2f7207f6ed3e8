import type { Model } from '../model.ts';
import { etcdModel } from './etcd.ts';
import { fifoQueueModel } from './fifo-queue.ts';
import { kvModel } from './kv.ts';
import { multiRegisterModel } from './multi-register.ts';
import { mutexModel } from './mutex.ts';
import { porcupineKvModel } from './porcupine-kv.ts';
import { casRegisterModel, registerModel } from './register.ts';
import { setModel } from './set.ts';

const factories: Record<string, () => Model<unknown>> = {
  register: () => registerModel(),
  'cas-register': () => casRegisterModel(),
  kv: () => kvModel(),
  'multi-register': multiRegisterModel,
  set: setModel,
  'fifo-queue': fifoQueueModel,
  mutex: mutexModel,
  etcd: etcdModel,
  'porcupine-kv': porcupineKvModel,
};

export const modelNames = (): string[] => Object.keys(factories);

/** Thrown for a model name that is not registered; its message is one line naming the known models. */
export class UnknownModelError extends Error {
  constructor(name: string) {
    super(`unknown linearizability model "${name}" (known: ${modelNames().join(', ')})`);
    this.name = 'UnknownModelError';
  }
}

/** A fresh model by name; throws UnknownModelError naming the known models. */
export function getModel(name: string): Model<unknown> {
  const make = Object.hasOwn(factories, name) ? factories[name] : undefined;
  if (!make) throw new UnknownModelError(name);
  return make();
}

/** A model given by name or as an object. */
export const resolveModel = (m: string | Model<unknown>): Model<unknown> =>
  typeof m === 'string' ? getModel(m) : m;
