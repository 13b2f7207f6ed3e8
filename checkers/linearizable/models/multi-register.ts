import { showValue, valueKey } from '../../../src/history/values.ts';
import { type Call, Illegal, type Model, sameValue } from '../model.ts';
import { microOp } from './accepts.ts';

/**
 * Knossos's `multi-register` (knossos.model/multi-register): several registers, each starting nil, and
 * one operation, `txn`, whose value is a list of micro-ops `[f k v]` applied in order: `[:r k v]` reads
 * register k (v nil = not known, always legal, as Knossos's nil read), `[:w k v]` writes v to k
 * (`:read`/`:write` are taken too, keywords or strings). A read sees the writes earlier in its own txn.
 * An ok txn brings the values its reads returned; a crashed one its invoke's (reads nil).
 */

/** The registers, by the valueKey of each register's key; unset registers are absent (nil). */
type Registers = Readonly<Record<string, unknown>>;

const READ = ['r', 'read'] as const;
const WRITE = ['w', 'write'] as const;
const MICRO = [...READ, ...WRITE];

const isRead = (f: string): boolean => (READ as readonly string[]).includes(f);

function micro(c: Call): [string, unknown, unknown][] {
  return (c.value as unknown[][]).map((m) => [microOp(m, MICRO)!, m[1], m[2]]);
}

/** Knossos's multi-register model (see above); registers start nil. */
export function multiRegisterModel(): Model<unknown> {
  const model: Model<Registers> = {
    name: 'multi-register',
    init: () => ({}),
    step(state, c) {
      let next: Record<string, unknown> | undefined;
      for (const [f, k, v] of micro(c)) {
        const key = valueKey(k);
        const cur = next ?? state;
        if (isRead(f)) {
          // A crashed txn's reads returned nothing we know of.
          if (c.outcome !== 'ok' || v === null || v === undefined) continue;
          const held = Object.hasOwn(cur, key) ? cur[key] : null;
          if (!sameValue(v, held))
            return new Illegal(
              () => `read ${showValue(k)} = ${showValue(v)}, but it holds ${showValue(held)}`,
            );
        } else {
          next ??= { ...state };
          Object.defineProperty(next, key, {
            value: v,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
      }
      return next ?? state;
    },
    accepts: (c) =>
      c.f === 'txn' && Array.isArray(c.value) && c.value.every((m) => microOp(m, MICRO) !== undefined),
    takes: 'txn [[:r k v] [:w k v] …]',
    readOnly: (c) => micro(c).every(([f]) => isRead(f)),
    describeOp(c) {
      const tag = c.outcome === 'ok' ? '' : ` (${c.outcome})`;
      return `txn ${showValue(c.value)}${tag}`;
    },
    describeState: (s) =>
      `{${Object.keys(s)
        .sort()
        .map((k) => `${k} ${showValue(s[k])}`)
        .join(', ')}}`,
  };
  return model as Model<unknown>;
}
