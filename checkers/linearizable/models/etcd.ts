import { type Call, Illegal, type Model, sameValue, show } from '../model.ts';
import { acceptsTable, anyValue, isPair } from './accepts.ts';
import { registerDataflow } from './register.ts';

/**
 * Porcupine's etcd register: the key starts absent (null). A read of nil asserts absence; a failed CAS
 * asserts the value differed (so failed CASes are kept, unlike Knossos); an op with unknown outcome is
 * always legal (a CAS then applies only if it matches).
 */
export function etcdModel(): Model<unknown> {
  const model: Model<unknown> = {
    name: 'etcd',
    init: () => null,
    step(state, c) {
      if (c.f === 'read') {
        if (c.outcome !== 'ok') return state;
        const v = c.value ?? null;
        return sameValue(v, state)
          ? state
          : new Illegal(() => `read ${show(v)}, but the key holds ${show(state)}`);
      }
      if (c.f === 'write') return c.value;
      if (c.f === 'cas') {
        const [from, to] = c.value as [unknown, unknown];
        if (c.outcome === 'ok') {
          return sameValue(state, from)
            ? to
            : new Illegal(() => `cas ${from}→${to} succeeded, but the key holds ${show(state)}`);
        }
        if (c.outcome === 'fail') {
          return !sameValue(state, from)
            ? state
            : new Illegal(() => `cas ${from}→${to} failed, but the key holds ${from}`);
        }
        return sameValue(state, from) ? to : state;
      }
      return new Illegal(() => `etcd has no operation ${c.f}`);
    },
    accepts: acceptsTable({ read: anyValue, write: anyValue, cas: isPair }),
    takes: 'read, write v, cas [from to]',
    keepFailed: (c: Call) => c.f === 'cas',
    // A failed CAS observes only that the value differed: no particular write.
    dataflow: (c) => (c.outcome === 'fail' ? { observes: [], writes: [] } : registerDataflow(c)),
    readOnly: (c) => c.f === 'read' || (c.f === 'cas' && c.outcome === 'fail'),
    describeOp: (c) => {
      const tag = c.outcome === 'ok' ? '' : ` (${c.outcome})`;
      if (c.f === 'cas' && Array.isArray(c.value)) return `cas ${show(c.value[0])}→${show(c.value[1])}${tag}`;
      return `${c.f} ${show(c.value)}${tag}`;
    },
  };
  return model as Model<unknown>;
}
