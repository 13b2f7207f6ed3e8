import { valueKey } from '../../src/history/values.ts';
import { type Call, isIllegal, type Model } from './model.ts';

export const ILLEGAL_STEP = -1;
/** Past this many memoized transitions (≈16 bytes each), steps are recomputed instead of remembered. */
const MAX_MEMO = 1 << 24;
/** Lookups after which a hash memo that misses more than it hits is dropped. */
const MEMO_PROBATION = 1 << 14;
/** Cells of the dense memo (4 bytes each) before falling back to the hash table. */
const DENSE_CELLS = 1 << 16;

/**
 * Interns model states as small integers and memoizes transitions (state id, op) → state id in an
 * open-addressing table, so the search's hot loop is integer work and each (state, op) pair reaches the
 * model once. Sparse on purpose: a state only ever meets the few ops concurrent with it.
 */
export class StateTable {
  readonly states: unknown[] = [];
  private readonly model: Model<unknown>;
  private readonly calls: readonly Call[];
  private readonly byKey = new Map<unknown, number>();
  private readonly byHash = new Map<number, number[]>();
  private readonly n: number;
  // Allocated on first use: most searches never leave the dense memo.
  private keys = new Float64Array(0);
  private vals = new Int32Array(0);
  private mask = -1;
  private size = 0;
  private hashMemo = true;
  private lookups = 0;
  private hits = 0;
  /** Dense memo for the first states (most searches have few): row s, column i; 0 = not yet computed. */
  private dense: Int32Array;
  private readonly denseStates: number;
  /** Calls whose kind is `readOnlyKind` are read-only and tested with the model's `legal` (model.ts). */
  private readonly kind: Uint8Array | undefined;
  private readonly readOnlyKind: number;

  /**
   * `kind[i] === readOnlyKind` marks the completed calls the model declares read-only (the search's own
   * array, so no allocation here); those the model can test with `legal` skip `step`.
   */
  constructor(model: Model<unknown>, calls: readonly Call[], kind?: Uint8Array, readOnlyKind = -1) {
    this.model = model;
    this.calls = calls;
    this.n = Math.max(1, calls.length);
    this.denseStates = Math.max(1, Math.floor(DENSE_CELLS / this.n));
    this.dense = new Int32Array(this.n * Math.min(this.denseStates, 16));
    this.kind = model.legal ? kind : undefined;
    this.readOnlyKind = readOnlyKind;
  }
  intern(state: unknown): number {
    const t = typeof state;
    if (state === null || (t !== 'object' && t !== 'function')) return this.internKey(state, state);
    if (this.model.hash) {
      const h = this.model.hash(state);
      const bucket = this.byHash.get(h);
      const eq = this.model.equal ?? ((a: unknown, b: unknown) => valueKey(a) === valueKey(b));
      if (bucket) {
        for (const id of bucket) if (eq(this.states[id], state)) return id;
        bucket.push(this.states.length);
      } else this.byHash.set(h, [this.states.length]);
      this.states.push(state);
      return this.states.length - 1;
    }
    return this.internKey(valueKey(state), state);
  }

  private internKey(key: unknown, state: unknown): number {
    const id = this.byKey.get(key);
    if (id !== undefined) return id;
    this.byKey.set(key, this.states.length);
    this.states.push(state);
    return this.states.length - 1;
  }

  /** Next state id after op `i` from state `s`, or ILLEGAL_STEP. */
  next(s: number, i: number): number {
    if (s < this.denseStates) {
      const cell = s * this.n + i;
      if (cell >= this.dense.length) this.growDense(s);
      const m = this.dense[cell]!;
      if (m !== 0) return m - 2;
      const r = this.compute(s, i);
      this.dense[cell] = r + 2;
      return r;
    }
    if (!this.hashMemo) return this.compute(s, i);
    if (this.mask < 0) this.grow();
    const key = s * this.n + i;
    const keys = this.keys;
    let slot = (Math.imul(s, 0x9e3779b1) ^ Math.imul(i, 0x85ebca6b)) & this.mask;
    this.lookups++;
    for (;;) {
      const k = keys[slot]!;
      if (k === key) {
        this.hits++;
        return this.vals[slot]!;
      }
      if (k === -1) break;
      slot = (slot + 1) & this.mask;
    }
    if (this.lookups === MEMO_PROBATION && this.hits * 2 < this.lookups) {
      // Mostly fresh states (appends of unique values): remembering costs more than recomputing.
      this.hashMemo = false;
      this.keys = new Float64Array(0);
      this.vals = new Int32Array(0);
      return this.compute(s, i);
    }
    const r = this.compute(s, i);
    if (this.size < MAX_MEMO) {
      keys[slot] = key;
      this.vals[slot] = r;
      if (++this.size * 2 > this.mask) this.grow();
    }
    return r;
  }

  private growDense(s: number): void {
    let rows = this.dense.length / this.n;
    while (rows <= s) rows *= 2;
    const d = new Int32Array(Math.min(rows, this.denseStates) * this.n);
    d.set(this.dense);
    this.dense = d;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const cap = Math.max(1 << 12, oldKeys.length * 2);
    this.keys = new Float64Array(cap).fill(-1);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const key = oldKeys[j]!;
      if (key === -1) continue;
      const s = Math.floor(key / this.n);
      const i = key - s * this.n;
      let slot = (Math.imul(s, 0x9e3779b1) ^ Math.imul(i, 0x85ebca6b)) & this.mask;
      while (this.keys[slot] !== -1) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.vals[slot] = oldVals[j]!;
    }
  }

  private compute(s: number, i: number): number {
    const from = this.states[s];
    // A read-only call leaves the state as it is when legal: ask the cheap question.
    if (this.kind !== undefined && this.kind[i] === this.readOnlyKind)
      return this.model.legal!(from, this.calls[i]!) ? s : ILLEGAL_STEP;
    const r = this.model.step(from, this.calls[i]!);
    if (isIllegal(r)) return ILLEGAL_STEP;
    // A step that returns its state (a read) stays put: no hashing or comparing of the state.
    if (r === from) return s;
    if (this.model.freshState?.(this.calls[i]!)) {
      this.states.push(r);
      return this.states.length - 1;
    }
    return this.intern(r);
  }

  bytes(): number {
    return this.dense.byteLength + this.keys.byteLength + this.vals.byteLength + this.states.length * 64;
  }
}
