/**
 * Read-write register inference (after elle/rw_register.clj): txns write unique values to keys and read
 * them back. Unlike list-append, a read shows one version, not its history, so the version order per key
 * is inferred from optional sources, each an assumption about the system (Elle's option names):
 * - the initial state: every key starts nil, before every value (always on);
 * - `wfrKeys` (writes follow reads): an ok txn that read v and then wrote v′ puts v before v′;
 * - `sequentialKeys`: per key, the order of each process's txns (a per-key sequential system);
 * - `linearizableKeys`: per key, real-time order (a txn that completed before another was invoked).
 * A source whose edges would make some key's version order cyclic is left out and reported as
 * `cyclic-versions`, as Elle does. From the version order: ww edges (writer of v → writer of the next
 * v′), rw edges (readers of v → writer of v′), and wr edges (writer of v → its readers). Txns are
 * judged by their external reads and writes (jepsen.txn `ext-reads` / `ext-writes`: a key's first
 * micro-op if it is a read, its last write). Pure, no I/O.
 */
import type { AnomalyCase } from '../../src/core/checker.ts';
import { showValue } from '../../src/history/values.ts';
import { addEdge, newEdgeList } from './edges.ts';
import { Interner, PairTable, ValueIds } from './intern.ts';
import type { EdgeExplainer, EdgeReason, ElleOptions, Inference, Txn } from './types.ts';
import { RW, WR, WW } from './types.ts';

/** Version-order sources, in the order Elle tries them. */
const SOURCES = ['initial-state', 'wfr-keys', 'sequential-keys', 'linearizable-keys'] as const;
type Source = (typeof SOURCES)[number];

const opOf = (t: Txn): number => t.completeIndex ?? t.invokeIndex;

/**
 * Infers the rw-register dependency graph and non-cycle anomalies of `txns` (from txnsOf), with the
 * version-order sources `opts` enables (see the module doc). Anomalies: G1a (an ok read of a value a
 * failed txn wrote), G1b (an ok read of another txn's non-final write), garbage-read (a non-nil value
 * nobody wrote), internal (a read disagreeing with the txn's own earlier write or read of the key),
 * future-read (a read of the value the txn itself writes later: no order explains it; Elle's
 * rw_register.clj has no rule for it, its list-append has),
 * lost-update (two ok txns read the same version of a key and both wrote it), dirty-update (a failed
 * txn's version directly followed by a committed one), cyclic-versions (per key and source set).
 * Failed txns never commit (no edges from them); info txns may have (their writes count).
 */
export function inferRwRegister(txns: Txn[], opts: ElleOptions = { workload: 'rw-register' }): Inference {
  const keys = new Interner();
  const vals = new ValueIds();
  const byPair = new PairTable(4096);
  // Per element (a key's version): key, value, any writer, final (ext) writer of a txn that may have committed.
  const elKey: number[] = [];
  const elValue: unknown[] = [];
  const writer: number[] = [];
  const writerMop: number[] = [];
  const finalWriter: number[] = [];
  const intermediate: number[] = [];
  const readHead: number[] = []; // ext readers (ok txns), a linked list through readerTxn/readerNext
  const elementOf = (k: number, v: unknown): number => {
    const vi = vals.id(v);
    const got = byPair.get(k, vi);
    if (got >= 0) return got;
    const e = elKey.length;
    byPair.set(k, vi, e);
    elKey.push(k);
    elValue.push(v === undefined ? null : v);
    writer.push(-1);
    writerMop.push(-1);
    finalWriter.push(-1);
    intermediate.push(0);
    readHead.push(-1);
    return e;
  };
  const nilOf: number[] = []; // per key: its nil element
  const keyOf = (key: unknown): number => {
    const k = keys.id(key);
    if (k === nilOf.length) nilOf.push(elementOf(k, null));
    return k;
  };

  const anomalies: Record<string, AnomalyCase[]> = {};
  const add = (type: string, c: AnomalyCase) => {
    const list = anomalies[type];
    if (list) list.push(c);
    else anomalies[type] = [c];
  };

  // Pass 1: per txn, its external view per key: ext read (ok txns only; reads of others are unknown)
  // and ext write (last write). Flat arrays indexed from extStart[t].
  const extStart = new Int32Array(txns.length + 1);
  const extKey: number[] = [];
  const extRead: number[] = [];
  const extWrite: number[] = [];
  const slotTxn: number[] = [];
  const readerTxn: number[] = [];
  const readerNext: number[] = [];
  const mopEls: number[][] = new Array(txns.length); // per txn, per mop: element (reads of non-ok: −1)
  for (let ti = 0; ti < txns.length; ti++) {
    const t = txns[ti]!;
    const s = extKey.length;
    extStart[ti] = s;
    const ok = t.type === 'ok';
    const els: number[] = new Array(t.mops.length);
    for (let i = 0; i < t.mops.length; i++) {
      const m = t.mops[i]!;
      const k = keyOf(m.key);
      let x = s;
      while (x < extKey.length && extKey[x] !== k) x++;
      const first = x === extKey.length;
      if (first) {
        extKey.push(k);
        extRead.push(-1);
        extWrite.push(-1);
        slotTxn.push(ti);
      }
      if (m.f === 'r') {
        const e = ok ? elementOf(k, m.value) : -1;
        els[i] = e;
        // The key's first micro-op in this txn is a read: an external read.
        if (ok && first) extRead[x] = e;
      } else {
        const e = elementOf(k, m.value);
        els[i] = e;
        if (writer[e] === -1) {
          writer[e] = ti;
          writerMop[e] = i;
        }
        const prev = extWrite[x]!;
        if (prev >= 0) intermediate[prev] = 1;
        extWrite[x] = e;
      }
    }
    mopEls[ti] = els;
    for (let x = s; x < extKey.length; x++) {
      const w = extWrite[x]!;
      if (w >= 0 && t.type !== 'fail' && writer[w] === ti) finalWriter[w] = ti;
      const r = extRead[x]!;
      if (r >= 0) {
        readerTxn.push(ti);
        readerNext.push(readHead[r]!);
        readHead[r] = readerTxn.length - 1;
      }
    }
  }
  extStart[txns.length] = extKey.length;

  // Pass 2: per-read anomalies (every read of an ok txn) and internal consistency.
  const lost = new PairTable(1024); // (key, version read) → group index
  const lostGroups: { k: number; e: number; txns: number[] }[] = [];
  for (let ti = 0; ti < txns.length; ti++) {
    const t = txns[ti]!;
    if (t.type !== 'ok') continue;
    const els = mopEls[ti]!;
    let internalDone = false;
    let futureDone = false;
    for (let i = 0; i < t.mops.length; i++) {
      const m = t.mops[i]!;
      if (m.f !== 'r') continue;
      const e = els[i]!;
      const w = writer[e]!;
      if (w >= 0 && w !== ti) {
        const wt = txns[w]!;
        if (wt.type === 'fail')
          add('G1a', {
            ops: [opOf(t), opOf(wt)],
            explanation: `#${opOf(t)} read key ${showValue(m.key)} = ${showValue(m.value)}, written by #${opOf(wt)}, which failed (G1a: aborted read)`,
            data: { key: m.key, value: m.value, mop: i },
          });
        if (intermediate[e] === 1)
          add('G1b', {
            ops: [opOf(t), opOf(wt)],
            explanation: `#${opOf(t)} read key ${showValue(m.key)} = ${showValue(m.value)}, an intermediate write of #${opOf(wt)}, which wrote the key again later in the same txn (G1b: intermediate read)`,
            data: { key: m.key, value: m.value, mop: i },
          });
      } else if (w === ti && writerMop[e]! > i && !futureDone) {
        futureDone = true;
        add('future-read', {
          ops: [opOf(t)],
          explanation: `#${opOf(t)} read key ${showValue(m.key)} = ${showValue(m.value)} (micro-op ${i + 1}) before writing that value itself (micro-op ${writerMop[e]! + 1})`,
          data: { key: m.key, value: m.value, mop: i },
        });
      } else if (w < 0 && elValue[e] !== null)
        add('garbage-read', {
          ops: [opOf(t)],
          explanation: `#${opOf(t)} read key ${showValue(m.key)} = ${showValue(m.value)}, which no txn wrote to that key`,
          data: { key: m.key, value: m.value, mop: i },
        });
      if (internalDone) continue;
      // internal: the txn's own last micro-op on this key fixes what it must read.
      for (let j = i - 1; j >= 0; j--) {
        if (elKey[els[j]!] !== elKey[e]) continue;
        const expected = els[j]!;
        if (expected !== e) {
          internalDone = true;
          const em = t.mops[j]!;
          add('internal', {
            ops: [opOf(t)],
            explanation: `#${opOf(t)} read key ${showValue(m.key)} = ${showValue(m.value)} (micro-op ${i + 1}), but its own earlier ${em.f === 'w' ? 'write' : 'read'} (micro-op ${j + 1}) implies ${showValue(elValue[expected])}`,
            data: { key: m.key, value: m.value, expected: elValue[expected], mop: i },
          });
        }
        break;
      }
    }
    // lost-update: an ext read of k and a write of k.
    for (let x = extStart[ti]!; x < extStart[ti + 1]!; x++) {
      const r = extRead[x]!;
      if (r < 0 || extWrite[x]! < 0) continue;
      let g = lost.get(extKey[x]!, r);
      if (g < 0) {
        g = lostGroups.length;
        lost.set(extKey[x]!, r, g);
        lostGroups.push({ k: extKey[x]!, e: r, txns: [] });
      }
      lostGroups[g]!.txns.push(ti);
    }
  }
  for (const g of lostGroups) {
    if (g.txns.length < 2) continue;
    const ts = g.txns.map((i) => txns[i]!);
    add('lost-update', {
      ops: ts.map(opOf),
      explanation: `${ts.map((t) => `#${opOf(t)}`).join(', ')} all read key ${showValue(keys.values[g.k])} = ${showValue(elValue[g.e])} and wrote it, and all committed: all but one update is lost`,
      data: { key: keys.values[g.k], value: elValue[g.e] },
    });
  }

  // Pass 3: the version graph, source by source; a source that makes it cyclic is reported and dropped.
  const accepted = new PairTable(Math.max(1024, elKey.length * 2)); // (v1, v2) → source index
  const vFrom: number[] = [];
  const vTo: number[] = [];
  const usedSources: Source[] = [];
  const wanted: Record<Source, boolean> = {
    'initial-state': true,
    'wfr-keys': opts.wfrKeys === true,
    'sequential-keys': opts.sequentialKeys === true,
    'linearizable-keys': opts.linearizableKeys === true,
  };
  for (let si = 0; si < SOURCES.length; si++) {
    const source = SOURCES[si]!;
    if (!wanted[source]) continue;
    const from: number[] = [];
    const to: number[] = [];
    const own = new PairTable(1024);
    const link = (a: number, b: number) => {
      if (a === b || a < 0 || b < 0 || accepted.get(a, b) >= 0 || own.get(a, b) >= 0) return;
      own.set(a, b, 0);
      from.push(a);
      to.push(b);
    };
    if (source === 'initial-state') initialState(link);
    else if (source === 'wfr-keys') writesFollowReads(link);
    else if (source === 'sequential-keys') sequential(link);
    else linearizable(link);
    if (source !== 'initial-state') {
      const sccs = cyclicComponents(elKey.length, [vFrom, from], [vTo, to]);
      if (sccs.length > 0) {
        for (const scc of sccs) reportCyclicVersions(scc, [...usedSources, source]);
        continue;
      }
    }
    usedSources.push(source);
    for (let i = 0; i < from.length; i++) {
      accepted.set(from[i]!, to[i]!, si);
      vFrom.push(from[i]!);
      vTo.push(to[i]!);
    }
  }

  function initialState(link: (a: number, b: number) => void): void {
    for (let ti = 0; ti < txns.length; ti++) {
      if (txns[ti]!.type === 'fail') continue;
      for (let x = extStart[ti]!; x < extStart[ti + 1]!; x++) {
        const nil = nilOf[extKey[x]!]!;
        if (extWrite[x]! >= 0) link(nil, extWrite[x]!);
        if (extRead[x]! >= 0) link(nil, extRead[x]!);
      }
    }
  }

  function writesFollowReads(link: (a: number, b: number) => void): void {
    for (let ti = 0; ti < txns.length; ti++) {
      if (txns[ti]!.type !== 'ok') continue;
      for (let x = extStart[ti]!; x < extStart[ti + 1]!; x++) {
        const r = extRead[x]!;
        if (r >= 0 && elValue[r] !== null && extWrite[x]! >= 0) link(r, extWrite[x]!);
      }
    }
  }

  /** A txn's first version of the key at ext slot x (−1: it did not interact with it, as far as we know). */
  function firstAt(ti: number, x: number): number {
    const type = txns[ti]!.type;
    if (type === 'ok') return extRead[x]! >= 0 ? extRead[x]! : extWrite[x]!;
    return type === 'info' ? extWrite[x]! : -1;
  }

  /** A txn's final version of the key at ext slot x (−1: none known). */
  function finalAt(ti: number, x: number): number {
    const type = txns[ti]!.type;
    if (type === 'ok') return extWrite[x]! >= 0 ? extWrite[x]! : extRead[x]!;
    return type === 'info' ? extWrite[x]! : -1;
  }

  function sequential(link: (a: number, b: number) => void): void {
    const procs = new Interner();
    const lastFinal = new PairTable(1024); // (process, key) → final version of its latest txn on the key
    for (let ti = 0; ti < txns.length; ti++) {
      const p = procs.id(txns[ti]!.process);
      for (let x = extStart[ti]!; x < extStart[ti + 1]!; x++) {
        const f = firstAt(ti, x);
        if (f < 0) continue;
        const k = extKey[x]!;
        const prev = lastFinal.get(p, k);
        if (prev >= 0) link(prev, f);
        lastFinal.set(p, k, finalAt(ti, x));
      }
    }
  }

  function linearizable(link: (a: number, b: number) => void): void {
    // Per key, the txns interacting with it in invoke order (txn ids are in invoke order).
    const count = new Int32Array(keys.size + 1);
    for (let x = 0; x < extKey.length; x++) count[extKey[x]! + 1]!++;
    for (let k = 0; k < keys.size; k++) count[k + 1]! += count[k]!;
    const slots = new Int32Array(extKey.length);
    const fill = count.slice();
    for (let ti = 0; ti < txns.length; ti++)
      for (let x = extStart[ti]!; x < extStart[ti + 1]!; x++)
        if (firstAt(ti, x) >= 0) slots[fill[extKey[x]!]!++] = x;
    for (let k = 0; k < keys.size; k++) {
      const lo = count[k]!;
      const n = fill[k]! - lo;
      if (n < 2) continue;
      const inv = new Float64Array(n);
      const done = new Float64Array(n);
      const tid = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const ti = slotTxn[slots[lo + i]!]!;
        const t = txns[ti]!;
        tid[i] = ti;
        inv[i] = t.invokeIndex;
        // Only an ok completion bounds a txn in real time; an info txn may take effect any time later.
        done[i] = t.type === 'ok' && t.completeIndex !== undefined ? t.completeIndex : Infinity;
      }
      const suffixMin = new Float64Array(n + 1).fill(Infinity);
      for (let i = n - 1; i >= 0; i--) suffixMin[i] = Math.min(done[i]!, suffixMin[i + 1]!);
      for (let a = 0; a < n; a++) {
        if (done[a] === Infinity) continue;
        // The first txn invoked after a completed, and every txn invoked before any of those completes.
        let j = lowerBoundAfter(inv, done[a]!);
        const bound = suffixMin[j]!;
        const va = finalAt(tid[a]!, slots[lo + a]!);
        for (; j < n && inv[j]! < bound; j++) link(va, firstAt(tid[j]!, slots[lo + j]!));
      }
    }
  }

  function reportCyclicVersions(scc: number[], sources: Source[]): void {
    const k = elKey[scc[0]!]!;
    const writers = scc.map((e) => writer[e]!).filter((w) => w >= 0);
    add('cyclic-versions', {
      ops: writers.slice(0, 20).map((w) => opOf(txns[w]!)),
      explanation: `key ${showValue(keys.values[k])}: the version orders from ${sources.join(', ')} contradict each other over the values ${scc
        .slice(0, 12)
        .map((e) => showValue(elValue[e]))
        .join(', ')}${scc.length > 12 ? ', …' : ''}; the last source was left out`,
      data: { key: keys.values[k], values: scc.map((e) => elValue[e]), sources },
    });
  }

  // Pass 4: txn edges. wr: writer of each ext read's version; ww and rw along every version edge.
  const edges = newEdgeList(Math.max(1024, extKey.length * 2));
  for (let ti = 0; ti < txns.length; ti++) {
    if (txns[ti]!.type !== 'ok') continue;
    for (let x = extStart[ti]!; x < extStart[ti + 1]!; x++) {
      const r = extRead[x]!;
      if (r < 0) continue;
      const w = finalWriter[r]!;
      if (w >= 0 && w !== ti) addEdge(edges, w, ti, WR);
    }
  }
  for (let i = 0; i < vFrom.length; i++) {
    const v1 = vFrom[i]!;
    const w2 = finalWriter[vTo[i]!]!;
    if (w2 < 0) continue;
    const w1 = finalWriter[v1]!;
    if (w1 >= 0 && w1 !== w2) addEdge(edges, w1, w2, WW);
    for (let q = readHead[v1]!; q >= 0; q = readerNext[q]!) {
      const rt = readerTxn[q]!;
      if (rt !== w2) addEdge(edges, rt, w2, RW);
    }
    // dirty-update: a failed txn's version directly followed by a committed txn's.
    const f1 = writer[v1]!;
    if (f1 >= 0 && txns[f1]!.type === 'fail' && txns[w2]!.type === 'ok') {
      const a = txns[f1]!;
      const b = txns[w2]!;
      add('dirty-update', {
        ops: [opOf(a), opOf(b)],
        explanation: `key ${showValue(keys.values[elKey[v1]!])}: #${opOf(a)} failed, yet its write of ${showValue(elValue[v1])} was followed in the version order by #${opOf(b)}'s committed write of ${showValue(elValue[vTo[i]!])}`,
        data: { key: keys.values[elKey[v1]!], values: [elValue[v1], elValue[vTo[i]!]] },
      });
    }
  }

  const explain: EdgeExplainer = (from, to, kind, name) => {
    const fromSlots = slotsOf(from.id);
    const toSlots = slotsOf(to.id);
    for (const x of toSlots) {
      const k = extKey[x]!;
      const y = fromSlots.find((s) => extKey[s] === k);
      if (y === undefined) continue;
      const key = keys.values[k];
      const v2 = kind === 'wr' ? extRead[x]! : extWrite[x]!;
      const v1 = kind === 'rw' ? extRead[y]! : extWrite[y]!;
      if (v1 < 0 || v2 < 0) continue;
      if (kind === 'wr') {
        if (v1 !== v2 || finalWriter[v1] !== from.id) continue;
        return reason(
          kind,
          key,
          elValue[v1],
          undefined,
          `${name(to)} read ${name(from)}'s write of ${showValue(elValue[v1])} to key ${showValue(key)}`,
        );
      }
      const src = accepted.get(v1, v2);
      if (src < 0 || finalWriter[v2] !== to.id) continue;
      const a = showValue(elValue[v1]);
      const b = showValue(elValue[v2]);
      const text =
        kind === 'ww'
          ? `${name(from)}'s write of ${a} to key ${showValue(key)} came before ${name(to)}'s write of ${b} in the version order (${SOURCES[src]})`
          : `${name(from)} read key ${showValue(key)} = ${a} without ${name(to)}'s write of ${b}, which came later in the version order (${SOURCES[src]})`;
      return reason(kind, key, elValue[v2], elValue[v1], text);
    }
    return undefined;
  };

  function slotsOf(ti: number): number[] {
    const out: number[] = [];
    for (let x = extStart[ti]!; x < extStart[ti + 1]!; x++) out.push(x);
    return out;
  }

  return { txns, edges, anomalies, explain };
}

function reason(
  kind: 'ww' | 'wr' | 'rw',
  key: unknown,
  value: unknown,
  otherValue: unknown,
  text: string,
): EdgeReason {
  const r: EdgeReason = { kind, key, value, text };
  if (otherValue !== undefined) r.otherValue = otherValue;
  return r;
}

/** The first index i with a[i] > x (a ascending). */
function lowerBoundAfter(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The strongly connected components with more than one node of the graph on nodes 0…n−1 whose edges are
 * the concatenation of the given from/to lists (Tarjan's algorithm, iterative). Each component is sorted.
 */
export function cyclicComponents(n: number, froms: number[][], tos: number[][]): number[][] {
  let m = 0;
  for (const f of froms) m += f.length;
  if (m === 0) return [];
  const start = new Int32Array(n + 1);
  for (const f of froms) for (const a of f) start[a + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const adj = new Int32Array(m);
  const pos = start.slice(0, n);
  froms.forEach((f, li) => {
    const t = tos[li]!;
    for (let i = 0; i < f.length; i++) adj[pos[f[i]!]!++] = t[i]!;
  });
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const callNode: number[] = [];
  const callEdge: number[] = [];
  const out: number[][] = [];
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1 || start[root] === start[root + 1]) continue;
    callNode.push(root);
    callEdge.push(start[root]!);
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (callNode.length > 0) {
      const v = callNode[callNode.length - 1]!;
      const e = callEdge[callEdge.length - 1]!;
      if (e < start[v + 1]!) {
        callEdge[callEdge.length - 1] = e + 1;
        const w = adj[e]!;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          callNode.push(w);
          callEdge.push(start[w]!);
        } else if (onStack[w] === 1 && index[w]! < low[v]!) low[v] = index[w]!;
        continue;
      }
      callNode.pop();
      callEdge.pop();
      if (callNode.length > 0) {
        const parent = callNode[callNode.length - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1) out.push(comp.sort((a, b) => a - b));
      }
    }
  }
  return out;
}
