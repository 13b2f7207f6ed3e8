import { elementsOf, valueKey } from '../../../src/history/values.ts';
import { Illegal, type Model, show } from '../model.ts';
import { acceptsTable, anyValue, nilOrCollection } from './accepts.ts';

/** A grow-only set: add v; read → every element (a vector or EDN set). State: sorted value keys. */
export function setModel(): Model<unknown> {
  const model: Model<readonly string[]> = {
    name: 'set',
    init: () => [],
    step(state, c) {
      if (c.f === 'add') {
        const k = valueKey(c.value);
        if (state.includes(k)) return state;
        return [...state, k].sort();
      }
      if (c.f === 'read') {
        if (c.outcome !== 'ok' || c.value === null || c.value === undefined) return state;
        const items = elementsOf(c.value);
        if (!items) return new Illegal(() => `read must return an array, got ${show(c.value)}`);
        const read = [...new Set(items.map(valueKey))].sort();
        if (read.length === state.length && read.every((k, i) => k === state[i])) return state;
        return new Illegal(() => `read ${show(c.value)}, but the set is {${state.join(', ')}}`);
      }
      return new Illegal(() => `set has no operation ${c.f}`);
    },
    accepts: acceptsTable({ add: anyValue, read: nilOrCollection }),
    takes: 'add v, read [v…] or #{v…}',
    describeState: (s) => `{${s.join(', ')}}`,
    readOnly: (c) => c.f === 'read',
  };
  return model as Model<unknown>;
}
