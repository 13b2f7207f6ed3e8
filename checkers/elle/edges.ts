/**
 * A growable {@link EdgeList}: struct-of-arrays typed arrays that double when full, so a million-txn
 * history's edges stay a few flat buffers instead of millions of objects. Pure, no I/O.
 */
import type { EdgeList } from './types.ts';

/** An empty edge list with room for `capacity` edges (it grows as needed). */
export function newEdgeList(capacity = 1024): EdgeList {
  const cap = Math.max(16, capacity | 0);
  return { length: 0, from: new Int32Array(cap), to: new Int32Array(cap), mask: new Uint8Array(cap) };
}

/**
 * Appends the edge `from → to` (txn ids) with kind bits `mask` (WW, WR, RW… from types.ts). Duplicates
 * are kept; whoever builds the graph ORs masks per pair. The arrays double when full, so the list's
 * `from`/`to`/`mask` may be replaced: read them from the list after adding, not before.
 */
export function addEdge(list: EdgeList, from: number, to: number, mask: number): void {
  const n = list.length;
  if (n === list.from.length) grow(list);
  list.from[n] = from;
  list.to[n] = to;
  list.mask[n] = mask;
  list.length = n + 1;
}

function grow(list: EdgeList): void {
  const cap = list.from.length * 2;
  const from = new Int32Array(cap);
  const to = new Int32Array(cap);
  const mask = new Uint8Array(cap);
  from.set(list.from);
  to.set(list.to);
  mask.set(list.mask);
  list.from = from;
  list.to = to;
  list.mask = mask;
}

/** The edges as `[from, to, mask]` triples, for tests and small reports (allocates; not for big lists). */
export function edgeTriples(list: EdgeList): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < list.length; i++) out.push([list.from[i]!, list.to[i]!, list.mask[i]!]);
  return out;
}
