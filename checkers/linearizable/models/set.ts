import { Illegal, type Model, show } from '../model.ts';

/** A grow-only set: add v; read → every element (an array, order irrelevant). State: sorted JSON keys. */
export function setModel(): Model<unknown> {
  const model: Model<readonly string[]> = {
    name: 'set',
    init: () => [],
    step(state, c) {
      if (c.f === 'add') {
        const k = JSON.stringify(c.value);
        if (state.includes(k)) return state;
        return [...state, k].sort();
      }
      if (c.f === 'read') {
        if (c.outcome !== 'ok' || c.value === null || c.value === undefined) return state;
        if (!Array.isArray(c.value))
          return new Illegal(() => `read must return an array, got ${show(c.value)}`);
        const read = [...new Set(c.value.map((v) => JSON.stringify(v)))].sort();
        if (read.length === state.length && read.every((k, i) => k === state[i])) return state;
        return new Illegal(() => `read ${show(c.value)}, but the set is {${state.join(', ')}}`);
      }
      return new Illegal(() => `set has no operation ${c.f}`);
    },
    describeState: (s) => `{${s.join(', ')}}`,
    readOnly: (c) => c.f === 'read',
  };
  return model as Model<unknown>;
}
