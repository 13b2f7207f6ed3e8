import { valueKey } from '../../src/history/values.ts';
import { ArrayBufferArena, Bits } from './bits.ts';
import type { Partition } from './prepare.ts';
import { StateTable } from './states.ts';
import { VisitedSet } from './visited.ts';

export type SearchStatus = 'ok' | 'illegal' | 'running';

/** Pass over the candidates for completed read-only ops; 0 is other completed ops, 1 crashed ones. */
const READ_PASS = 2;

/** The cache of a search that is over (released or discarded): never added to. */
const EMPTY_VISITED = new VisitedSet(0);

/** Entries per time unit in the sort keys of the constructor: more than 2 × the ops of any partition. */
const ENTRY_SPAN = 2 ** 24;

/** Paths kept for the explanation: orders that reached the furthest blocked return. */
const MAX_FINAL_PATHS = 8;

/**
 * Wing–Gong–Lowe search over one partition, resumable in slices of steps so several partitions can be
 * interleaved and the first illegal one stops the rest.
 *
 * Entries: op i has call entry 2i and return entry 2i+1, threaded on a doubly linked list in time order
 * (crashed ops return at +infinity, i.e. at the end). Linearizing op i unlinks both its entries; reaching a
 * return entry means that op could not be linearized before returning, so the search backtracks.
 */
export class PartitionSearch {
  readonly partition: Partition;
  table: StateTable;
  visited: VisitedSet;
  status: SearchStatus = 'running';
  steps = 0;
  maxDepth = 0;
  /** Op whose return was the furthest (in time) that some partial linearization reached but could not pass. */
  blockedOp = -1;
  blockedRank = -1;
  /**
   * Linearized orders that ended at the blocked return, kept without copying the whole stack each time
   * (a full copy per new furthest return made long searches quadratic): the first as `pathBase`, each
   * later one as the length of the prefix it shares with it and its own tail.
   */
  private pathBase: Int32Array;
  private baseDepth = 0;
  private pathTails: { shared: number; tail: Int32Array }[] = [];
  /** Lowest stack depth since `pathBase` was last brought up to date: the stack below it is unchanged. */
  private lowWater = 0;

  private readonly n: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly rank: Int32Array;
  private readonly crashed: Uint8Array;
  /** Bit position of each op within its bitset (completed ops and crashed ops are numbered apart). */
  private readonly bit: Int32Array;
  private readonly zobrist: Int32Array;
  /** For a crashed op, the previous crashed op with the very same call, or -1 (see the constructor). */
  private readonly twin: Int32Array;
  private readonly bits: Bits;
  private readonly crashedBits: Bits;
  private readonly stackOp: Int32Array;
  private readonly stackState: Int32Array;
  private readonly stackForced: Uint8Array;
  /** The pass that tries each op: READ_PASS (completed read-only, see model.ts), 0, or 1 (crashed). */
  private readonly kind: Uint8Array;
  private readonly firstPass: number;
  private depth = 0;
  private state: number;
  private hash = 0;
  private cursor: number;
  private remaining = 0;
  /** Which candidates the walk at the current configuration tries: READ_PASS, then 0, then 1. */
  private pass = 0;
  /** Crashed ops not linearized; when none, the crashed pass is skipped. */
  private crashedLeft = 0;

  constructor(partition: Partition) {
    this.partition = partition;
    const ops = partition.ops;
    const n = ops.length;
    this.n = n;
    // Every fixed-size array of the search in one buffer: each ArrayBuffer costs an allocation and GC
    // bookkeeping, which dominated the check of small histories.
    const arena = new ArrayBufferArena(8 * 2 * n + 4 * (14 * n + 2) + 3 * n);
    const entries = arena.float64(2 * n);
    this.stackOp = arena.int32(n);
    this.stackState = arena.int32(n);
    this.pathBase = arena.int32(n);
    this.bit = arena.int32(n);
    this.zobrist = arena.int32(n);
    this.twin = arena.int32(n);
    this.next = arena.int32(2 * n + 1);
    this.prev = arena.int32(2 * n + 1);
    this.rank = arena.int32(2 * n);
    this.stackForced = arena.uint8(n);
    this.kind = arena.uint8(n);
    this.crashed = arena.uint8(n);
    const ro = partition.model.readOnly;
    for (let i = 0; i < n; i++) {
      if (ops[i]!.crashed) this.kind[i] = 1;
      else if (ro?.(ops[i]!.call)) this.kind[i] = READ_PASS;
    }
    this.firstPass = this.kind.includes(READ_PASS) ? READ_PASS : 0;
    this.table = new StateTable(
      partition.model,
      ops.map((o) => o.call),
      this.kind,
      READ_PASS,
    );
    this.state = this.table.intern(partition.model.init());
    this.pass = this.firstPass;
    let seed = 0x2545f491;
    let crashedCount = 0;
    for (let i = 0; i < n; i++) {
      if (ops[i]!.crashed) {
        this.crashed[i] = 1;
        this.bit[i] = crashedCount++;
        continue;
      }
      // xorshift32: deterministic, well-spread keys
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      this.zobrist[i] = seed;
      this.bit[i] = this.remaining++;
    }
    // Symmetry: crashed ops with identical calls (same f, value) are interchangeable once both are
    // invoked, since both return at +infinity. Any linearization using a later twin while the earlier
    // one is unused can swap them, so only orders that use twins in invoke order are explored.
    this.twin.fill(-1);
    const lastTwin = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      if (!ops[i]!.crashed) continue;
      const c = ops[i]!.call;
      const k = `${c.f}\u0000${c.outcome}\u0000${valueKey(c.value)}`;
      const prev = lastTwin.get(k);
      if (prev !== undefined) this.twin[i] = prev;
      lastTwin.set(k, i);
    }
    this.visited = new VisitedSet(n);
    this.bits = new Bits(this.remaining);
    this.crashedBits = new Bits(crashedCount);
    this.crashedLeft = crashedCount;
    // Time order of entries; crashed returns last, in call order. Calls never tie (distinct positions).
    // Sorted as numbers (time × 2^22 + entry; no comparator callback): positions are history indices,
    // a crashed op's return comes after every position, in call order.
    let end = 0;
    for (let i = 0; i < n; i++)
      end = Math.max(end, ops[i]!.callPos, Number.isFinite(ops[i]!.retPos) ? ops[i]!.retPos : 0);
    for (let i = 0; i < n; i++) {
      const o = ops[i]!;
      entries[2 * i] = o.callPos * ENTRY_SPAN + 2 * i;
      entries[2 * i + 1] =
        (Number.isFinite(o.retPos) ? o.retPos : end + 1 + o.callPos) * ENTRY_SPAN + 2 * i + 1;
    }
    entries.sort();
    const head = 2 * n;
    this.next.fill(-1);
    this.prev.fill(-1);
    let last = head;
    for (let r = 0; r < 2 * n; r++) {
      const e = entries[r]! % ENTRY_SPAN;
      this.rank[e] = r;
      this.next[last] = e;
      this.prev[e] = last;
      last = e;
    }
    this.cursor = this.next[head]!;
  }

  /** Runs at most `maxSteps` steps; returns the status. */
  run(maxSteps: number): SearchStatus {
    if (this.status !== 'running') return this.status;
    const { next, prev, crashed, bit, zobrist, bits, crashedBits, stackOp, stackState, visited, table } =
      this;
    const head = 2 * this.n;
    let { depth, state, hash, remaining, pass, crashedLeft } = this;
    const { stackForced, kind } = this;
    const firstPass = this.firstPass;
    let e = this.cursor;
    let steps = 0;
    for (; steps < maxSteps; steps++) {
      if (remaining === 0) {
        this.status = 'ok';
        break;
      }
      if ((e & 1) === 0) {
        const i = e >> 1;
        if (kind[i] !== pass) {
          e = next[e]!;
          continue;
        }
        const t = this.twin[i]!;
        const ns = t >= 0 && !crashedBits.has(bit[t]!) ? -1 : table.next(state, i);
        if (ns >= 0) {
          const set = crashed[i] === 0 ? bits : crashedBits;
          set.set(bit[i]!);
          hash ^= zobrist[i]!;
          // A completed read-only op (never changes the state) that is legal here can go first in some
          // linearization if any exists: moving it earlier changes no state and breaks no real-time
          // order (whatever returned before its call is linearized already). So it is the only move
          // tried here: if it fails, this configuration fails.
          const forced = pass === READ_PASS;
          if (visited.add(bits, crashedBits, hash, ns)) {
            stackOp[depth] = i;
            stackState[depth] = state;
            stackForced[depth] = forced ? 1 : 0;
            depth++;
            state = ns;
            const r = e + 1;
            // unlink call and return
            next[prev[e]!] = next[e]!;
            if (next[e]! >= 0) prev[next[e]!] = prev[e]!;
            next[prev[r]!] = next[r]!;
            if (next[r]! >= 0) prev[next[r]!] = prev[r]!;
            if (crashed[i] === 0) remaining--;
            else crashedLeft--;
            e = next[head]!;
            pass = firstPass;
            continue;
          }
          set.clear(bit[i]!);
          hash ^= zobrist[i]!;
          if (forced) {
            // seen before, so it failed: this configuration fails too
            e = this.firstReturn();
            pass = 1;
            continue;
          }
        }
        e = next[e]!;
      } else {
        // Passes over the candidates: legal read-only ops (forced), other completed ops, then crashed
        // ops, so small crashed sets are explored first and the larger ones tend to be subsumed.
        if (pass === READ_PASS || (pass === 0 && crashedLeft > 0)) {
          pass = pass === READ_PASS ? 0 : 1;
          if (pass === 0 || crashedLeft > 0) {
            e = next[head]!;
            continue;
          }
        }
        this.noteBlocked(e >> 1, depth);
        if (depth === 0) {
          this.status = 'illegal';
          break;
        }
        depth--;
        if (depth < this.lowWater) this.lowWater = depth;
        const i = stackOp[depth]!;
        state = stackState[depth]!;
        (crashed[i] === 0 ? bits : crashedBits).clear(bit[i]!);
        hash ^= zobrist[i]!;
        const c = 2 * i;
        const r = c + 1;
        // relink in reverse order of unlinking
        next[prev[r]!] = r;
        if (next[r]! >= 0) prev[next[r]!] = r;
        next[prev[c]!] = c;
        if (next[c]! >= 0) prev[next[c]!] = c;
        if (crashed[i] === 0) remaining++;
        else crashedLeft++;
        pass = kind[i]!;
        e = next[c]!;
        if (stackForced[depth] === 1) {
          e = this.firstReturn();
          pass = 1;
        }
      }
    }
    this.steps += steps;
    this.depth = depth;
    this.state = state;
    this.hash = hash;
    this.remaining = remaining;
    this.pass = pass;
    this.crashedLeft = crashedLeft;
    this.cursor = e;
    return this.status;
  }

  /** The first return entry in the list: where the search stands when nothing more is worth trying. */
  private firstReturn(): number {
    let x = this.next[2 * this.n]!;
    while ((x & 1) === 0) x = this.next[x]!;
    return x;
  }

  private noteBlocked(op: number, depth: number): void {
    if (depth > this.maxDepth) this.maxDepth = depth;
    const r = this.rank[2 * op + 1]!;
    if (r > this.blockedRank) {
      this.blockedRank = r;
      this.blockedOp = op;
      this.pathTails = [];
      // Only the part of the stack that changed since the last copy: amortized over the steps taken.
      this.pathBase.set(this.stackOp.subarray(this.lowWater, depth), this.lowWater);
      this.baseDepth = depth;
      this.lowWater = depth;
    } else if (r === this.blockedRank && this.pathTails.length < MAX_FINAL_PATHS - 1) {
      const shared = Math.min(this.lowWater, this.baseDepth);
      this.pathTails.push({ shared, tail: this.stackOp.slice(shared, depth) });
    }
  }

  /** Linearized op orders (op ids) that ended at the blocked return, at most MAX_FINAL_PATHS. */
  get finalPaths(): Int32Array[] {
    if (this.blockedRank < 0) return [];
    const paths = [this.pathBase.slice(0, this.baseDepth)];
    for (const { shared, tail } of this.pathTails) {
      const p = new Int32Array(shared + tail.length);
      p.set(this.pathBase.subarray(0, shared));
      p.set(tail, shared);
      paths.push(p);
    }
    return paths;
  }

  bytes(): number {
    return this.visited.bytes() + this.table.bytes() + this.n * 64;
  }

  /** Cache entries and distinct states so far (kept after release). */
  get cacheEntries(): number {
    return this.released ? this.released.entries : this.visited.size;
  }
  get stateCount(): number {
    return this.released ? this.released.states : this.table.states.length;
  }

  private released: { entries: number; states: number } | undefined;

  /**
   * Frees the cache of a search that another thread takes over (its work here is abandoned): its
   * memory must not count twice against the limit. The search must not run again.
   */
  discard(): void {
    this.visited = EMPTY_VISITED;
    this.table = new StateTable(this.partition.model, []);
  }

  /** Frees the cache of a partition found linearizable (nothing more to explain there). */
  release(): void {
    if (this.status !== 'ok' || this.released) return;
    this.released = { entries: this.visited.size, states: this.table.states.length };
    this.visited = EMPTY_VISITED;
    this.table = new StateTable(this.partition.model, []);
  }
}
