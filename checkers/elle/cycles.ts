/**
 * Cycle search: per strongly connected component of the dependency graph, a short cycle of each class
 * of elle/txn.clj (`cycle-anomaly-specs`, classified as its `cycle-explainer` does):
 *
 * - G0: ww edges only; G1c: ww and wr, at least one wr;
 * - G-single: exactly one rw; G-nonadjacent: ≥ 2 rw, no two adjacent (the cycle wraps around);
 *   G2-item: ≥ 2 rw, two of them adjacent (the rest ww/wr/rw);
 * - `-process` / `-realtime`: the same with process or real-time edges allowed, at least one used.
 *
 * How (our own algorithm, not Elle's path BFS): each class is decided per SCC, in Elle's order of
 * severity, skipping classes a found one implies (models.ts). G0 and G1c come from the SCCs of the
 * ww / ww+wr subgraph (linear). Cycles without two adjacent rw edges are exactly the cycles of a
 * product graph whose state remembers whether the last edge was rw (linear); from it come G-nonadjacent
 * (a closed walk split into simple cycles) and the rw edges a G-single could use, each then tried with a
 * BFS of ww/wr paths inside that product component. G2-item tries each pair of adjacent rw edges
 * u → v → w with a BFS from w back to u that avoids v. Every reported cycle is simple and its class is
 * computed from the kinds its edges are used as.
 *
 * Budget: the linear steps always run (they prove that some classes exist); the searches that can be
 * superlinear (G-single, G2-item) stop at the budget. Then a class whose existence the linear steps
 * proved is reported without its cycle (`proven`), and any other class the search did not finish is
 * listed in `unsearched`. Pure (no I/O).
 */
import type { ElleBudget } from './budget.ts';
import { inducedSubgraph, type TxnGraph } from './graph.ts';
import { impliedAnomalies } from './models.ts';
import { nonTrivialComponents, type Sccs, sccsOf, tarjan } from './scc.ts';
import { type EdgeKind, PROCESS, REALTIME, RW, WR, WW } from './types.ts';

/** The cycle classes without a process / real-time variant suffix, in Elle's order of severity. */
export const BASE_CYCLE_TYPES = ['G0', 'G1c', 'G-single', 'G-nonadjacent', 'G2-item'] as const;

/** Every cycle class this module can report (bases and their `-process` / `-realtime` variants). */
export const CYCLE_TYPES: readonly string[] = ['', '-process', '-realtime'].flatMap((s) =>
  BASE_CYCLE_TYPES.map((b) => b + s),
);

/** A cycle found: txn ids in cycle order and, for each, the kind of its edge to the next (wrapping). */
export interface FoundCycle {
  type: string;
  txns: number[];
  kinds: EdgeKind[];
}

/** A class proved to exist in an SCC by its edge kinds while the search for an example did not finish. */
export interface ProvenCycle {
  type: string;
  /** The txn ids of the (sub)component the proof rests on. */
  scc: number[];
}

/** What the search found over the whole graph. */
export interface CycleSearch {
  /** At most one cycle per class per SCC. */
  cycles: FoundCycle[];
  proven: ProvenCycle[];
  /** Classes whose search did not finish in some SCC and that nothing proved there. */
  unsearched: Set<string>;
  /** Number of SCCs of ≥ 2 txns (the ones holding a cycle). */
  sccCount: number;
  /** Why the search stopped early (budget), if it did. */
  stopReason?: string;
}

const D = WW | WR;
const P = PROCESS | REALTIME;

/** The kind an edge with `mask` is taken as when no role is forced: the weakest that keeps the cycle a data cycle. */
export function roleOf(mask: number): EdgeKind {
  if (mask & WW) return 'ww';
  if (mask & WR) return 'wr';
  if (mask & PROCESS) return 'process';
  if (mask & REALTIME) return 'realtime';
  return 'rw';
}

/**
 * The class of a cycle from the kinds its edges are used as (elle/txn.clj `cycle-explainer`): by rw
 * count and adjacency, wr, ww; suffixed `-realtime` when it uses a real-time edge, else `-process` when
 * it uses a process edge. Throws on a cycle of process / real-time edges alone (no data dependency).
 */
export function classifyCycle(kinds: readonly EdgeKind[]): string {
  let rw = 0;
  let wr = 0;
  let ww = 0;
  let rt = 0;
  let proc = 0;
  let adjacent = false;
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i]!;
    if (k === 'rw') {
      rw++;
      if (kinds[(i + 1) % kinds.length] === 'rw') adjacent = true;
    } else if (k === 'wr') wr++;
    else if (k === 'ww') ww++;
    else if (k === 'realtime') rt++;
    else proc++;
  }
  const base =
    rw === 1
      ? 'G-single'
      : rw > 1
        ? adjacent
          ? 'G2-item'
          : 'G-nonadjacent'
        : wr > 0
          ? 'G1c'
          : ww > 0
            ? 'G0'
            : undefined;
  if (!base) throw new Error(`a cycle of ${kinds.join(', ')} edges has no data dependency`);
  return base + (rt ? '-realtime' : proc ? '-process' : '');
}

/** A cycle in local ids of an SCC's subgraph. */
interface LocalCycle {
  verts: number[];
  kinds: EdgeKind[];
}

const TIMEOUT = -2;

/** Breadth-first shortest paths in one SCC's subgraph, with scratch arrays reused across searches. */
class Bfs {
  private readonly seen: Int32Array;
  private readonly parentE: Int32Array;
  private readonly parentV: Int32Array;
  private readonly queue: Int32Array;
  private stamp = 0;
  private steps = 0;

  private readonly g: TxnGraph;
  private readonly budget: ElleBudget | undefined;

  constructor(g: TxnGraph, budget: ElleBudget | undefined) {
    this.g = g;
    this.budget = budget;
    this.seen = new Int32Array(g.n);
    this.parentE = new Int32Array(g.n);
    this.parentV = new Int32Array(g.n);
    this.queue = new Int32Array(g.n);
  }

  /**
   * Edge ids of a shortest path src → dst using edges that meet `mask`, through vertices x with
   * `inside(x)` (src and dst always allowed) other than `avoid`; null when there is none; TIMEOUT when
   * the budget (if this search is budgeted) ran out.
   */
  path(
    src: number,
    dst: number,
    mask: number,
    inside: ((x: number) => boolean) | undefined,
    avoid = -1,
  ): number[] | null | typeof TIMEOUT {
    const { offsets, targets, masks } = this.g;
    const stamp = ++this.stamp;
    const seen = this.seen;
    seen[src] = stamp;
    let head = 0;
    let tail = 0;
    this.queue[tail++] = src;
    while (head < tail) {
      const v = this.queue[head++]!;
      if (this.budget && (++this.steps & 4095) === 0 && this.budget.exceeded()) return TIMEOUT;
      for (let e = offsets[v]!; e < offsets[v + 1]!; e++) {
        if (!(masks[e]! & mask)) continue;
        const w = targets[e]!;
        if (seen[w] === stamp || w === avoid) continue;
        if (w !== dst && inside && !inside(w)) continue;
        seen[w] = stamp;
        this.parentE[w] = e;
        this.parentV[w] = v;
        if (w === dst) {
          const path: number[] = [];
          for (let x = dst; x !== src; x = this.parentV[x]!) path.push(this.parentE[x]!);
          return path.reverse();
        }
        this.queue[tail++] = w;
      }
    }
    return null;
  }
}

/** The vertex sequence and kinds of edge `first` (taken as `firstKind`) followed by `path` back to its tail. */
function closeCycle(
  g: TxnGraph,
  from: number,
  first: number,
  firstKind: EdgeKind,
  path: readonly number[],
  mask: number,
): LocalCycle {
  const verts = [from];
  const kinds: EdgeKind[] = [firstKind];
  let v = g.targets[first]!;
  for (const e of path) {
    verts.push(v);
    kinds.push(roleOf(g.masks[e]! & mask));
    v = g.targets[e]!;
  }
  return { verts, kinds };
}

/**
 * Splits a closed walk (edge i from verts[i] to verts[i+1], wrapping) into simple cycles, innermost
 * first: whenever a vertex repeats, the part since its first visit is cut out as one cycle.
 */
export function simpleCycles(verts: readonly number[], kinds: readonly EdgeKind[]): LocalCycle[] {
  const out: LocalCycle[] = [];
  const stack: number[] = [];
  const roles: EdgeKind[] = [];
  const pos = new Map<number, number>();
  const m = verts.length;
  for (let i = 0; i <= m; i++) {
    const x = i < m ? verts[i]! : verts[0]!;
    if (i > 0) roles.push(kinds[i - 1]!);
    const p = pos.get(x);
    if (p === undefined) {
      pos.set(x, stack.length);
      stack.push(x);
      continue;
    }
    out.push({ verts: stack.slice(p), kinds: roles.slice(p) });
    for (let j = p + 1; j < stack.length; j++) pos.delete(stack[j]!);
    stack.length = p + 1;
    roles.length = p;
  }
  return out;
}

/** The search within one SCC (local ids 0…k−1 of subgraph `g`; `ids` maps them to txn ids). */
class SccSearch {
  readonly found = new Map<string, LocalCycle>();
  readonly redundant = new Set<string>();
  readonly proven = new Map<string, number[]>();
  readonly unsearched = new Set<string>();
  private readonly bfs: Bfs;
  private readonly budgetedBfs: Bfs;

  private readonly g: TxnGraph;
  private readonly budget: ElleBudget;

  constructor(g: TxnGraph, budget: ElleBudget) {
    this.g = g;
    this.budget = budget;
    this.bfs = new Bfs(g, undefined);
    this.budgetedBfs = new Bfs(g, budget);
  }

  /** Records a cycle under its class unless one of that class is known or implied; returns the class. */
  private record(c: LocalCycle): string | undefined {
    // Process and real-time edges alone never form a cycle in a real history; no anomaly either way.
    if (c.kinds.every((k) => k === 'process' || k === 'realtime')) return undefined;
    const type = classifyCycle(c.kinds);
    if (!this.found.has(type) && !this.redundant.has(type)) {
      this.found.set(type, c);
      for (const t of impliedAnomalies([type])) if (t !== type) this.redundant.add(t);
    }
    return type;
  }

  private done(type: string): boolean {
    return this.found.has(type) || this.redundant.has(type);
  }

  private prove(type: string, members: number[]): void {
    if (!this.done(type) && !this.proven.has(type)) this.proven.set(type, members);
  }

  run(): void {
    this.pass(0, '');
    const extra = this.g.kinds & P;
    if (extra) this.pass(extra, extra & REALTIME ? '-realtime' : '-process');
    for (const t of this.unsearched) if (this.done(t) || this.proven.has(t)) this.unsearched.delete(t);
    for (const t of [...this.proven.keys()]) if (this.done(t)) this.proven.delete(t);
  }

  /** One pass: the data classes (`extra` 0) or their variants with the process / real-time edges `extra`. */
  private pass(extra: number, suffix: string): void {
    const g = this.g;
    const dm = D | extra;
    // Cycles of ww/wr (+extra) edges alone found so far in this SCC: they make the product-graph
    // argument below inconclusive.
    const dataCycleTypes = ['G0', 'G1c', ...(suffix ? [`G0${suffix}`, `G1c${suffix}`] : [])];
    // G0: a non-trivial SCC of ww (+extra) edges.
    if (!this.done(`G0${suffix}`)) this.cycleInSubScc(WW | extra, WW);
    // G1c: a non-trivial SCC of ww+wr (+extra) edges holding a wr edge.
    if (!this.done(`G1c${suffix}`)) this.cycleInSubScc(dm, WR);
    const dCycles = dataCycleTypes.some((t) => this.found.has(t));

    // The product graph: vertex 2v is "at v, last edge not rw", 2v+1 "at v, last edge rw".
    const { offsets, targets, masks } = g;
    const prod = tarjan(
      2 * g.n,
      (x) => 2 * offsets[x >> 1]!,
      (x) => 2 * offsets[(x >> 1) + 1]!,
      (x, slot) => {
        const e = slot >> 1;
        const m = masks[e]!;
        if ((slot & 1) === 0) return m & dm ? 2 * targets[e]! : -1;
        return (x & 1) === 0 && m & RW ? 2 * targets[e]! + 1 : -1;
      },
    );
    // rw edges inside a product component: the only rw edges a cycle without adjacent rw edges uses.
    const candidates: number[] = [];
    const candidateFrom: number[] = [];
    for (let v = 0; v < g.n; v++)
      for (let e = offsets[v]!; e < offsets[v + 1]!; e++)
        if (masks[e]! & RW && prod.comp[2 * v] === prod.comp[2 * targets[e]! + 1]) {
          candidates.push(e);
          candidateFrom.push(v);
        }
    const nonadj = `G-nonadjacent${suffix}`;
    const single = `G-single${suffix}`;
    if (candidates.length) {
      for (let i = 0; i < candidates.length && i < 8 && !this.done(nonadj); i++)
        this.nonadjacentFrom(prod, candidateFrom[i]!, candidates[i]!, dm);
      // Without ww/wr cycles, a closed walk with no adjacent rw edges holds a simple cycle with ≥ 1
      // rw edge and none adjacent: a G-single or a G-nonadjacent (G-single implies G-nonadjacent).
      if (!dCycles) this.prove(nonadj, this.productMembers(prod, prod.comp[2 * candidateFrom[0]!]!));
    }
    // Cycles of any data (+extra) edges, for the G2-item proof and search.
    const all = sccsOf(g, dm | RW);
    if (!candidates.length && !dCycles) {
      // A component with an rw edge inside holds a simple cycle through it; with no ww/wr cycles and
      // no cycle free of adjacent rw edges, that cycle has two adjacent rw edges: a G2-item.
      for (let v = 0; v < g.n && !this.proven.has(`G2-item${suffix}`); v++)
        for (let e = offsets[v]!; e < offsets[v + 1]!; e++)
          if (masks[e]! & RW && all.comp[targets[e]!] === all.comp[v]) {
            const c = all.comp[v]!;
            const members: number[] = [];
            for (let x = 0; x < g.n; x++) if (all.comp[x] === c) members.push(x);
            this.prove(`G2-item${suffix}`, members);
            break;
          }
    }
    if (!this.done(single) && candidates.length)
      this.searchSingle(prod, candidates, candidateFrom, dm, single);
    if (!this.done(`G2-item${suffix}`)) this.searchG2Item(all, dm | RW, `G2-item${suffix}`);
  }

  /** Local vertices whose state-0 or state-1 node is in product component c. */
  private productMembers(prod: Sccs, c: number): number[] {
    const out: number[] = [];
    for (let v = 0; v < this.g.n; v++) if (prod.comp[2 * v] === c || prod.comp[2 * v + 1] === c) out.push(v);
    return out;
  }

  /**
   * A cycle in the smallest non-trivial SCC of the edges meeting `mask` that holds an edge meeting
   * `required` (taken as that kind): the edge, then a shortest path back inside the component.
   */
  private cycleInSubScc(mask: number, required: number): void {
    const g = this.g;
    const sub = sccsOf(g, mask);
    let best = -1;
    let bestSize = Number.POSITIVE_INFINITY;
    let bestFrom = -1;
    for (let v = 0; v < g.n; v++) {
      const c = sub.comp[v]!;
      if (sub.sizes[c]! < 2 || sub.sizes[c]! >= bestSize) continue;
      for (let e = g.offsets[v]!; e < g.offsets[v + 1]!; e++)
        if (g.masks[e]! & mask & required && sub.comp[g.targets[e]!] === c) {
          best = e;
          bestFrom = v;
          bestSize = sub.sizes[c]!;
          break;
        }
    }
    if (best < 0) return;
    const c = sub.comp[bestFrom]!;
    const path = this.bfs.path(g.targets[best]!, bestFrom, mask, (x) => sub.comp[x] === c);
    if (!Array.isArray(path)) throw new Error('no path back inside a strongly connected component');
    this.record(closeCycle(g, bestFrom, best, roleOf(g.masks[best]! & mask & required), path, mask));
  }

  /** From rw edge `e` (v → w) inside a product component: a closed walk back, split into simple cycles. */
  private nonadjacentFrom(prod: Sccs, v: number, e: number, dm: number): void {
    const g = this.g;
    const w = g.targets[e]!;
    const c = prod.comp[2 * v]!;
    // BFS in the product graph from (w, rw) to (v, not rw) inside component c.
    const size = 2 * g.n;
    const parent = new Int32Array(size).fill(-1);
    const parentSlot = new Int32Array(size);
    const queue = new Int32Array(size);
    const src = 2 * w + 1;
    const dst = 2 * v;
    parent[src] = src;
    let head = 0;
    let tail = 0;
    queue[tail++] = src;
    let reached = false;
    while (head < tail && !reached) {
      const x = queue[head++]!;
      const xv = x >> 1;
      for (let f = g.offsets[xv]!; f < g.offsets[xv + 1]! && !reached; f++) {
        const m = g.masks[f]!;
        const t = g.targets[f]!;
        for (let which = 0; which < 2; which++) {
          const y = which === 0 ? (m & dm ? 2 * t : -1) : (x & 1) === 0 && m & RW ? 2 * t + 1 : -1;
          if (y < 0 || parent[y] !== -1 || prod.comp[y] !== c) continue;
          parent[y] = x;
          parentSlot[y] = 2 * f + which;
          if (y === dst) {
            reached = true;
            break;
          }
          queue[tail++] = y;
        }
      }
    }
    if (!reached) return;
    const steps: number[] = [];
    for (let y = dst; y !== src; y = parent[y]!) steps.push(parentSlot[y]!);
    steps.reverse();
    const verts = [v, w];
    const kinds: EdgeKind[] = ['rw'];
    for (const s of steps) {
      const f = s >> 1;
      kinds.push(s & 1 ? 'rw' : roleOf(g.masks[f]! & dm));
      verts.push(g.targets[f]!);
    }
    verts.pop(); // back at v
    for (const cyc of simpleCycles(verts, kinds)) this.record(cyc);
  }

  /** G-single: an rw edge v → w inside a product component and a ww/wr (+extra) path w → v inside it. */
  private searchSingle(prod: Sccs, candidates: number[], from: number[], dm: number, type: string): void {
    const g = this.g;
    if (this.budget.exceeded()) {
      this.unsearched.add(type);
      return;
    }
    for (let i = 0; i < candidates.length; i++) {
      const e = candidates[i]!;
      const v = from[i]!;
      const c = prod.comp[2 * v]!;
      const path = this.budgetedBfs.path(g.targets[e]!, v, dm, (x) => prod.comp[2 * x] === c);
      if (path === TIMEOUT) {
        this.unsearched.add(type);
        return;
      }
      if (path) {
        this.record(closeCycle(g, v, e, 'rw', path, dm));
        if (this.done(type)) return;
      }
    }
  }

  /** G2-item: adjacent rw edges u → v → w in one component of `all`, and a path w → u avoiding v. */
  private searchG2Item(all: Sccs, mask: number, type: string): void {
    const g = this.g;
    const { offsets, targets, masks } = g;
    // rw edges into each vertex (inside one component of `all`), as CSR.
    const inCount = new Int32Array(g.n + 1);
    for (let u = 0; u < g.n; u++)
      for (let e = offsets[u]!; e < offsets[u + 1]!; e++)
        if (masks[e]! & RW && all.comp[u] === all.comp[targets[e]!]) inCount[targets[e]! + 1]!++;
    for (let v = 0; v < g.n; v++) inCount[v + 1]! += inCount[v]!;
    const inEdge = new Int32Array(inCount[g.n]!);
    const inFrom = new Int32Array(inCount[g.n]!);
    const fill = inCount.slice(0, g.n);
    for (let u = 0; u < g.n; u++)
      for (let e = offsets[u]!; e < offsets[u + 1]!; e++)
        if (masks[e]! & RW && all.comp[u] === all.comp[targets[e]!]) {
          const p = fill[targets[e]!]!++;
          inEdge[p] = e;
          inFrom[p] = u;
        }
    for (let v = 0; v < g.n; v++) {
      if (inCount[v] === inCount[v + 1]) continue;
      const c = all.comp[v]!;
      for (let out = offsets[v]!; out < offsets[v + 1]!; out++) {
        if (!(masks[out]! & RW) || all.comp[targets[out]!] !== c) continue;
        const w = targets[out]!;
        for (let p = inCount[v]!; p < inCount[v + 1]!; p++) {
          const u = inFrom[p]!;
          // A pair of adjacent rw edges exists: the search is needed, if the budget allows.
          if (this.budget.exceeded()) {
            this.unsearched.add(type);
            return;
          }
          let path: number[] | null | typeof TIMEOUT;
          if (u === w) path = [];
          else path = this.budgetedBfs.path(w, u, mask, (x) => all.comp[x] === c, v);
          if (path === TIMEOUT) {
            this.unsearched.add(type);
            return;
          }
          if (!path) continue;
          const verts = [u, v];
          const kinds: EdgeKind[] = ['rw', 'rw'];
          let x = w;
          for (const f of path) {
            verts.push(x);
            kinds.push(roleOf(masks[f]! & mask));
            x = targets[f]!;
          }
          this.record({ verts, kinds });
          if (this.done(type)) return;
        }
      }
    }
  }
}

/**
 * Searches every non-trivial SCC of `g` for a short cycle of each class (see the module comment).
 * `budget` bounds the superlinear searches; cancellation stops everything (then `stopReason` is
 * 'cancelled' and the result is partial).
 */
export function findCycles(g: TxnGraph, budget: ElleBudget): CycleSearch {
  const out: CycleSearch = { cycles: [], proven: [], unsearched: new Set(), sccCount: 0 };
  const top = nonTrivialComponents(sccsOf(g, 0xff));
  out.sccCount = top.length;
  const scratch = new Int32Array(g.n).fill(-1);
  for (const members of top) {
    if (budget.cancelled()) {
      out.stopReason = 'cancelled';
      for (const t of CYCLE_TYPES) out.unsearched.add(t);
      return out;
    }
    const local = inducedSubgraph(g, members, 0xff, scratch);
    const s = new SccSearch(local, budget);
    s.run();
    for (const [type, c] of s.found) {
      // Start at the earliest-invoked txn (the smallest id): explanations then read in time order.
      const txns = c.verts.map((v) => members[v]!);
      const k = txns.indexOf(Math.min(...txns));
      out.cycles.push({
        type,
        txns: [...txns.slice(k), ...txns.slice(0, k)],
        kinds: [...c.kinds.slice(k), ...c.kinds.slice(0, k)],
      });
    }
    for (const [type, vs] of s.proven)
      out.proven.push({ type, scc: vs.map((v) => members[v]!).sort((a, b) => a - b) });
    for (const t of s.unsearched) out.unsearched.add(t);
  }
  const reason = budget.exceeded();
  if (reason && (out.unsearched.size || out.proven.length)) out.stopReason = reason;
  return out;
}
