/**
 * The transaction dependency graph: a CSR (compressed sparse row) directed graph over txn ids with one
 * kind mask per edge (ww/wr/rw/process/realtime bits of types.ts; several kinds between one pair are
 * OR-ed into one edge). Typed arrays only, so a million-txn history is a few arrays, not a million
 * objects. Pure, no I/O.
 *
 * Process and real-time edges follow elle/core.clj (`process-graph`, `realtime-graph`): process edges
 * link each committed txn to the next txn (committed or indeterminate) of the same process; real-time
 * edges link a committed txn to every txn invoked after it completed, but only from a frontier of
 * completions not already implied by a later one, so their number stays near n × concurrency, not n².
 * Each committed txn's real-time successors in that reduction are a contiguous run of txn ids (the txns
 * invoked while it was in the frontier), so the graph keeps them as one id range per txn instead of
 * n × concurrency edge slots.
 */
import { TYPE_OK, txnColumns } from './txns.ts';
import { type EdgeList, PROCESS, REALTIME, type Txn } from './types.ts';

/** A directed graph over txn ids 0…n−1 in CSR form. Edges of row v are `offsets[v]…offsets[v+1]−1`. */
export interface TxnGraph {
  /** Number of vertices (txns). */
  n: number;
  /** Row starts, length n+1. */
  offsets: Int32Array;
  /** Edge targets, length = number of edges. */
  targets: Int32Array;
  /** Edge kind masks (OR of the kinds between that pair), parallel to `targets`. */
  masks: Uint8Array;
  /** OR of every edge's mask: which kinds occur at all. */
  kinds: number;
  /**
   * Real-time edges kept as ranges: v → x (kind REALTIME) for every x in `rtLo[v]…rtHi[v]−1` (only in
   * the whole-history graph; subgraphs from `inducedSubgraph` have them as ordinary edges).
   */
  rt?: RealtimeRanges;
}

/** Per txn, the ids it has real-time edges to: `lo[v]…hi[v]−1` (empty when lo ≥ hi). */
export interface RealtimeRanges {
  lo: Int32Array;
  hi: Int32Array;
}

/** A growable edge list (the EdgeList shape of types.ts) for the process and real-time edges built here. */
class EdgeBuilder implements EdgeList {
  length = 0;
  from = new Int32Array(16);
  to = new Int32Array(16);
  mask = new Uint8Array(16);

  add(from: number, to: number, mask: number): void {
    if (this.length === this.from.length) {
      const cap = this.length * 2;
      const f = new Int32Array(cap);
      f.set(this.from);
      this.from = f;
      const t = new Int32Array(cap);
      t.set(this.to);
      this.to = t;
      const m = new Uint8Array(cap);
      m.set(this.mask);
      this.mask = m;
    }
    this.from[this.length] = from;
    this.to[this.length] = to;
    this.mask[this.length] = mask;
    this.length++;
  }
}

/**
 * Builds the CSR graph over `n` txns from edge lists and optional real-time ranges (kept as ranges;
 * see `realtimeRanges`). In the lists, duplicates and several kinds per pair are merged
 * into one edge by OR; self-edges are dropped: a txn never depends on itself in the graph). Throws a
 * RangeError when an edge names a txn id outside 0…n−1 (a bug in whoever built the list).
 */
export function buildGraph(n: number, lists: readonly EdgeList[], rt?: RealtimeRanges): TxnGraph {
  // Counting sort by source, in one n+1 array: counts at start[f+1], then prefix sums. Few, reused
  // arrays: at a million txns each one is megabytes the GC must account for.
  const start = new Int32Array(n + 1);
  let total = 0;
  for (const l of lists) {
    // Hoisted: the lists are of different classes, and property reads in the loop would go megamorphic.
    const { from, to } = l;
    const len = l.length;
    for (let i = 0; i < len; i++) {
      const f = from[i]!;
      const t = to[i]!;
      if (f < 0 || f >= n || t < 0 || t >= n)
        throw new RangeError(`edge ${f} → ${t} outside txns 0…${n - 1}`);
      if (f === t) continue;
      start[f + 1]!++;
      total++;
    }
  }
  for (let v = 0; v < n; v++) start[v + 1]! += start[v]!;
  const rawT = new Int32Array(total);
  const rawM = new Uint8Array(total);
  // Placing edge i of row f at start[f]++ leaves start[v] = the old start[v+1]; shifted back below.
  for (const l of lists) {
    const { from, to, mask } = l;
    const len = l.length;
    for (let i = 0; i < len; i++) {
      const f = from[i]!;
      const t = to[i]!;
      if (f === t) continue;
      const p = start[f]!++;
      rawT[p] = t;
      rawM[p] = mask[i]!;
    }
  }
  for (let v = n; v > 0; v--) start[v] = start[v - 1]!;
  start[0] = 0;
  // Merge duplicate targets per row, compacting in place: `slot[t]` is where t last went; it is in
  // the current row when it is at or past the row's first output position and still holds t.
  const slot = new Int32Array(n).fill(-1);
  const offsets = start; // rewritten row by row: row v's input starts at `begin`, read before overwriting
  let out = 0;
  let kinds = 0;
  let begin = start[0]!;
  for (let v = 0; v < n; v++) {
    const end = start[v + 1]!;
    offsets[v] = out;
    for (let p = begin; p < end; p++) {
      const t = rawT[p]!;
      const m = rawM[p]!;
      kinds |= m;
      const q = slot[t]!;
      if (q >= offsets[v]! && rawT[q] === t) rawM[q]! |= m;
      else {
        slot[t] = out;
        rawT[out] = t;
        rawM[out] = m;
        out++;
      }
    }
    begin = end;
  }
  offsets[n] = out;
  if (rt) for (let v = 0; v < n && !(kinds & REALTIME); v++) if (rt.lo[v]! < rt.hi[v]!) kinds |= REALTIME;
  const targets = out === total ? rawT : rawT.slice(0, out);
  const masks = out === total ? rawM : rawM.slice(0, out);
  return { n, offsets, targets, masks, kinds, ...(rt ? { rt } : {}) };
}

/**
 * Process edges (elle/core.clj `process-graph`): for each process, from each committed txn to the next
 * txn of that process that committed or is indeterminate (`info`). Failed txns did not happen and get
 * none; an indeterminate txn has no outgoing process edge (it may take effect at any later time).
 */
export function processEdges(txns: readonly Txn[]): EdgeList {
  const out = new EdgeBuilder();
  const lastOk = new Map<number, number>();
  for (const t of txns) {
    if (t.type === 'fail') continue;
    const prev = lastOk.get(t.process);
    if (prev !== undefined) out.add(prev, t.id, PROCESS);
    if (t.type === 'ok') lastOk.set(t.process, t.id);
  }
  return out;
}

/**
 * Real-time edges (elle/core.clj `realtime-graph`) as ranges: T1 → T2 when T1 committed before T2 was
 * invoked, reduced as Elle does: a frontier of committed txns is linked to each new invocation; when a
 * committed txn completes, the frontier members already linked to it (those that completed before it
 * was invoked) leave the frontier, since every later txn is reached through it. Txn ids are in invoke
 * order, so the txns linked from one member are the id range invoked while it was in the frontier.
 * Events are ordered by history index. Failed txns are linked to like any invocation (harmless: they
 * have no edges out), and only committed txns have edges out.
 */
export function realtimeRanges(txns: readonly Txn[]): RealtimeRanges {
  // The txns' columns (txns.ts): a million getter calls on scattered objects cost more than typed arrays.
  const { type, invokeIndex, completeIndex } = txnColumns(txns);
  const n = txns.length;
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  // Completions of committed txns, in history order (a bucket per history index: no comparator
  // sort over a million txns).
  let maxIndex = -1;
  let okCount = 0;
  for (let t = 0; t < n; t++)
    if (type[t] === TYPE_OK && completeIndex[t]! >= 0) {
      okCount++;
      if (completeIndex[t]! > maxIndex) maxIndex = completeIndex[t]!;
    }
  const byIndex = new Int32Array(maxIndex + 1).fill(-1);
  for (let t = 0; t < n; t++)
    if (type[t] === TYPE_OK && completeIndex[t]! >= 0) byIndex[completeIndex[t]!] = t;
  const done = new Int32Array(okCount);
  let filled = 0;
  for (let i = 0; i <= maxIndex; i++) if (byIndex[i]! >= 0) done[filled++] = byIndex[i]!;
  // The frontier is a queue: members join in completion order and leave as a prefix, those that
  // completed before some later-completing txn's invocation.
  const frontier = new Int32Array(done.length);
  let head = 0;
  let tail = 0;
  let d = 0;
  for (let i = 0; i <= n; i++) {
    const invIndex = i < n ? invokeIndex[i]! : Number.POSITIVE_INFINITY;
    // Completions before invocation i first: the next id linked is i.
    while (d < done.length && completeIndex[done[d]!]! < invIndex) {
      const c = done[d]!;
      while (head < tail && completeIndex[frontier[head]!]! < invokeIndex[c]!) hi[frontier[head++]!] = i;
      frontier[tail++] = c;
      lo[c] = i;
      d++;
    }
  }
  while (head < tail) hi[frontier[head++]!] = n;
  return { lo, hi };
}

/** The real-time edges of `realtimeRanges` as an explicit edge list (to failed txns too). */
export function realtimeEdges(txns: readonly Txn[]): EdgeList {
  const { lo, hi } = realtimeRanges(txns);
  const out = new EdgeBuilder();
  for (let v = 0; v < txns.length; v++) for (let x = lo[v]!; x < hi[v]!; x++) out.add(v, x, REALTIME);
  return out;
}

/** Number of edges of `g`, real-time ranges included. */
export function edgeCount(g: TxnGraph): number {
  let m = g.targets.length;
  if (g.rt) for (let v = 0; v < g.n; v++) m += Math.max(0, g.rt.hi[v]! - g.rt.lo[v]!);
  return m;
}

/** The edges of `g` as an EdgeList, real-time ranges expanded (for tests and for rebuilding). */
export function edgesOf(g: TxnGraph): EdgeList {
  const m = edgeCount(g);
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  const mask = new Uint8Array(m);
  let out = 0;
  for (let v = 0; v < g.n; v++) {
    for (let e = g.offsets[v]!; e < g.offsets[v + 1]!; e++) {
      from[out] = v;
      to[out] = g.targets[e]!;
      mask[out++] = g.masks[e]!;
    }
    if (g.rt)
      for (let x = g.rt.lo[v]!; x < g.rt.hi[v]!; x++) {
        from[out] = v;
        to[out] = x;
        mask[out++] = REALTIME;
      }
  }
  return { length: m, from, to, mask };
}

/** The mask of edge `from → to` (kinds OR-ed, real-time range included), or 0 when there is none. */
export function edgeMask(g: TxnGraph, from: number, to: number): number {
  let m = 0;
  for (let e = g.offsets[from]!; e < g.offsets[from + 1]!; e++) if (g.targets[e] === to) m |= g.masks[e]!;
  if (g.rt && g.rt.lo[from]! <= to && to < g.rt.hi[from]!) m |= REALTIME;
  return m;
}

/**
 * The subgraph induced by `vertices` (global ids), with local ids 0…k−1 in the order given, keeping
 * only edges whose mask meets `mask` (their masks cut down to `mask`). `scratch` is an n-sized
 * Int32Array filled with −1, used to map global to local ids and restored before returning, so many
 * small subgraphs cost only their own size.
 */
export function inducedSubgraph(
  g: TxnGraph,
  vertices: ArrayLike<number>,
  mask: number,
  scratch: Int32Array,
): TxnGraph {
  const k = vertices.length;
  for (let i = 0; i < k; i++) scratch[vertices[i]!] = i;
  const rt = mask & REALTIME ? g.rt : undefined;
  const targets: number[] = [];
  const masks: number[] = [];
  const offsets = new Int32Array(k + 1);
  // Where local target t went in the current row (valid when rowOf[t] is the row): merges a
  // real-time range edge into a data edge between the same pair.
  const rowOf = new Int32Array(k).fill(-1);
  const slot = new Int32Array(k);
  let kinds = 0;
  const add = (row: number, t: number, mk: number) => {
    kinds |= mk;
    if (rowOf[t] === row) masks[slot[t]!]! |= mk;
    else {
      rowOf[t] = row;
      slot[t] = targets.length;
      targets.push(t);
      masks.push(mk);
    }
  };
  for (let i = 0; i < k; i++) {
    offsets[i] = targets.length;
    const v = vertices[i]!;
    for (let e = g.offsets[v]!; e < g.offsets[v + 1]!; e++) {
      const mk = g.masks[e]! & mask;
      const t = scratch[g.targets[e]!]!;
      if (mk && t >= 0) add(i, t, mk);
    }
    if (rt)
      for (let x = rt.lo[v]!; x < rt.hi[v]!; x++) {
        const t = scratch[x]!;
        if (t >= 0) add(i, t, REALTIME);
      }
  }
  offsets[k] = targets.length;
  for (let i = 0; i < k; i++) scratch[vertices[i]!] = -1;
  return { n: k, offsets, targets: Int32Array.from(targets), masks: Uint8Array.from(masks), kinds };
}
