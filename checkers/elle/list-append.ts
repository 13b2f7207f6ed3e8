/**
 * List-append inference (after elle/list_append.clj): every key is a list, txns append unique values
 * and read whole lists, so each read reveals a prefix of the key's version order. From the longest read
 * per key we get the order of appends; from it the ww, wr and rw dependency edges between txns, plus
 * the anomalies visible without a cycle (G1a, G1b, internal, future-read, dirty-update, lost-update,
 * duplicate-elements, incompatible-order, garbage-read). Pure, no I/O.
 *
 * Speed: keys and (key, element) pairs are interned to dense ids once; a read that is a prefix of its
 * key's longest read (the normal case) is checked by comparing values in place, and its facts (G1a,
 * garbage, duplicates) come from per-key "first bad position" numbers, not from hashing its elements.
 */
import type { AnomalyCase } from '../../src/core/checker.ts';
import { sameValue, showValue, valueKey } from '../../src/history/values.ts';
import { addEdge, newEdgeList } from './edges.ts';
import { Interner, PairTable, pairKey, ValueIds } from './intern.ts';
import { mopF, TYPE_FAIL, TYPE_OK, txnColumns } from './txns.ts';
import {
  type EdgeExplainer,
  type EdgeReason,
  type ElleOptions,
  type Inference,
  type Mop,
  RW,
  type Txn,
  WR,
  WW,
} from './types.ts';

const EMPTY: readonly unknown[] = [];

/** A read's list (nil reads the empty list, as Elle's `(peek nil)` is the initial state). */
const listOf = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : EMPTY);

/** Exact equality with a fast path for primitives (the usual integers). */
const same = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && sameValue(a, b));

/** An op index to cite for a txn: its completion (which holds what it read), else its invoke. */
const opOf = (t: Txn): number => t.completeIndex ?? t.invokeIndex;

const clip = (s: string): string => (s.length > 120 ? `${s.slice(0, 117)}…]` : s);
const showList = (l: readonly unknown[]): string => clip(showValue(l));

/**
 * Interned keys and (key, element) pairs, with what is known of each element: who appended it, whether
 * that append was the txn's last to the key, and its position in its key's version order.
 */
class Elements {
  readonly keys = new Interner();
  private readonly vals = new ValueIds();
  private readonly byPair: PairTable;

  // Typed arrays (replaced when they grow): a million-txn history's elements add no GC-traced objects.
  /** Per element: key id, writer txn id (−1: nobody appended it), writer's mop index. */
  key: Int32Array;
  writer: Int32Array;
  writerMop: Int32Array;
  /** 1 when the writer appended to this key again later in the same txn (an intermediate version). */
  intermediate: Uint8Array;
  /** Position in the key's version order, −1 when not in it. */
  pos: Int32Array;
  /** Per element: the value. */
  readonly value: unknown[] = [];
  /** Number of elements. */
  size = 0;

  /** `capacity`: the expected number of elements (everything grows past it). */
  constructor(capacity: number) {
    const cap = Math.max(16, capacity);
    this.byPair = new PairTable(cap);
    this.key = new Int32Array(cap);
    this.writer = new Int32Array(cap);
    this.writerMop = new Int32Array(cap);
    this.intermediate = new Uint8Array(cap);
    this.pos = new Int32Array(cap);
  }

  /** The element id of `value` in key `k`, created (with no writer) if new. */
  id(k: number, value: unknown): number {
    const v = this.vals.id(value);
    const got = this.byPair.get(k, v);
    if (got >= 0) return got;
    const e = this.size++;
    if (e === this.key.length) this.grow();
    this.byPair.set(k, v, e);
    this.key[e] = k;
    this.value.push(value);
    this.writer[e] = -1;
    this.writerMop[e] = -1;
    this.pos[e] = -1;
    return e;
  }

  private grow(): void {
    const cap = this.key.length * 2;
    const int = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.key = int(this.key);
    this.writer = int(this.writer);
    this.writerMop = int(this.writerMop);
    this.pos = int(this.pos);
    const im = new Uint8Array(cap);
    im.set(this.intermediate);
    this.intermediate = im;
  }

  /** The element id of `value` in key `k`, or −1 if never seen. */
  find(k: number, value: unknown): number {
    const v = this.vals.get(value);
    if (v < 0) return -1;
    return this.byPair.get(k, v);
  }
}

/**
 * Infers the list-append dependency graph and non-cycle anomalies of `txns` (from txnsOf; ok txns
 * carry read lists, a nil read is the empty list). Semantics of elle/list_append.clj:
 * - version order per key: the longest read of an ok txn (its distinct elements); every other read must
 *   be a prefix of it, else `incompatible-order` (one case per key); so must a txn's own appends show
 *   in the order it made them (an addition to Elle, which infers no edge from a txn to itself). Appends never read are not placed
 *   among themselves; each is known only to follow the last observed element (Elle's
 *   `previously-appended-element`).
 * - edges (fail txns never commit, so never source a ww/wr edge; info txns may have): ww from the
 *   appender of the previous element to each appender; wr from the appender of a read's last element to
 *   the reader; rw from every reader of the state just before an append to the appender. No self edges.
 * - anomalies: G1a (an ok read containing an element a failed txn appended), G1b (an ok read ending in
 *   another txn's non-final append to the key), garbage-read (an element nobody appended),
 *   duplicate-elements, internal / future-read (a txn contradicting its own micro-ops), dirty-update
 *   (a failed append followed by a committed one in the version order), lost-update (two ok txns read
 *   the same state of a key and both append to it).
 * `opts` is accepted for symmetry with rw-register; list-append has no version-order options.
 */
export function inferListAppend(txns: Txn[], _opts?: ElleOptions): Inference {
  // Each txn's outcome as a small int (0 ok, 1 info, 2 fail), filled by pass 1: later passes read
  // typed arrays, not a million Txn objects scattered over the heap (each walk over them costs).
  // The txns' columns (txns.ts): outcomes and raw micro-op lists, no Mop objects per micro-op.
  const cols = txnColumns(txns);
  const OK = TYPE_OK;
  const FAIL = TYPE_FAIL;
  const type = cols.type;
  const raw = cols.raw;
  const failed = new Uint8Array(txns.length);
  // Exact sizes first (typed arrays are external memory: every 64 MB of them costs V8 a full mark
  // of the heap, which at a million txns is mostly the history itself, ~1 s).
  let mopTotal = 0;
  let readTotal = 0;
  let appendTotal = 0;
  for (let ti = 0; ti < txns.length; ti++) {
    const ms = raw[ti]!;
    mopTotal += ms.length;
    for (let i = 0; i < ms.length; i++) {
      const f = mopF(ms[i]![0]);
      if (f === 'append') appendTotal++;
      else if (f === 'r' && type[ti] === TYPE_OK) readTotal++;
    }
  }
  const E = new Elements(appendTotal + 16);
  const anomalies: Record<string, AnomalyCase[]> = {};
  const add = (type: string, c: AnomalyCase) => {
    const list = anomalies[type];
    if (list) list.push(c);
    else anomalies[type] = [c];
  };

  // Pass 1: intern keys and appended elements; collect ok reads; find each key's longest read. Per
  // micro-op arrays (key id, element id of an append, read index of an ok read) and the ok reads,
  // struct-of-arrays: txn, mop index, key, list, whether the list is a prefix of its key's longest
  // read, its last element (−1: empty), and for the rare reads that are not prefixes their element
  // ids. Typed arrays sized exactly (counted above).
  const mopStart = new Int32Array(txns.length + 1);
  const mopKey = new Int32Array(mopTotal);
  const mopEl = new Int32Array(mopTotal).fill(-1);
  const mopRead = new Int32Array(mopTotal).fill(-1);
  let readCount = 0;
  const readTxn = new Int32Array(readTotal);
  const readMop = new Int32Array(readTotal);
  const readKey = new Int32Array(readTotal);
  const readList: (readonly unknown[])[] = [];
  const readIds = new Map<number, number[]>();
  const longest: number[] = []; // per key: the index of its longest read, −1 if none
  let m = 0;
  for (let ti = 0; ti < txns.length; ti++) {
    const ok = type[ti] === OK;
    if (type[ti] === FAIL) failed[ti] = 1;
    mopStart[ti] = m;
    const ms = raw[ti]!;
    for (let i = 0; i < ms.length; i++, m++) {
      const mop = ms[i]!;
      const f = mopF(mop[0]);
      const k = E.keys.id(mop[1]);
      if (k === longest.length) longest.push(-1);
      mopKey[m] = k;
      if (f === 'append') {
        const e = E.id(k, mop[2]);
        mopEl[m] = e;
        if (E.writer[e] === -1) {
          E.writer[e] = ti;
          E.writerMop[e] = i;
        }
        // An earlier append of this txn to k is now intermediate.
        for (let j = m - 1; j >= mopStart[ti]!; j--) {
          if (mopKey[j] === k && mopEl[j]! >= 0) {
            E.intermediate[mopEl[j]!] = 1;
            break;
          }
        }
      } else if (ok && f === 'r') {
        const list = listOf(mop[2]);
        const r = readCount++;
        mopRead[m] = r;
        readTxn[r] = ti;
        readMop[r] = i;
        readKey[r] = k;
        readList.push(list);
        const cur = longest[k]!;
        if (cur < 0 || list.length > readList[cur]!.length) longest[k] = r;
      }
    }
  }
  mopStart[txns.length] = m;
  const mopCount = m;
  const keyCount = longest.length;
  const readPrefix = new Uint8Array(readCount).fill(1);
  const readLast = new Int32Array(readCount).fill(-1);

  // Pass 2: each key's version order from its longest read. longEls: the longest read's element ids
  // (with repeats); order: its distinct elements. firstDup/firstFail/firstGarbage: the first index in
  // the longest read where a repeat, a failed append, an element nobody appended shows (∞ if none).
  const longStart = new Int32Array(keyCount + 1);
  const orderStart = new Int32Array(keyCount + 1);
  const firstDup = new Float64Array(keyCount).fill(Infinity);
  const firstFail = new Float64Array(keyCount).fill(Infinity);
  const firstGarbage = new Float64Array(keyCount).fill(Infinity);
  const longEls: number[] = [];
  const order: number[] = [];
  for (let k = 0; k < keyCount; k++) {
    longStart[k] = longEls.length;
    orderStart[k] = order.length;
    const r = longest[k]!;
    if (r < 0) continue;
    const list = readList[r]!;
    for (let i = 0; i < list.length; i++) {
      const e = E.id(k, list[i]);
      longEls.push(e);
      if (E.pos[e]! >= 0) {
        if (i < firstDup[k]!) firstDup[k] = i;
        continue;
      }
      E.pos[e] = order.length - orderStart[k]!;
      order.push(e);
      const w = E.writer[e]!;
      if (w < 0) {
        if (i < firstGarbage[k]!) firstGarbage[k] = i;
      } else if (failed[w] === 1 && i < firstFail[k]!) firstFail[k] = i;
    }
  }
  longStart[keyCount] = longEls.length;
  orderStart[keyCount] = order.length;
  const orderLen = (k: number) => orderStart[k + 1]! - orderStart[k]!;

  // Reader lists per (key, state): state s of key k = the first s elements of its order.
  const stateBase = new Int32Array(keyCount + 1);
  for (let k = 0; k < keyCount; k++) stateBase[k + 1] = stateBase[k]! + orderLen(k) + 1;
  const stateHead = new Int32Array(stateBase[keyCount]!).fill(-1);
  const readNext = new Int32Array(readCount).fill(-1);

  const edges = newEdgeList(Math.max(1024, mopCount * 2));
  const incompatibleKeys = new Set<number>();

  // Pass 3: every ok read: prefix check, per-read anomalies, wr edges, reader lists.
  for (let r = 0; r < readCount; r++) {
    const k = readKey[r]!;
    const rt = readTxn[r]!;
    const list = readList[r]!;
    const L = list.length;
    const lr = longest[k]!;
    const ll = readList[lr]!;
    let prefix = true;
    if (ll !== list) {
      for (let i = 0; i < L; i++) {
        if (!same(list[i], ll[i])) {
          prefix = false;
          break;
        }
      }
    }
    const reader = txns[rt]!;
    let hasDup = false;
    let hasFail = false;
    let hasGarbage = false;
    if (prefix) {
      readLast[r] = L > 0 ? longEls[longStart[k]! + L - 1]! : -1;
      hasDup = L > firstDup[k]!;
      hasFail = L > firstFail[k]!;
      hasGarbage = L > firstGarbage[k]!;
    } else {
      readPrefix[r] = 0;
      const ids: number[] = new Array(L);
      const seen = new Set<number>();
      for (let i = 0; i < L; i++) {
        const e = E.id(k, list[i]);
        ids[i] = e;
        if (seen.has(e)) hasDup = true;
        seen.add(e);
        const w = E.writer[e]!;
        if (w < 0) hasGarbage = true;
        else if (failed[w] === 1) hasFail = true;
      }
      readIds.set(r, ids);
      readLast[r] = L > 0 ? ids[L - 1]! : -1;
      if (!incompatibleKeys.has(k)) {
        incompatibleKeys.add(k);
        add('incompatible-order', {
          ops: [opOf(reader), opOf(txns[readTxn[lr]!]!)],
          explanation: `key ${showValue(E.keys.values[k])}: #${opOf(reader)} read ${showList(list)} and #${opOf(txns[readTxn[lr]!]!)} read ${showList(ll)}, which is not a prefix of the other: no single order of appends explains both`,
          data: { key: E.keys.values[k], values: [list, ll] },
        });
      }
    }
    if (hasDup || hasFail || hasGarbage) perReadAnomalies(r, reader, hasDup, hasFail, hasGarbage);
    const last = readLast[r]!;
    if (last >= 0) {
      const w = E.writer[last]!;
      if (w >= 0 && w !== rt) {
        const wt = txns[w]!;
        if (failed[w] === 0) addEdge(edges, w, rt, WR);
        if (E.intermediate[last] === 1)
          add('G1b', {
            ops: [opOf(reader), opOf(wt)],
            explanation: `#${opOf(reader)} read key ${showValue(E.keys.values[k])} = ${showList(list)}, ending in ${showValue(E.value[last])}, an intermediate append of #${opOf(wt)}, which appended to the key again later in the same txn (G1b: intermediate read)`,
            data: { key: E.keys.values[k], value: list, element: E.value[last], mop: readMop[r] },
          });
      }
      const p = E.pos[last]!;
      if (p >= 0) {
        const s = stateBase[k]! + p + 1;
        readNext[r] = stateHead[s]!;
        stateHead[s] = r;
      }
    } else {
      const s = stateBase[k]!;
      readNext[r] = stateHead[s]!;
      stateHead[s] = r;
    }
  }

  function perReadAnomalies(r: number, reader: Txn, dup: boolean, fail: boolean, garbage: boolean): void {
    const k = readKey[r]!;
    const list = readList[r]!;
    const mop = readMop[r]!;
    const ids = readIds.get(r);
    const idAt = (i: number) => (ids ? ids[i]! : longEls[longStart[k]! + i]!);
    const keyText = showValue(E.keys.values[k]);
    if (dup) {
      const counts = new Map<number, number>();
      for (let i = 0; i < list.length; i++) counts.set(idAt(i), (counts.get(idAt(i)) ?? 0) + 1);
      const dups = [...counts].filter(([, c]) => c > 1).map(([e, c]) => ({ element: E.value[e], count: c }));
      add('duplicate-elements', {
        ops: [opOf(reader)],
        explanation: `#${opOf(reader)} read key ${keyText} = ${showList(list)}, with ${dups.map((d) => `${showValue(d.element)} ${d.count} times`).join(', ')}; every value is appended once`,
        data: { key: E.keys.values[k], value: list, duplicates: dups, mop },
      });
    }
    for (let i = 0; (fail || garbage) && i < list.length; i++) {
      const e = idAt(i);
      const w = E.writer[e]!;
      if (w < 0 && garbage)
        add('garbage-read', {
          ops: [opOf(reader)],
          explanation: `#${opOf(reader)} read key ${keyText} = ${showList(list)}, including ${showValue(E.value[e])}, which no txn appended to that key`,
          data: { key: E.keys.values[k], value: list, element: E.value[e], mop },
        });
      else if (w >= 0 && fail && failed[w] === 1)
        add('G1a', {
          ops: [opOf(reader), opOf(txns[w]!)],
          explanation: `#${opOf(reader)} read key ${keyText} = ${showList(list)}, including ${showValue(E.value[e])}, appended by #${opOf(txns[w]!)}, which failed (G1a: aborted read)`,
          data: { key: E.keys.values[k], value: list, element: E.value[e], mop },
        });
    }
  }

  // Pass 4: every append of a txn that may have committed: ww from the previous element's appender,
  // rw from the readers of the state just before it. Also: a txn's own appends to a key must show in
  // the order it made them, and an observed one implies its earlier ones (Elle misses this: no edge
  // runs from a txn to itself); reported as incompatible-order.
  for (let ti = 0; ti < txns.length; ti++) {
    if (failed[ti] === 1) continue;
    let ownOrderDone = false;
    for (let j = mopStart[ti]!; j < mopStart[ti + 1]!; j++) {
      const e = mopEl[j]!;
      if (e < 0 || E.writer[e] !== ti) continue;
      const k = mopKey[j]!;
      const p = E.pos[e]!;
      const state = p >= 0 ? p : orderLen(k);
      const prev = state > 0 ? order[orderStart[k]! + state - 1]! : -1;
      if (prev >= 0) {
        const w = E.writer[prev]!;
        if (w >= 0 && w !== ti && failed[w] === 0) addEdge(edges, w, ti, WW);
      }
      for (let r = stateHead[stateBase[k]! + state]!; r >= 0; r = readNext[r]!) {
        const rt = readTxn[r]!;
        if (rt !== ti) addEdge(edges, rt, ti, RW);
      }
      if (p < 0 || ownOrderDone) continue;
      for (let q = j - 1; q >= mopStart[ti]!; q--) {
        if (mopKey[q] !== k || mopEl[q]! < 0) continue;
        const ep = mopEl[q]!;
        const pp = E.pos[ep]!;
        if (pp < 0 || pp > p) {
          ownOrderDone = true;
          const t = txns[ti]!;
          const lr = longest[k]!;
          const lt = txns[readTxn[lr]!]!;
          add('incompatible-order', {
            ops: [opOf(t), opOf(lt)],
            explanation: `key ${showValue(E.keys.values[k])}: #${opOf(t)} appended ${showValue(E.value[ep])} and then ${showValue(E.value[e])}, but #${opOf(lt)} read ${showList(readList[lr]!)}, ${pp < 0 ? `which has ${showValue(E.value[e])} without ${showValue(E.value[ep])}` : 'which has them the other way round'}: no execution orders one txn's appends so`,
            data: { key: E.keys.values[k], values: [E.value[ep], E.value[e]], read: readList[lr] },
          });
        }
        break;
      }
    }
  }

  /** The state just before element e's append (its order position, or the end for an unobserved
   * append) and the element before it (−1: the initial empty list). Used by explanations. */
  function before(k: number, e: number): { state: number; prev: number } {
    const p = E.pos[e]!;
    const state = p >= 0 ? p : orderLen(k);
    return { state, prev: state > 0 ? order[orderStart[k]! + state - 1]! : -1 };
  }

  // Pass 5: dirty updates along each key's order (elle/list_append.clj dirty-update-cases). The
  // versions since the last committed-or-failed one are the order's range [from, i] (no array per step).
  for (let k = 0; k < keyCount; k++) {
    let t1 = -1; // −1: the initial state, committed
    let from = -1; // −1: no versions yet
    for (let i = orderStart[k]!; i < orderStart[k + 1]!; i++) {
      const e = order[i]!;
      const t2 = E.writer[e]!;
      if (t2 < 0) continue; // garbage: reported on its own
      const ty1 = t1 < 0 ? OK : type[t1]!;
      const ty2 = type[t2]!;
      if (from < 0) from = i;
      if (ty2 === 1 || (ty1 === FAIL && ty2 === FAIL)) continue;
      if (ty1 === FAIL && ty2 === OK) {
        const vs: unknown[] = [];
        for (let j = from; j <= i; j++) if (E.writer[order[j]!]! >= 0) vs.push(E.value[order[j]!]);
        const a = txns[t1]!;
        const b = txns[t2]!;
        add('dirty-update', {
          ops: [opOf(a), opOf(b)],
          explanation: `key ${showValue(E.keys.values[k])}: #${opOf(a)} failed, yet its append was followed by #${opOf(b)}'s committed append of ${showValue(E.value[e])} (versions ${showList(vs)})`,
          data: { key: E.keys.values[k], values: vs },
        });
      }
      t1 = t2;
      from = i;
    }
  }

  // Pass 6: per ok txn touching a key more than once: internal, future-read, lost-update. Txns are
  // short, so each check scans the txn's earlier micro-ops instead of building per-txn maps.
  // lost-update groups: (key, state read) → the ok txns that read it first and then appended to the key.
  const lost = new Map<number | string, { key: unknown; list: readonly unknown[]; txns: number[] }>();
  for (let ti = 0; ti < txns.length; ti++) {
    if (type[ti] !== OK) continue;
    const s0 = mopStart[ti]!;
    const n = mopStart[ti + 1]! - s0;
    let repeated = false;
    for (let i = 1; i < n && !repeated; i++)
      for (let j = 0; j < i; j++)
        if (mopKey[s0 + i] === mopKey[s0 + j]) {
          repeated = true;
          break;
        }
    if (repeated) withinTxn(ti, s0, n);
  }

  function withinTxn(ti: number, s0: number, n: number): void {
    const t = txns[ti]!;
    // Raw [f k v] micro-ops of an ok txn (reads known; a read may omit v: nil).
    const ms = raw[ti]!;
    const fOf = (j: number) => mopF(ms[j]![0]);
    const vOf = (j: number): unknown => ms[j]![2] ?? null;
    let internalDone = false;
    let futureDone = false;
    for (let i = 1; i < n; i++) {
      const mopFn = fOf(i);
      const mopKeyV = ms[i]![1];
      const mopValue = vOf(i);
      const k = mopKey[s0 + i]!;
      if (mopFn === 'append') {
        // future-read: an earlier read of k already held this element.
        let firstAppend = true;
        let firstRead = -1;
        for (let j = 0; j < i; j++) {
          if (mopKey[s0 + j] !== k) continue;
          const pf = fOf(j);
          if (pf === 'append') firstAppend = false;
          else if (firstAppend && firstRead < 0) firstRead = j;
          if (!futureDone && pf === 'r' && listOf(vOf(j)).some((x) => same(x, mopValue))) {
            futureDone = true;
            add('future-read', {
              ops: [opOf(t)],
              explanation: `#${opOf(t)} read key ${showValue(mopKeyV)} = ${showList(listOf(vOf(j)))}, including ${showValue(mopValue)}, before appending it itself (micro-op ${i + 1})`,
              data: { key: mopKeyV, element: mopValue, mop: j },
            });
          }
        }
        // lost-update: this txn's first append to k, after reading k first.
        if (firstAppend && firstRead >= 0) {
          const r = mopRead[s0 + firstRead]!;
          const list = readList[r]!;
          const gk = readPrefix[r] === 1 ? pairKey(k, list.length) : `${k}|${valueKey(list)}`;
          const g = lost.get(gk);
          if (g) g.txns.push(ti);
          else lost.set(gk, { key: mopKeyV, list, txns: [ti] });
        }
        continue;
      }
      if (internalDone || mopFn !== 'r') continue;
      // internal: what the txn's own earlier micro-ops on k imply: the last earlier read (else an
      // unknown prefix) followed by the appends since.
      let base = -1;
      let appends = 0;
      for (let j = i - 1; j >= 0; j--) {
        if (mopKey[s0 + j] !== k) continue;
        if (fOf(j) === 'r') {
          base = j;
          break;
        }
        appends++;
      }
      if (base < 0 && appends === 0) continue;
      const suffix: unknown[] = [];
      for (let j = base < 0 ? 0 : base + 1; j < i; j++) if (mopKey[s0 + j] === k) suffix.push(vOf(j));
      const prior = base >= 0 ? listOf(vOf(base)) : undefined;
      const v = listOf(mopValue);
      let bad: boolean;
      if (prior) {
        bad =
          v.length !== prior.length + suffix.length ||
          prior.some((x, j) => !same(x, v[j])) ||
          suffix.some((x, j) => !same(x, v[prior.length + j]));
      } else {
        const off = v.length - suffix.length;
        bad = off < 0 || suffix.some((x, j) => !same(x, v[off + j]));
      }
      if (!bad) continue;
      internalDone = true;
      const expected = prior ? [...prior, ...suffix] : ['...', ...suffix];
      const expectedText = prior ? showList(expected) : clip(`[… ${suffix.map(showValue).join(' ')}]`);
      add('internal', {
        ops: [opOf(t)],
        explanation: `#${opOf(t)} read key ${showValue(mopKeyV)} = ${showList(v)} (micro-op ${i + 1}), but its own earlier micro-ops imply ${expectedText}`,
        data: { key: mopKeyV, value: v, expected, mop: i },
      });
    }
  }

  for (const { key, list, txns: group } of lost.values()) {
    if (group.length < 2) continue;
    const ts = group.map((i) => txns[i]!);
    add('lost-update', {
      ops: ts.map(opOf),
      explanation: `${ts.map((t) => `#${opOf(t)}`).join(', ')} all read key ${showValue(key)} = ${showList(list)} and appended to it, and all committed: all but one update is lost`,
      data: { key, value: list },
    });
  }

  const explain: EdgeExplainer = (from, to, kind, name) =>
    explainEdge(E, from, to, kind, name, before, stateOf);

  /** The state (order position) a read list shows, −1 when it is not one of the order's prefixes. */
  function stateOf(k: number, list: readonly unknown[]): number {
    if (list.length === 0) return 0;
    const e = E.find(k, list[list.length - 1]);
    return e >= 0 && E.pos[e]! >= 0 ? E.pos[e]! + 1 : -1;
  }

  return { txns, edges, anomalies, explain };
}

/** Recomputes why `from → to` is an edge of `kind` (Elle's WW/WR/RWExplainer), or undefined. */
function explainEdge(
  E: Elements,
  from: Txn,
  to: Txn,
  kind: 'ww' | 'wr' | 'rw',
  name: (t: Txn) => string,
  before: (k: number, e: number) => { state: number; prev: number },
  stateOf: (k: number, list: readonly unknown[]) => number,
): EdgeReason | undefined {
  const keyId = (m: Mop) => E.keys.get(m.key);
  if (kind === 'wr') {
    if (to.type !== 'ok') return undefined;
    for (const m of to.mops) {
      if (m.f !== 'r') continue;
      const list = listOf(m.value);
      if (list.length === 0) continue;
      const last = list[list.length - 1];
      const e = E.find(keyId(m), last);
      if (e >= 0 && E.writer[e] === from.id)
        return {
          kind,
          key: m.key,
          value: last,
          text: `${name(to)} read ${name(from)}'s append of ${showValue(last)} to key ${showValue(m.key)}`,
        };
    }
    return undefined;
  }
  for (const m of to.mops) {
    if (m.f !== 'append') continue;
    const k = keyId(m);
    const e = E.find(k, m.value);
    if (e < 0 || E.writer[e] !== to.id) continue;
    const { state, prev } = before(k, e);
    if (kind === 'ww') {
      if (prev >= 0 && E.writer[prev] === from.id)
        return {
          kind,
          key: m.key,
          value: m.value,
          otherValue: E.value[prev],
          text: `${name(from)}'s append of ${showValue(E.value[prev])} to key ${showValue(m.key)} came before ${name(to)}'s append of ${showValue(m.value)}`,
        };
      continue;
    }
    if (from.type !== 'ok') continue;
    for (const r of from.mops) {
      if (r.f !== 'r' || keyId(r) !== k) continue;
      const list = listOf(r.value);
      if (stateOf(k, list) !== state) continue;
      const next = E.pos[e]! >= 0 ? 'which came next' : 'which came later';
      return {
        kind,
        key: m.key,
        value: m.value,
        otherValue: list,
        text: `${name(from)} read key ${showValue(m.key)} = ${showList(list)} without ${name(to)}'s append of ${showValue(m.value)}, ${next}`,
      };
    }
  }
  return undefined;
}
