/**
 * Interning of exact history values (keys, appended elements, register values) to dense small integers,
 * so inference works on typed arrays instead of hashing values per micro-op. Equality is
 * src/history/values.ts's `sameValue`: primitives are Map keys as they are (1, "1" and 1n stay apart;
 * bigints compare by value), objects such as keywords `{"$kw":"x"}` go through `valueKey`. `undefined`
 * is nil, like `null`. Pure.
 */
import { valueKey } from '../../src/history/values.ts';

/** Dense ids, 0…size−1, in first-seen order, for exact values. */
export class Interner {
  private readonly prim = new Map<unknown, number>();
  private readonly obj = new Map<string, number>();
  /** The values, by id (the first one seen of each equal group). */
  readonly values: unknown[] = [];

  /** Number of distinct values seen. */
  get size(): number {
    return this.values.length;
  }

  /** The id of `v`, assigning the next one when `v` is new. */
  id(v: unknown): number {
    if (v === undefined) v = null;
    if (v === null || typeof v !== 'object') {
      const got = this.prim.get(v);
      if (got !== undefined) return got;
      const id = this.values.length;
      this.prim.set(v, id);
      this.values.push(v);
      return id;
    }
    const k = valueKey(v);
    const got = this.obj.get(k);
    if (got !== undefined) return got;
    const id = this.values.length;
    this.obj.set(k, id);
    this.values.push(v);
    return id;
  }

  /** The id of `v`, or −1 when it was never seen. */
  get(v: unknown): number {
    if (v === undefined) v = null;
    if (v === null || typeof v !== 'object') return this.prim.get(v) ?? -1;
    return this.obj.get(valueKey(v)) ?? -1;
  }
}

/**
 * Room for value ids in a composite `(keyId, valueId)` number: 2^26 values and 2^27 keys stay below
 * 2^53, far beyond a 1M-txn history's few million micro-ops.
 */
export const PAIR_SHIFT = 2 ** 26;

/** One exact number naming the pair `(a, b)` of small ids (`b < PAIR_SHIFT`). */
export const pairKey = (a: number, b: number): number => a * PAIR_SHIFT + b;

/**
 * A hash map from pairs of small non-negative ints `(a, b)` to non-negative int values, open addressing
 * on typed arrays. A `Map` keyed by `a * 2^26 + b` would hash a heap-allocated double per lookup; this
 * is several times faster for the millions of (key, element) lookups of a 1M-txn history.
 */
export class PairTable {
  private a: Int32Array;
  private b: Int32Array;
  private v: Int32Array;
  private mask: number;
  /** Number of pairs stored. */
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.a = new Int32Array(cap).fill(-1);
    this.b = new Int32Array(cap);
    this.v = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    let i = h & this.mask;
    const A = this.a;
    while (A[i] !== -1 && (A[i] !== a || this.b[i] !== b)) i = (i + 1) & this.mask;
    return i;
  }

  /** The value of `(a, b)`, or −1 when absent. */
  get(a: number, b: number): number {
    const i = this.slot(a, b);
    return this.a[i] === -1 ? -1 : this.v[i]!;
  }

  /** Sets `(a, b)` to `value` (≥ 0). */
  set(a: number, b: number, value: number): void {
    let i = this.slot(a, b);
    if (this.a[i] === -1) {
      if ((this.size + 1) * 2 > this.a.length) {
        this.grow();
        i = this.slot(a, b);
      }
      this.a[i] = a;
      this.b[i] = b;
      this.size++;
    }
    this.v[i] = value;
  }

  private grow(): void {
    const { a, b, v } = this;
    const cap = a.length * 2;
    this.a = new Int32Array(cap).fill(-1);
    this.b = new Int32Array(cap);
    this.v = new Int32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === -1) continue;
      const j = this.slot(a[i]!, b[i]!);
      this.a[j] = a[i]!;
      this.b[j] = b[i]!;
      this.v[j] = v[i]!;
    }
  }
}
