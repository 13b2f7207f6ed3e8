import { type Call, Illegal, type Model, show } from '../model.ts';
import { acceptsTable, anyValue, isPair } from './accepts.ts';
import { splitKeyed } from './kv.ts';

/** Porcupine's kv test model: per key a string, initially ""; get → s, put s, append s. Values `[key, s]`. */
export function appendStringModel(): Model<unknown> {
  const model: Model<string> = {
    name: 'append-string',
    init: () => '',
    step(state, c) {
      if (c.f === 'get') {
        if (c.outcome !== 'ok' || state === c.value) return state;
        return new Illegal(() => `get returned ${show(c.value)}, but the key holds ${show(state)}`);
      }
      if (c.f === 'put') return String(c.value);
      if (c.f === 'append') return state + String(c.value);
      return new Illegal(() => `kv has no operation ${c.f}`);
    },
    accepts: acceptsTable({ get: anyValue, put: anyValue, append: anyValue }),
    takes: 'get, put s, append s',
    // Porcupine's appends carry unique tokens ("x 3 17 y"), so each append makes a new string.
    freshState: (c) => c.f === 'append',
    readOnly: (c) => c.f === 'get',
  };
  return model as Model<unknown>;
}

export function porcupineKvModel(): Model<unknown> {
  const inner = appendStringModel();
  const model: Model<Readonly<Record<string, string>>> = {
    name: 'porcupine-kv',
    init: () => ({}),
    step(state, c: Call) {
      const { key, call } = splitKeyed(c);
      const next = inner.step(state[key] ?? '', call);
      if (next instanceof Illegal) return new Illegal(() => `key ${key}: ${next.reason}`);
      return { ...state, [key]: next as string };
    },
    describeOp(c) {
      const { key, call } = splitKeyed(c);
      return `[${key}] ${call.f} ${show(call.value)}`;
    },
    accepts: (c) => isPair(c.value) && inner.accepts!(splitKeyed(c).call),
    takes: '[key v] tuples of: get, put s, append s',
    partition: splitKeyed,
    partitionModel: inner,
  };
  return model as Model<unknown>;
}
