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
  // Small non-negative integers (the usual keys) index this table directly: id + 1, 0 = unseen.
  private small = new Int32Array(1024);
  /** The values, by id (the first one seen of each equal group). */
  readonly values: unknown[] = [];

  /** Number of distinct values seen. */
  get size(): number {
    return this.values.length;
  }

  /** The id of `v`, assigning the next one when `v` is new. */
  id(v: unknown): number {
    if (typeof v === 'number' && v >= 0 && v < SMALL_LIMIT && (v | 0) === v) {
      if (v >= this.small.length) this.growSmall(v);
      const got = this.small[v]!;
      if (got !== 0) return got - 1;
      const id = this.values.length;
      this.small[v] = id + 1;
      this.values.push(v);
      return id;
    }
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
    if (typeof v === 'number' && v >= 0 && v < SMALL_LIMIT && (v | 0) === v)
      return v < this.small.length ? this.small[v]! - 1 : -1;
    if (v === undefined) v = null;
    if (v === null || typeof v !== 'object') return this.prim.get(v) ?? -1;
    return this.obj.get(valueKey(v)) ?? -1;
  }

  private growSmall(v: number): void {
    let n = this.small.length;
    while (n <= v) n *= 2;
    const t = new Int32Array(n);
    t.set(this.small);
    this.small = t;
  }
}

/** Integers below this are interned through a direct table (at most 4 MiB of it). */
const SMALL_LIMIT = 1 << 20;

/**
 * Ids for values that need not be dense, only exact and below 2^31: a non-negative integer below 2^30
 * (the usual appended element or written value) is its own id times two, with no hashing; anything else
 * gets an odd id from an {@link Interner}. For {@link PairTable} keys.
 */
export class ValueIds {
  private readonly other = new Interner();

  /** The id of `v`, assigning one when new. */
  id(v: unknown): number {
    if (typeof v === 'number' && v >= 0 && v < 0x40000000 && (v | 0) === v) return v * 2;
    return this.other.id(v) * 2 + 1;
  }

  /** The id of `v`, or −1 when it was never given one. */
  get(v: unknown): number {
    if (typeof v === 'number' && v >= 0 && v < 0x40000000 && (v | 0) === v) return v * 2;
    const i = this.other.get(v);
    return i < 0 ? -1 : i * 2 + 1;
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
  // Slot i holds a, b, value at 3i, 3i+1, 3i+2 (a = −1: empty): one cache line per probe.
  // A plain array of small ints (V8 Smis, 4 bytes each like an Int32Array) on the JS heap: a typed
  // array's buffer is external memory, and every 64 MB of that starts a full GC, which at a million
  // txns marks the whole history (~1 s) for tables that are garbage soon after.
  private t: number[];
  private mask: number;
  /** Number of pairs stored. */
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.t = new Array<number>(cap * 3).fill(-1);
    this.mask = cap - 1;
  }

  private slot(a: number, b: number): number {
    // murmur3's 32-bit finaliser over a and b's high bits, plus b's low 6 bits: the pairs of one key
    // with nearby values (a key's appended 1, 2, 3…) share a few cache lines instead of one miss each,
    // while runs stay short (64 slots) for linear probing.
    let h = (Math.imul(a, 0x9e3779b1) + (b >>> 6)) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) + (b & 63);
    let i = h & this.mask;
    const t = this.t;
    for (;;) {
      const x = t[i * 3]!;
      if (x === -1 || (x === a && t[i * 3 + 1] === b)) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** The value of `(a, b)`, or −1 when absent. */
  get(a: number, b: number): number {
    const i = this.slot(a, b);
    return this.t[i * 3] === -1 ? -1 : this.t[i * 3 + 2]!;
  }

  /** Sets `(a, b)` to `value` (≥ 0). */
  set(a: number, b: number, value: number): void {
    let i = this.slot(a, b);
    if (this.t[i * 3] === -1) {
      if ((this.size + 1) * 2 > this.mask + 1) {
        this.grow();
        i = this.slot(a, b);
      }
      this.t[i * 3] = a;
      this.t[i * 3 + 1] = b;
      this.size++;
    }
    this.t[i * 3 + 2] = value;
  }

  private grow(): void {
    const old = this.t;
    const cap = (this.mask + 1) * 2;
    this.t = new Array<number>(cap * 3).fill(-1);
    this.mask = cap - 1;
    for (let j = 0; j < old.length; j += 3) {
      if (old[j] === -1) continue;
      const i = this.slot(old[j]!, old[j + 1]!) * 3;
      this.t[i] = old[j]!;
      this.t[i + 1] = old[j + 1]!;
      this.t[i + 2] = old[j + 2]!;
    }
  }
}
