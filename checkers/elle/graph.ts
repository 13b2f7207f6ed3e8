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
 */
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
 * Builds the CSR graph over `n` txns from edge lists (duplicates and several kinds per pair are merged
 * into one edge by OR; self-edges are dropped: a txn never depends on itself in the graph). Throws a
 * RangeError when an edge names a txn id outside 0…n−1 (a bug in whoever built the list).
 */
export function buildGraph(n: number, lists: readonly EdgeList[]): TxnGraph {
  const degree = new Int32Array(n + 1);
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
      degree[f]!++;
      total++;
    }
  }
  // Counting sort by source.
  const start = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) start[v + 1] = start[v]! + degree[v]!;
  const fill = start.slice(0, n);
  const rawT = new Int32Array(total);
  const rawM = new Uint8Array(total);
  for (const l of lists) {
    const { from, to, mask } = l;
    const len = l.length;
    for (let i = 0; i < len; i++) {
      const f = from[i]!;
      const t = to[i]!;
      if (f === t) continue;
      const p = fill[f]!++;
      rawT[p] = t;
      rawM[p] = mask[i]!;
    }
  }
  // Merge duplicate targets per row: `slot[t]` is where t went in the current row (valid when
  // `rowOf[t]` is the current row).
  const rowOf = new Int32Array(n).fill(-1);
  const slot = new Int32Array(n);
  const offsets = new Int32Array(n + 1);
  let out = 0;
  let kinds = 0;
  for (let v = 0; v < n; v++) {
    offsets[v] = out;
    for (let p = start[v]!; p < start[v + 1]!; p++) {
      const t = rawT[p]!;
      const m = rawM[p]!;
      kinds |= m;
      if (rowOf[t] === v) rawM[slot[t]!]! |= m;
      else {
        rowOf[t] = v;
        slot[t] = out;
        rawT[out] = t;
        rawM[out] = m;
        out++;
      }
    }
  }
  offsets[n] = out;
  return { n, offsets, targets: rawT.slice(0, out), masks: rawM.slice(0, out), kinds };
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
 * Real-time edges (elle/core.clj `realtime-graph`): T1 → T2 when T1 committed before T2 was invoked.
 * Only a transitive reduction-ish subset is built: a frontier of committed txns is linked to each new
 * invocation; when a committed txn completes, the frontier members that were already linked to it (those
 * that completed before it was invoked) leave the frontier, since every later txn is reached through it.
 * Events are ordered by history index (invokes and completions of `txns`; failed txns are skipped).
 */
export function realtimeEdges(txns: readonly Txn[]): EdgeList {
  const out = new EdgeBuilder();
  const n = txns.length;
  // Completions of committed txns, in history order.
  const done: number[] = [];
  for (const t of txns) if (t.type === 'ok' && t.completeIndex !== undefined) done.push(t.id);
  done.sort((a, b) => txns[a]!.completeIndex! - txns[b]!.completeIndex!);
  // The frontier is a queue: members join in completion order and leave as a prefix, those that
  // completed before some later-completing txn's invocation.
  const frontier = new Int32Array(done.length);
  const joinedAt = new Float64Array(done.length); // history index of each member's completion
  let head = 0;
  let tail = 0;
  let d = 0;
  for (let i = 0; i <= n; i++) {
    const inv = i < n ? txns[i]! : undefined;
    const invIndex = inv ? inv.invokeIndex : Number.POSITIVE_INFINITY;
    // Completions before this invocation first.
    while (d < done.length && txns[done[d]!]!.completeIndex! < invIndex) {
      const c = txns[done[d]!]!;
      while (head < tail && joinedAt[head]! < c.invokeIndex) head++;
      frontier[tail] = c.id;
      joinedAt[tail] = c.completeIndex!;
      tail++;
      d++;
    }
    if (!inv || inv.type === 'fail') continue;
    for (let k = head; k < tail; k++) out.add(frontier[k]!, inv.id, REALTIME);
  }
  return out;
}

/** The edges of `g` as an EdgeList (for tests and for rebuilding with more edges). */
export function edgesOf(g: TxnGraph): EdgeList {
  const from = new Int32Array(g.targets.length);
  for (let v = 0; v < g.n; v++) from.fill(v, g.offsets[v]!, g.offsets[v + 1]!);
  return { length: g.targets.length, from, to: g.targets.slice(), mask: g.masks.slice() };
}

/** The mask of edge `from → to`, or 0 when there is none (linear in the row's length). */
export function edgeMask(g: TxnGraph, from: number, to: number): number {
  for (let e = g.offsets[from]!; e < g.offsets[from + 1]!; e++) if (g.targets[e] === to) return g.masks[e]!;
  return 0;
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
  let m = 0;
  for (let i = 0; i < k; i++) {
    const v = vertices[i]!;
    for (let e = g.offsets[v]!; e < g.offsets[v + 1]!; e++)
      if (g.masks[e]! & mask && scratch[g.targets[e]!]! >= 0) m++;
  }
  const offsets = new Int32Array(k + 1);
  const targets = new Int32Array(m);
  const masks = new Uint8Array(m);
  let out = 0;
  let kinds = 0;
  for (let i = 0; i < k; i++) {
    offsets[i] = out;
    const v = vertices[i]!;
    for (let e = g.offsets[v]!; e < g.offsets[v + 1]!; e++) {
      const mk = g.masks[e]! & mask;
      const t = scratch[g.targets[e]!]!;
      if (mk && t >= 0) {
        targets[out] = t;
        masks[out] = mk;
        kinds |= mk;
        out++;
      }
    }
  }
  offsets[k] = out;
  for (let i = 0; i < k; i++) scratch[vertices[i]!] = -1;
  return { n: k, offsets, targets, masks, kinds };
}
