import type { Model } from '../model.ts';
import { etcdModel } from './etcd.ts';
import { fifoQueueModel } from './fifo-queue.ts';
import { kvModel } from './kv.ts';
import { mutexModel } from './mutex.ts';
import { porcupineKvModel } from './porcupine-kv.ts';
import { casRegisterModel, registerModel } from './register.ts';
import { setModel } from './set.ts';

const factories: Record<string, () => Model<unknown>> = {
  register: () => registerModel(),
  'cas-register': () => casRegisterModel(),
  kv: () => kvModel(),
  set: setModel,
  'fifo-queue': fifoQueueModel,
  mutex: mutexModel,
  etcd: etcdModel,
  'porcupine-kv': porcupineKvModel,
};

export const modelNames = (): string[] => Object.keys(factories);

/** A fresh model by name; throws naming the known models. */
export function getModel(name: string): Model<unknown> {
  const make = factories[name];
  if (!make) throw new Error(`unknown linearizability model "${name}" (known: ${modelNames().join(', ')})`);
  return make();
}

/** A model given by name or as an object. */
export const resolveModel = (m: string | Model<unknown>): Model<unknown> =>
  typeof m === 'string' ? getModel(m) : m;
