/**
 * Synthetic list-append histories for bench/elle.ts: `concurrency` client processes, each running one
 * txn at a time, txns of 1…maxMops micro-ops (`["r", k, null]` / `["append", k, v]`) over an active key
 * pool whose keys retire after `maxWritesPerKey` appends (Jepsen's list-append generator knobs), values
 * unique per key. Each txn takes effect atomically at a random instant between its invoke and its
 * completion, so the history is strict-serializable except for the anomalies injected on purpose:
 * - every `anomalyEvery` txns a write skew (G2-item): two concurrent txns each read the key the other
 *   appends to, both reads before both appends;
 * - halfway between those a stale read (G-single-realtime): a txn reads a key without its only append,
 *   whose txn completed before the reader was invoked (serializable, not strict-serializable).
 * About 1% of txns fail (not applied) and 1% end `info` (applied or not, at random; the thread then
 * continues as a fresh process, as Jepsen's do). Pure and seeded: same options, same history.
 */
import type { Op } from '../src/core/op.ts';

export interface ListAppendHistoryOptions {
  txns: number;
  concurrency?: number;
  maxMops?: number;
  keyPool?: number;
  maxWritesPerKey?: number;
  /** One write skew and one stale read per this many txns (≥ 4·concurrency); 0 = none. */
  anomalyEvery?: number;
  seed?: number;
}

/** What was generated, for the bench's table: the history and the anomalies injected. */
export interface ListAppendHistory {
  history: Op[];
  injected: { writeSkews: number; staleReads: number };
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mop = ['r' | 'append', number, unknown];
const OK = 0;
const FAIL = 1;
const INFO = 2;

export function listAppendHistory(o: ListAppendHistoryOptions): ListAppendHistory {
  const n = o.txns;
  const C = o.concurrency ?? 50;
  const maxMops = o.maxMops ?? 4;
  const pool = o.keyPool ?? 10;
  const maxWrites = o.maxWritesPerKey ?? 32;
  const every = o.anomalyEvery ?? 1000;
  const rand = rng(o.seed ?? 1);
  const DT_NS = 100_000; // one invoke every 0.1 ms

  // Times: txn i is invoked by thread i % C at i·Δ and completes before that thread's next invoke.
  const invokeNs = new Float64Array(n);
  const completeNs = new Float64Array(n);
  const effectNs = new Float64Array(n);
  const outcome = new Uint8Array(n);
  const applied = new Uint8Array(n);
  const mops: Mop[][] = new Array(n);
  const partner = new Int32Array(n).fill(-1); // write skew: the other txn of the pair
  const stale = new Uint8Array(n); // the stale read's txn

  // Micro-ops: keys from the active pool, retired after maxWrites appends (counted as generated).
  const active = Array.from({ length: pool }, (_, k) => k);
  let nextKey = pool;
  const written: number[] = new Array(pool).fill(0);
  const appendTo = (slot: number): Mop => {
    const k = active[slot]!;
    const v = written[k]! + 1;
    written[k] = v;
    if (v >= maxWrites) {
      active[slot] = nextKey;
      written[nextKey++] = 0;
    }
    return ['append', k, v];
  };
  for (let i = 0; i < n; i++) {
    invokeNs[i] = i * DT_NS;
    completeNs[i] = invokeNs[i]! + DT_NS * (C / 2 + rand() * (C / 2 - 1));
    effectNs[i] = invokeNs[i]! + rand() * (completeNs[i]! - invokeNs[i]!);
    const ms: Mop[] = [];
    const len = 1 + Math.floor(rand() * maxMops);
    for (let j = 0; j < len; j++) {
      const slot = Math.floor(rand() * pool);
      ms.push(rand() < 0.5 ? ['r', active[slot]!, null] : appendTo(slot));
    }
    mops[i] = ms;
    const r = rand();
    outcome[i] = r < 0.01 ? FAIL : r < 0.02 ? INFO : OK;
    applied[i] = outcome[i] === OK || (outcome[i] === INFO && rand() < 0.5) ? 1 : 0;
  }
  // Injected anomalies, on ok txns (pairs `every` txns apart never overlap for every ≥ 4·C).
  let writeSkews = 0;
  let staleReads = 0;
  const okApplied = (t: number) => {
    outcome[t] = OK;
    applied[t] = 1;
  };
  if (every > 0) {
    for (let i = every >> 2; i + 1 < n; i += every) {
      // Write skew between txns i and i+1 (adjacent invokes on two threads: concurrent) on two pool
      // keys, both taking effect at one instant after both invokes.
      const a = i;
      const b = i + 1;
      const ky = appendTo(1 % pool);
      const kx = appendTo(0);
      mops[a] = [['r', kx[1], null], ky];
      mops[b] = [['r', ky[1], null], kx];
      okApplied(a);
      okApplied(b);
      effectNs[a] = effectNs[b] = invokeNs[b]! + rand() * DT_NS;
      partner[a] = b;
      partner[b] = a;
      writeSkews++;
      // Stale read on a key of its own: w appends to it; s, invoked after w completed (same thread,
      // C txns later), reads it without that append; r, later still, reads the append.
      const s = i + (every >> 1);
      const w = s - C;
      const r = s + C;
      if (w <= b || r >= n) continue;
      const k = nextKey++;
      mops[w] = [...mops[w]!, ['append', k, 1]];
      mops[s] = [['r', k, null]];
      mops[r] = [['r', k, null]];
      for (const t of [w, s, r]) okApplied(t);
      stale[s] = 1;
      staleReads++;
    }
  }

  // Effects in instant order; a write-skew pair runs both reads, then both appends.
  const order = Int32Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => effectNs[x]! - effectNs[y]! || x - y,
  );
  const lists = new Map<number, number[]>();
  /** Per key: the txn of its last append, for the stale read. */
  const lastAppender = new Map<number, number>();
  const read = (t: number, k: number): number[] => {
    const l = lists.get(k) ?? [];
    const last = lastAppender.get(k);
    if (stale[t] && last !== undefined && completeNs[last]! < invokeNs[t]! && l.length > 0)
      return l.slice(0, -1);
    return l.slice();
  };
  const append = (t: number, m: Mop) => {
    const l = lists.get(m[1]);
    if (l) l.push(m[2] as number);
    else lists.set(m[1], [m[2] as number]);
    lastAppender.set(m[1], t);
  };
  const results: (unknown[] | undefined)[] = new Array(n);
  const done = new Uint8Array(n);
  for (const t of order) {
    if (done[t]) continue;
    done[t] = 1;
    const p = partner[t]!;
    if (p >= 0) {
      done[p] = 1;
      for (const x of [t, p]) results[x] = mops[x]!.map((m) => (m[0] === 'r' ? read(x, m[1]) : null));
      for (const x of [t, p]) for (const m of mops[x]!) if (m[0] === 'append') append(x, m);
      continue;
    }
    if (!applied[t]) continue;
    // Reads see the txn's own earlier appends, as a real store's would.
    results[t] = mops[t]!.map((m) => {
      if (m[0] === 'r') return read(t, m[1]);
      append(t, m);
      return null;
    });
  }

  // Ops in time order: invokes at i·Δ, completions between; a thread's process changes after info.
  const events = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    events[2 * i] = 2 * i;
    events[2 * i + 1] = 2 * i + 1;
  }
  const timeOf = (e: number) => ((e & 1) === 0 ? invokeNs[e >> 1]! : completeNs[e >> 1]!);
  events.sort((x, y) => timeOf(x) - timeOf(y) || x - y);
  const processOf = new Int32Array(n);
  const threadProcess = Int32Array.from({ length: C }, (_, t) => t);
  for (let i = 0; i < n; i++) {
    const th = i % C;
    processOf[i] = threadProcess[th]!;
    if (outcome[i] === INFO) threadProcess[th]! += C;
  }
  const history: Op[] = new Array(2 * n);
  for (let k = 0; k < 2 * n; k++) {
    const e = events[k]!;
    const t = e >> 1;
    const ms = mops[t]!;
    if ((e & 1) === 0) {
      history[k] = { index: k, time: timeOf(e), type: 'invoke', process: processOf[t]!, f: 'txn', value: ms };
    } else {
      const type = outcome[t] === OK ? 'ok' : outcome[t] === FAIL ? 'fail' : 'info';
      const res = results[t];
      const value = type === 'ok' && res ? ms.map((m, j) => (m[0] === 'r' ? ['r', m[1], res[j]] : m)) : ms;
      history[k] = { index: k, time: timeOf(e), type, process: processOf[t]!, f: 'txn', value };
    }
  }
  return { history, injected: { writeSkews, staleReads } };
}
