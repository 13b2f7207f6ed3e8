import { showValue, stringifyExact } from '../../src/history/values.ts';

/**
 * The model interface of the linearizability checker: a sequential specification the history is checked
 * against. Models are pure: `step` never mutates the state it is given.
 */

/** How a call ended, as the model sees it. `info` covers crashed ops and invokes never completed. */
export type Outcome = 'ok' | 'info' | 'fail';

/** One operation as handed to a model: its function, its value and how it ended. */
export interface Call {
  readonly f: string;
  /** The completion's value for `ok` (reads learn what they read), otherwise the invoke's value. */
  readonly value: unknown;
  readonly outcome: Outcome;
}

/**
 * A step the model refuses; the reason ends up in the explanation ("read 3, but the register holds 4").
 * Pass a function to build the text only when an explanation needs it: the search refuses steps often.
 */
export class Illegal {
  private why: string | (() => string);
  constructor(reason: string | (() => string)) {
    this.why = reason;
  }
  get reason(): string {
    if (typeof this.why !== 'string') this.why = this.why();
    return this.why;
  }
}

export const isIllegal = (x: unknown): x is Illegal => x instanceof Illegal;

export interface Model<S = unknown> {
  readonly name: string;
  init(): S;
  /** The state after `call` runs in `state`, or Illegal when the call cannot return what it returned. */
  step(state: S, call: Call): S | Illegal;
  /** State equality; default: same primitive, or same valueKey (src/history/values.ts). */
  equal?(a: S, b: S): boolean;
  /** A hash consistent with `equal`; only consulted for non-primitive states. */
  hash?(state: S): number;
  /**
   * Whether the model can interpret this call at all (its `f` and the shape of its value), whatever the
   * state: a pure check made on every op before the search, so an op from another kind of history (a
   * `txn` on a register) is refused with a clear error instead of being called non-linearizable.
   * Absent: every call is accepted.
   */
  accepts?(call: Call): boolean;
  /** What the model takes, for that error: e.g. `read, write v, cas [from to]`. */
  readonly takes?: string;
  describeOp?(call: Call): string;
  describeState?(state: S): string;
  /**
   * P-compositionality: the partition a call belongs to and the call as the per-partition model sees it
   * (e.g. `[key, v]` → `v`). Partitions are checked independently with `partitionModel`.
   */
  partition?(call: Call): { key: string; call: Call };
  readonly partitionModel?: Model<unknown>;
  /**
   * Failed ops are dropped (they certainly did not happen) unless the model says they assert something,
   * as a failed CAS does in Porcupine's etcd model ("the value differed").
   */
  keepFailed?(call: Call): boolean;
  /**
   * True when the call, whenever legal, leaves the state unchanged (a read; a failed CAS in the etcd
   * model). The search then linearizes such an op as soon as it is legal and tries nothing else there,
   * which is sound only if it holds in every state: a write of v in state v does not qualify.
   */
  readOnly?(call: Call): boolean;
  /**
   * For a `readOnly` call: whether `step(state, call)` is legal, without building the Illegal's
   * explanation (most steps a search takes on reads are refusals, and an object per refusal was the
   * kv checks' main garbage). Must agree with `step`; absent: the checker calls `step`.
   */
  legal?(state: S, call: Call): boolean;
  /**
   * Performance hint: the state after this call is almost never equal to one reached another way (an
   * append of a unique token), so the checker skips looking it up. Sound either way: equal states kept
   * apart only cost the search some cache hits.
   */
  freshState?(call: Call): boolean;
  /**
   * Indices of calls whose removal cannot change the verdict (each model proves this for itself).
   * Receives every call of one partition, `info` ones included.
   */
  prune?(calls: readonly Call[]): Set<number>;
  /**
   * Data flow, for counterexamples that explain themselves: the values a call observed (a read's result,
   * a successful CAS's expected value) and the values it may have left (a write's, a CAS's new one).
   * A minimal counterexample then keeps, for every value an op in it observed, an op that wrote that
   * value. Without it, counterexamples keep the failing op and whatever the search needs.
   */
  dataflow?(call: Call): Dataflow;
}

/** What one call read and wrote, as values of the (per-key) model; see `Model.dataflow`. */
export interface Dataflow {
  readonly observes: readonly unknown[];
  readonly writes: readonly unknown[];
}

export const NO_DATAFLOW: Dataflow = { observes: [], writes: [] };

/** Exact equality for op values (bigints, EDN keywords and sets too): see src/history/values.ts. */
export { sameValue } from '../../src/history/values.ts';

/** Short display of a value: JSON, `nil` for null/undefined, bigints exact, EDN keywords as `:k`. */
export function show(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return showValue(v);
  return stringifyExact(v) ?? String(v);
}

export function describeCall(model: Model<unknown>, call: Call): string {
  if (model.describeOp) return model.describeOp(call);
  const tag = call.outcome === 'ok' ? '' : ` (${call.outcome})`;
  return `${call.f} ${show(call.value)}${tag}`;
}

export function describeState(model: Model<unknown>, state: unknown): string {
  return model.describeState ? model.describeState(state) : show(state);
}
