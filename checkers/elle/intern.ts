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
