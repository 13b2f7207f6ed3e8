/**
 * The search cache: a set of (linearized-ops bitset, state id) pairs, open addressing over typed arrays.
 * Each entry is stored once in an arena as [state, w0..wW-1]; the caller supplies an incrementally
 * maintained Zobrist hash of the bitset so no hashing pass over the bits is needed.
 */
export class VisitedSet {
  private readonly words: number;
  private readonly stride: number;
  private arena: Int32Array;
  private hashes: Int32Array;
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(words: number) {
    this.words = words;
    this.stride = words + 1;
    this.arena = new Int32Array(this.stride * 1024);
    this.hashes = new Int32Array(1024);
    this.slots = new Int32Array(2048);
    this.mask = 2047;
  }

  /** Adds (bits, state) unless present; true when it was new. */
  add(bits: Int32Array, bitsHash: number, state: number): boolean {
    const key = (bitsHash ^ Math.imul(state + 1, 0x9e3779b1)) | 0;
    const { words, stride, arena, hashes, slots, mask } = this;
    let s = (key ^ (key >>> 15)) & mask;
    for (;;) {
      const e = slots[s]!;
      if (e === 0) break;
      const idx = e - 1;
      if (hashes[idx] === key) {
        const base = idx * stride;
        if (arena[base] === state) {
          let w = 0;
          while (w < words && arena[base + 1 + w] === bits[w]) w++;
          if (w === words) return false;
        }
      }
      s = (s + 1) & mask;
    }
    const idx = this.size;
    if ((idx + 1) * stride > arena.length) this.growArena();
    const base = idx * stride;
    this.arena[base] = state;
    this.arena.set(bits, base + 1);
    this.hashes[idx] = key;
    slots[s] = idx + 1;
    this.size++;
    if (this.size * 2 > mask) this.rehash();
    return true;
  }

  private growArena(): void {
    const arena = new Int32Array(this.arena.length * 2);
    arena.set(this.arena);
    this.arena = arena;
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let idx = 0; idx < this.size; idx++) {
      const key = this.hashes[idx]!;
      let s = (key ^ (key >>> 15)) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = idx + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  bytes(): number {
    return this.arena.byteLength + this.hashes.byteLength + this.slots.byteLength;
  }
}
