import { ArrayBufferArena, type Bits } from './bits.ts';

/**
 * The search cache: configurations (linearized ops, state id) already explored, over typed arrays.
 * Linearized ops come as two bitsets: ops that completed, and crashed ops (which may happen or not).
 * An entry stores only each bitset's window (see Bits): [state, lo, hi, clo, chi, words…, crashed words…],
 * so its size follows the concurrency, not the history length. The caller supplies an incrementally
 * maintained Zobrist hash of the completed bitset.
 *
 * Crashed ops are never required, so a configuration is subsumed by an explored one with the same
 * state and completed ops whose crashed set is a subset of its own: every continuation of the larger
 * one is open to the smaller one too. Entries sharing (state, completed ops) form a list hanging off one
 * hash slot; `add` reports a subsumed configuration as already seen, and unlinks entries the new one
 * subsumes so the lists stay short.
 */
const HEADER = 5;

export class VisitedSet {
  private arena: Int32Array<ArrayBuffer>;
  private used = 0;
  /** Arena offset of each entry. */
  private offsets: Int32Array<ArrayBuffer>;
  private hashes: Int32Array<ArrayBuffer>;
  /** Next entry with the same (state, completed ops), or -1. */
  private links: Int32Array<ArrayBuffer>;
  private slots: Int32Array;
  private mask: number;
  private keys = 0;
  size = 0;

  /**
   * `ops`: the partition's op count, a hint for the first size (a small history's check should not pay
   * for tables sized for a long one; all tables grow by doubling).
   */
  constructor(ops = 256) {
    const entries = 2 ** Math.max(4, Math.min(8, Math.ceil(Math.log2(ops + 1))));
    // One buffer for the first tables (they are replaced one by one as they grow).
    const first = new ArrayBufferArena(4 * entries * 13);
    this.arena = first.int32(entries * 8);
    this.offsets = first.int32(entries);
    this.hashes = first.int32(entries);
    this.links = first.int32(entries);
    this.slots = first.int32(entries * 2);
    this.mask = entries * 2 - 1;
  }

  /** Adds the configuration unless it is present or subsumed; true when it was new. */
  add(bits: Bits, crashed: Bits, bitsHash: number, state: number): boolean {
    const key = (bitsHash ^ Math.imul(state + 1, 0x9e3779b1)) | 0;
    const { arena, hashes, offsets, slots, mask } = this;
    const lo = bits.lo;
    const hi = Math.max(lo, bits.hi);
    const words = bits.words;
    let s = (key ^ (key >>> 15)) & mask;
    let head = -1;
    for (;;) {
      const e = slots[s]!;
      if (e === 0) break;
      const idx = e - 1;
      if (hashes[idx] === key) {
        const base = offsets[idx]!;
        if (arena[base] === state && arena[base + 1] === lo && arena[base + 2] === hi) {
          let w = lo;
          const at = base + HEADER - lo;
          while (w < hi && arena[at + w] === words[w]) w++;
          if (w === hi) {
            head = idx;
            break;
          }
        }
      }
      s = (s + 1) & mask;
    }
    const found = head >= 0;
    const clo = crashed.lo;
    const chi = Math.max(clo, crashed.hi);
    if (found) {
      // Seen if some entry's crashed set is a subset of ours; unlink entries whose set is a superset.
      const cw = crashed.words;
      const links = this.links;
      let prev = -1;
      let cur = head;
      while (cur >= 0) {
        const base = offsets[cur]!;
        const slo = arena[base + 3]!;
        const shi = arena[base + 4]!;
        const at = base + HEADER + (arena[base + 2]! - arena[base + 1]!) - slo;
        const sub = slo <= clo && subset(arena, at, slo, shi, crashed);
        if (sub) return false;
        const sup = clo <= slo && supersetOf(arena, at, slo, shi, cw, clo, chi, crashed);
        const nxt = links[cur]!;
        if (sup) {
          if (prev < 0) head = nxt;
          else links[prev] = nxt;
        } else prev = cur;
        cur = nxt;
      }
    }
    const idx = this.size;
    const len = HEADER + (hi - lo) + (chi - clo);
    if (idx === offsets.length) this.growIndex();
    if (this.used + len > this.arena.length) this.growArena(len);
    const base = this.used;
    const a = this.arena;
    a[base] = state;
    a[base + 1] = lo;
    a[base + 2] = hi;
    a[base + 3] = clo;
    a[base + 4] = chi;
    // Word by word: a subarray view per add was a third of the search's allocation (c50-ok).
    const wAt = base + HEADER - lo;
    for (let w = lo; w < hi; w++) a[wAt + w] = words[w]!;
    const cws = crashed.words;
    const cAt = base + HEADER + (hi - lo) - clo;
    for (let w = clo; w < chi; w++) a[cAt + w] = cws[w]!;
    this.used += len;
    this.offsets[idx] = base;
    this.hashes[idx] = key;
    this.links[idx] = head;
    this.size++;
    // The new entry heads the list (the slot is the old head's, or a fresh one).
    slots[s] = idx + 1;
    if (!found && ++this.keys * 2 > mask) this.rehash();
    return true;
  }

  private growIndex(): void {
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.offsets = grow(this.offsets);
    this.hashes = grow(this.hashes);
    this.links = grow(this.links);
  }

  private growArena(atLeast: number): void {
    let n = this.arena.length * 2;
    while (n < this.used + atLeast) n *= 2;
    const arena = new Int32Array(n);
    arena.set(this.arena.subarray(0, this.used));
    this.arena = arena;
  }

  private rehash(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length - 1;
    for (const e of old) {
      if (e === 0) continue;
      const key = this.hashes[e - 1]!;
      let s = (key ^ (key >>> 15)) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e;
    }
    this.slots = slots;
    this.mask = mask;
  }

  bytes(): number {
    return (
      this.arena.byteLength +
      this.offsets.byteLength +
      this.hashes.byteLength +
      this.links.byteLength +
      this.slots.byteLength
    );
  }
}

/**
 * Stored window [slo, shi) at arena[at + w] ⊆ live set `b` (the caller checked slo ≤ b.lo, so the
 * stored full words below slo are full in `b` too; stored words from shi on are zero).
 */
function subset(arena: Int32Array, at: number, slo: number, shi: number, b: Bits): boolean {
  const bw = b.words;
  for (let w = slo; w < shi; w++) if ((arena[at + w]! & ~bw[w]!) !== 0) return false;
  return true;
}

/** Live set (window [clo, chi) of `cw`) ⊆ stored set (caller checked clo ≤ slo). */
function supersetOf(
  arena: Int32Array,
  at: number,
  slo: number,
  shi: number,
  cw: Int32Array,
  clo: number,
  chi: number,
  b: Bits,
): boolean {
  for (let w = clo; w < chi; w++) {
    const stored = w < slo ? b.full(w) : w < shi ? arena[at + w]! : 0;
    if ((cw[w]! & ~stored) !== 0) return false;
  }
  return true;
}
