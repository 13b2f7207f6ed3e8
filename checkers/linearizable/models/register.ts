import { valueKey } from '../../../src/history/values.ts';
import { type Call, type Dataflow, Illegal, type Model, NO_DATAFLOW, sameValue, show } from '../model.ts';
import { acceptsTable, anyValue, isPair } from './accepts.ts';

/**
 * Knossos-style registers. Values: read → the value read (null = unknown, always legal), write v,
 * cas [from, to]. The initial value is null unless given.
 */

const isUnknownRead = (c: Call): boolean => c.f === 'read' && (c.value === null || c.value === undefined);

/** Whether a read may return what it returned from `state` (the `legal` of model.ts). */
const readLegal = (state: unknown, c: Call): boolean =>
  c.outcome !== 'ok' || c.value === null || c.value === undefined || sameValue(c.value, state);

function readStep(state: unknown, c: Call): unknown {
  if (readLegal(state, c)) return state;
  return new Illegal(() => `read ${show(c.value)}, but the register holds ${show(state)}`);
}

function casStep(state: unknown, c: Call): unknown {
  const pair = c.value;
  if (!Array.isArray(pair) || pair.length !== 2)
    return new Illegal(() => `cas value must be [from, to], got ${show(pair)}`);
  if (sameValue(pair[0], state)) return pair[1];
  return new Illegal(() => `cas ${show(pair[0])}→${show(pair[1])}, but the register holds ${show(state)}`);
}

const describeOp = (c: Call): string => {
  const tag = c.outcome === 'ok' ? '' : ` (${c.outcome})`;
  if (c.f === 'cas' && Array.isArray(c.value)) return `cas ${show(c.value[0])}→${show(c.value[1])}${tag}`;
  return `${c.f} ${show(c.value)}${tag}`;
};

/**
 * Calls that cannot change the verdict under Knossos semantics (fail dropped, info may never happen):
 * - reads with an unknown result (null, or crashed): always legal and never change the state, so they
 *   constrain nothing;
 * - a crashed write of v (or crashed cas → v) where no ok read returns v and no cas compares against v:
 *   if it were linearized, nothing could come after it but a write (a read would have to return v, a cas
 *   would have to compare with v), so the same linearization without it is legal too; and being crashed,
 *   leaving it out is allowed. Each removal keeps the condition for the others, so all can go at once.
 */
function pruneRegister(calls: readonly Call[]): Set<number> {
  const observed: unknown[] = [];
  for (const c of calls) {
    if (c.f === 'read' && c.outcome === 'ok' && c.value !== null && c.value !== undefined)
      observed.push(c.value);
    if (c.f === 'cas' && Array.isArray(c.value)) observed.push(c.value[0]);
  }
  const keys = new Set(observed.map(valueKey));
  const drop = new Set<number>();
  calls.forEach((c, i) => {
    if (isUnknownRead(c) || (c.f === 'read' && c.outcome !== 'ok')) drop.add(i);
    else if (c.outcome === 'info') {
      const written =
        c.f === 'write' ? c.value : c.f === 'cas' && Array.isArray(c.value) ? c.value[1] : undefined;
      if ((c.f === 'write' || c.f === 'cas') && !keys.has(valueKey(written ?? null))) drop.add(i);
    }
  });
  return drop;
}

/** A known read result and a successful CAS's `from` are observed; writes and CAS `to` are written. */
export function registerDataflow(c: Call): Dataflow {
  const known = c.outcome === 'ok';
  if (c.f === 'read')
    return known && c.value !== null && c.value !== undefined
      ? { observes: [c.value], writes: [] }
      : NO_DATAFLOW;
  if (c.f === 'write') return { observes: [], writes: [c.value] };
  if (c.f === 'cas' && Array.isArray(c.value) && c.value.length === 2)
    return { observes: known ? [c.value[0]] : [], writes: [c.value[1]] };
  return NO_DATAFLOW;
}

export function registerModel(initial: unknown = null): Model<unknown> {
  return {
    name: 'register',
    init: () => initial,
    step(state, c) {
      if (c.f === 'read') return readStep(state, c);
      if (c.f === 'write') return c.value;
      return new Illegal(() => `register has no operation ${c.f}`);
    },
    accepts: acceptsTable({ read: anyValue, write: anyValue }),
    takes: 'read, write v',
    describeOp,
    prune: pruneRegister,
    readOnly: (c) => c.f === 'read',
    legal: readLegal,
    dataflow: registerDataflow,
  };
}

export function casRegisterModel(initial: unknown = null): Model<unknown> {
  return {
    name: 'cas-register',
    init: () => initial,
    step(state, c) {
      if (c.f === 'read') return readStep(state, c);
      if (c.f === 'write') return c.value;
      if (c.f === 'cas') return casStep(state, c);
      return new Illegal(() => `cas-register has no operation ${c.f}`);
    },
    accepts: acceptsTable({ read: anyValue, write: anyValue, cas: isPair }),
    takes: 'read, write v, cas [from to]',
    describeOp,
    prune: pruneRegister,
    readOnly: (c) => c.f === 'read',
    legal: readLegal,
    dataflow: registerDataflow,
  };
}
