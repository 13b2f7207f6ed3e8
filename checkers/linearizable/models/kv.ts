import { showValue } from '../../../src/history/values.ts';
import { type Call, Illegal, type Model, show } from '../model.ts';
import { isPair } from './accepts.ts';
import { casRegisterModel } from './register.ts';

/**
 * Independent keys, each a cas-register. Op values are `[key, innerValue]` (as the generator library's
 * independent-key combinator emits them). Partitioned by key; the unpartitioned step (a map of registers)
 * exists so the model is also correct on its own.
 */

/**
 * Splits an independent-key op value `[key, inner]`; the key becomes text so partitions are comparable
 * (a string as itself, anything else as EDN, so the keyword `:x` is the partition `:x`).
 */
export function splitKeyed(c: Call): { key: string; call: Call } {
  const v = c.value;
  if (!Array.isArray(v) || v.length !== 2) return { key: '', call: c };
  return {
    key: typeof v[0] === 'string' ? v[0] : showValue(v[0]),
    call: { f: c.f, value: v[1], outcome: c.outcome },
  };
}

type KvState = Readonly<Record<string, unknown>>;

export function kvModel(inner: Model<unknown> = casRegisterModel()): Model<unknown> {
  const model: Model<KvState> = {
    name: 'kv',
    init: () => ({}),
    step(state, c) {
      const { key, call } = splitKeyed(c);
      const cur = key in state ? state[key] : inner.init();
      const next = inner.step(cur, call);
      if (next instanceof Illegal) return new Illegal(() => `key ${key}: ${next.reason}`);
      return { ...state, [key]: next };
    },
    describeOp(c) {
      const { key, call } = splitKeyed(c);
      return `[${key}] ${inner.describeOp ? inner.describeOp(call) : `${call.f} ${show(call.value)}`}`;
    },
    // [key, inner] whose inner call the per-key model takes; a txn's micro-op list is not a key pair
    accepts: (c) => isPair(c.value) && (inner.accepts?.(splitKeyed(c).call) ?? true),
    takes: `[key v] tuples of: ${inner.takes ?? inner.name}`,
    partition: splitKeyed,
    partitionModel: inner,
  };
  return model as Model<unknown>;
}
