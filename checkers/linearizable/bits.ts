/**
 * A bitset that tracks its own window: words below `lo` are full (every bit set), words from `hi` on
 * are zero. Linearized ops cluster around the search's frontier, so [lo, hi) stays about as wide as the
 * history's concurrency, and the cache can store just that window instead of one bit per op.
 */
export class Bits {
  readonly words: Int32Array;
  /** First word that is not full. */
  lo = 0;
  /** One past the last non-zero word. */
  hi = 0;
  private readonly lastFull: number;

  constructor(count: number) {
    const n = Math.max(1, Math.ceil(count / 32));
    this.words = new Int32Array(n);
    const rem = count % 32;
    this.lastFull = rem === 0 ? -1 : (1 << rem) - 1;
    if (count === 0) this.lo = n;
  }

  /** The value a word has when every bit in it is set. */
  full(w: number): number {
    return w === this.words.length - 1 ? this.lastFull : -1;
  }

  has(b: number): boolean {
    return (this.words[b >> 5]! & (1 << (b & 31))) !== 0;
  }

  set(b: number): void {
    const w = b >> 5;
    const words = this.words;
    words[w]! |= 1 << (b & 31);
    if (w >= this.hi) this.hi = w + 1;
    if (w === this.lo) {
      let lo = w;
      while (lo < words.length && words[lo] === this.full(lo)) lo++;
      this.lo = lo;
    }
  }

  clear(b: number): void {
    const w = b >> 5;
    const words = this.words;
    words[w]! &= ~(1 << (b & 31));
    if (w < this.lo) this.lo = w;
    if (w === this.hi - 1 && words[w] === 0) {
      let hi = w;
      while (hi > 0 && words[hi - 1] === 0) hi--;
      this.hi = hi;
    }
  }
}

/**
 * Typed arrays carved out of one ArrayBuffer, for arrays that live and die together: one allocation
 * (and one backing store for the GC to track) instead of one per array. Float64 arrays first, so they
 * stay aligned; `bytes` must cover everything carved.
 */
export class ArrayBufferArena {
  private readonly buffer: ArrayBuffer;
  private used = 0;
  constructor(bytes: number) {
    this.buffer = new ArrayBuffer(bytes);
  }
  float64(length: number): Float64Array<ArrayBuffer> {
    const a = new Float64Array(this.buffer, this.used, length);
    this.used += 8 * length;
    return a;
  }
  int32(length: number): Int32Array<ArrayBuffer> {
    const a = new Int32Array(this.buffer, this.used, length);
    this.used += 4 * length;
    return a;
  }
  uint8(length: number): Uint8Array<ArrayBuffer> {
    const a = new Uint8Array(this.buffer, this.used, length);
    this.used += length;
    return a;
  }
}
