/**
 * Strongly connected components by Tarjan's algorithm, iterative (an explicit call stack: a million
 * txns in one chain must not overflow the JS stack). Components come out in reverse topological order
 * of the condensation: every edge u → v between different components has comp[u] > comp[v]. Pure.
 */
import type { TxnGraph } from './graph.ts';
import { REALTIME } from './types.ts';

/** The components of a graph: `comp[v]` is v's component, `sizes[c]` the size of component c. */
export interface Sccs {
  count: number;
  comp: Int32Array;
  sizes: Int32Array;
}

/**
 * Tarjan's SCC over an implicit graph of `size` vertices: vertex v's edges are the slots
 * `first(v)…end(v)−1`, and `target(v, slot)` is the slot's head, or −1 to skip the slot (an edge of a
 * kind not wanted). Runs in O(vertices + slots) time with typed arrays only.
 */
export function tarjan(
  size: number,
  first: (v: number) => number,
  end: (v: number) => number,
  target: (v: number, slot: number) => number,
): Sccs {
  const index = new Int32Array(size).fill(-1);
  const low = new Int32Array(size);
  const comp = new Int32Array(size).fill(-1);
  const stack = new Int32Array(size);
  const callV = new Int32Array(size);
  const callK = new Int32Array(size);
  const sizesGrow: number[] = [];
  let sp = 0;
  let counter = 0;
  let count = 0;
  for (let r = 0; r < size; r++) {
    if (index[r] !== -1) continue;
    let top = 0;
    callV[0] = r;
    callK[0] = first(r);
    index[r] = low[r] = counter++;
    stack[sp++] = r;
    while (top >= 0) {
      const v = callV[top]!;
      const k = callK[top]!;
      if (k < end(v)) {
        callK[top] = k + 1;
        const w = target(v, k);
        if (w < 0) continue;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          top++;
          callV[top] = w;
          callK[top] = first(w);
        } else if (comp[w] === -1 && index[w]! < low[v]!) {
          // w is still on the stack (not yet in a finished component).
          low[v] = index[w]!;
        }
        continue;
      }
      top--;
      if (low[v] === index[v]) {
        let n = 0;
        let w: number;
        do {
          w = stack[--sp]!;
          comp[w] = count;
          n++;
        } while (w !== v);
        sizesGrow.push(n);
        count++;
      }
      if (top >= 0) {
        const p = callV[top]!;
        if (low[v]! < low[p]!) low[p] = low[v]!;
      }
    }
  }
  return { count, comp, sizes: Int32Array.from(sizesGrow) };
}

/**
 * The SCCs of `g` restricted to edges whose mask meets `mask`: `tarjan` specialised to the CSR arrays
 * (no callbacks per edge; this one runs on the whole history's graph).
 */
export function sccsOf(g: TxnGraph, mask: number): Sccs {
  const { offsets, targets, masks } = g;
  const size = g.n;
  // Real-time ranges: slots past a row's CSR edges run over rtLo[v]…rtHi[v]−1.
  const rt = mask & REALTIME ? g.rt : undefined;
  const rtLo = rt?.lo;
  const rtHi = rt?.hi;
  // Scratch as plain Smi arrays: typed arrays' buffers are external memory, and every 64 MB of that
  // starts a full GC, which at a million txns marks the whole history (~1 s).
  const index = new Array<number>(size).fill(-1);
  const low = new Array<number>(size).fill(0);
  const comp = new Int32Array(size).fill(-1);
  const stack = new Array<number>(size).fill(0);
  const callV = new Array<number>(size).fill(0);
  const callK = new Array<number>(size).fill(0);
  const sizes = new Int32Array(size);
  let sp = 0;
  let counter = 0;
  let count = 0;
  for (let r = 0; r < size; r++) {
    if (index[r] !== -1) continue;
    let top = 0;
    callV[0] = r;
    callK[0] = offsets[r]!;
    index[r] = low[r] = counter++;
    stack[sp++] = r;
    while (top >= 0) {
      const v = callV[top]!;
      let k = callK[top]!;
      const end = offsets[v + 1]!;
      const rtEnd = rtLo ? end + Math.max(0, rtHi![v]! - rtLo[v]!) : end;
      let descended = false;
      while (k < rtEnd) {
        const e = k++;
        let w: number;
        if (e < end) {
          if (!(masks[e]! & mask)) continue;
          w = targets[e]!;
        } else w = rtLo![v]! + (e - end);
        if (index[w] === -1) {
          callK[top] = k;
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          top++;
          callV[top] = w;
          callK[top] = offsets[w]!;
          descended = true;
          break;
        }
        if (comp[w] === -1 && index[w]! < low[v]!) low[v] = index[w]!;
      }
      if (descended) continue;
      top--;
      if (low[v] === index[v]) {
        let n = 0;
        let w: number;
        do {
          w = stack[--sp]!;
          comp[w] = count;
          n++;
        } while (w !== v);
        sizes[count++] = n;
      }
      if (top >= 0) {
        const p = callV[top]!;
        if (low[v]! < low[p]!) low[p] = low[v]!;
      }
    }
  }
  return { count, comp, sizes: sizes.slice(0, count) };
}

/** The members of each component of size ≥ 2 (the ones that hold a cycle; self-edges do not exist). */
export function nonTrivialComponents(s: Sccs): Int32Array[] {
  const members: Int32Array[] = [];
  const slotOf = new Int32Array(s.count).fill(-1);
  const fill: number[] = [];
  for (let c = 0; c < s.count; c++) {
    if (s.sizes[c]! >= 2) {
      slotOf[c] = members.length;
      members.push(new Int32Array(s.sizes[c]!));
      fill.push(0);
    }
  }
  for (let v = 0; v < s.comp.length; v++) {
    const slot = slotOf[s.comp[v]!]!;
    if (slot >= 0) members[slot]![fill[slot]!++] = v;
  }
  return members;
}
