import { Bits } from './bits.ts';
import type { Partition } from './prepare.ts';
import { StateTable } from './states.ts';
import { VisitedSet } from './visited.ts';

export type SearchStatus = 'ok' | 'illegal' | 'running';

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
  readonly table: StateTable;
  readonly visited: VisitedSet;
  status: SearchStatus = 'running';
  steps = 0;
  maxDepth = 0;
  /** Op whose return was the furthest (in time) that some partial linearization reached but could not pass. */
  blockedOp = -1;
  blockedRank = -1;
  /** Linearized op orders (op ids) that ended at the blocked return. */
  finalPaths: Int32Array[] = [];

  private readonly n: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly rank: Int32Array;
  private readonly crashed: Uint8Array;
  /** Bit position of each op within its bitset (completed ops and crashed ops are numbered apart). */
  private readonly bit: Int32Array;
  private readonly zobrist: Int32Array;
  private readonly bits: Bits;
  private readonly crashedBits: Bits;
  private readonly stackOp: Int32Array;
  private readonly stackState: Int32Array;
  private depth = 0;
  private state: number;
  private hash = 0;
  private cursor: number;
  private remaining = 0;

  constructor(partition: Partition) {
    this.partition = partition;
    const ops = partition.ops;
    const n = ops.length;
    this.n = n;
    this.table = new StateTable(
      partition.model,
      ops.map((o) => o.call),
    );
    this.state = this.table.intern(partition.model.init());
    this.stackOp = new Int32Array(n);
    this.stackState = new Int32Array(n);
    this.crashed = new Uint8Array(n);
    this.bit = new Int32Array(n);
    this.zobrist = new Int32Array(n);
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
    this.visited = new VisitedSet();
    this.bits = new Bits(this.remaining);
    this.crashedBits = new Bits(crashedCount);
    // Time order of entries; crashed returns last, in call order. Calls never tie (distinct positions).
    const entries = new Int32Array(2 * n);
    for (let i = 0; i < 2 * n; i++) entries[i] = i;
    const time = (e: number): number => {
      const o = ops[e >> 1]!;
      return e & 1 ? o.retPos : o.callPos;
    };
    entries.sort((a, b) => time(a) - time(b) || a - b);
    const head = 2 * n;
    this.next = new Int32Array(2 * n + 1).fill(-1);
    this.prev = new Int32Array(2 * n + 1).fill(-1);
    this.rank = new Int32Array(2 * n);
    let last = head;
    entries.forEach((e, r) => {
      this.rank[e] = r;
      this.next[last] = e;
      this.prev[e] = last;
      last = e;
    });
    this.cursor = this.next[head]!;
  }

  /** Runs at most `maxSteps` steps; returns the status. */
  run(maxSteps: number): SearchStatus {
    if (this.status !== 'running') return this.status;
    const { next, prev, crashed, bit, zobrist, bits, crashedBits, stackOp, stackState, visited, table } =
      this;
    const head = 2 * this.n;
    let { depth, state, hash, remaining } = this;
    let e = this.cursor;
    let steps = 0;
    for (; steps < maxSteps; steps++) {
      if (remaining === 0) {
        this.status = 'ok';
        break;
      }
      if ((e & 1) === 0) {
        const i = e >> 1;
        const ns = table.next(state, i);
        if (ns >= 0) {
          const set = crashed[i] === 0 ? bits : crashedBits;
          set.set(bit[i]!);
          hash ^= zobrist[i]!;
          if (visited.add(bits, crashedBits, hash, ns)) {
            stackOp[depth] = i;
            stackState[depth] = state;
            depth++;
            state = ns;
            const r = e + 1;
            // unlink call and return
            next[prev[e]!] = next[e]!;
            if (next[e]! >= 0) prev[next[e]!] = prev[e]!;
            next[prev[r]!] = next[r]!;
            if (next[r]! >= 0) prev[next[r]!] = prev[r]!;
            if (crashed[i] === 0) remaining--;
            e = next[head]!;
            continue;
          }
          set.clear(bit[i]!);
          hash ^= zobrist[i]!;
        }
        e = next[e]!;
      } else {
        this.noteBlocked(e >> 1, depth);
        if (depth === 0) {
          this.status = 'illegal';
          break;
        }
        depth--;
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
        e = next[c]!;
      }
    }
    this.steps += steps;
    this.depth = depth;
    this.state = state;
    this.hash = hash;
    this.remaining = remaining;
    this.cursor = e;
    return this.status;
  }

  private noteBlocked(op: number, depth: number): void {
    if (depth > this.maxDepth) this.maxDepth = depth;
    const r = this.rank[2 * op + 1]!;
    if (r > this.blockedRank) {
      this.blockedRank = r;
      this.blockedOp = op;
      this.finalPaths = [];
    }
    if (r === this.blockedRank && this.finalPaths.length < MAX_FINAL_PATHS) {
      this.finalPaths.push(this.stackOp.slice(0, depth));
    }
  }

  bytes(): number {
    return this.visited.bytes() + this.table.bytes() + this.n * 64;
  }
}
