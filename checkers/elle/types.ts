/**
 * The shared shapes of the transactional checker (Elle-class; Kingsbury & Alvaro, "Elle: Inferring
 * Isolation Anomalies from Experimental Observations", VLDB 2020; jepsen-io/elle). Pure data, no I/O.
 *
 * Pipeline: a history's `txn` ops become {@link Txn}s (txns.ts); a workload's inference (list-append.ts,
 * rw-register.ts) turns them into the data-dependency edges ww/wr/rw plus the anomalies it sees without a
 * cycle, and an {@link EdgeExplainer}; the checker (checker.ts) adds process and real-time edges as the
 * chosen consistency models need, finds strongly connected components, a short cycle of each class in
 * them, and the models the anomalies rule out (models.ts).
 */
import type { AnomalyCase } from '../../src/core/checker.ts';

/** A micro-op's function: list-append's `append` and `r`, rw-register's `w` and `r` (Elle's `:append :r :w`). */
export type MopF = 'append' | 'r' | 'w';

/**
 * One micro-op `[f k v]`. `key` and `value` are exact values as the history holds them (numbers,
 * bigints, strings, keywords `{"$kw"}`; see src/history/values.ts); compare them with `valueKey`/`sameValue`,
 * never `===` on objects. A read's `value` is what it returned (list-append: the list, rw-register: the
 * value), or `null` when unknown (an invoke, or a txn that did not complete ok).
 */
export interface Mop {
  f: MopF;
  key: unknown;
  value: unknown;
}

/** How a txn ended: `ok` committed, `fail` certainly did not commit, `info` may have (or never completed). */
export type TxnType = 'ok' | 'fail' | 'info';

/**
 * One client transaction: a `txn` invoke and its completion. Ids are dense, 0…n−1, in invoke order, so
 * per-txn data lives in typed arrays indexed by id.
 */
export interface Txn {
  /** Dense id, 0-based, in invoke order. */
  id: number;
  /** The client process (a number; the nemesis never runs txns). */
  process: number;
  type: TxnType;
  /** The micro-ops: the completion's for `ok` (reads carry values), otherwise the invoke's. */
  mops: Mop[];
  /** `Op.index` of the invoke. */
  invokeIndex: number;
  /** `Op.index` of the completion; undefined when the history ended first (then `type` is `info`). */
  completeIndex: number | undefined;
  /** Invoke time, ns since the run started. */
  invokeTimeNs: number;
  /** Completion time, ns since the run started; undefined when it never completed. */
  completeTimeNs: number | undefined;
  /** The node the client talked to, when recorded. */
  node?: string;
}

/** Dependency kinds, as bits of an edge mask (Adya's ww/wr/rw plus Elle's process and real-time orders). */
export const WW = 1;
export const WR = 2;
export const RW = 4;
export const PROCESS = 8;
export const REALTIME = 16;

/** An edge kind's name, as explanations and reports print it. */
export type EdgeKind = 'ww' | 'wr' | 'rw' | 'process' | 'realtime';

/** Each kind with its bit. */
export const EDGE_KINDS: readonly { kind: EdgeKind; bit: number }[] = [
  { kind: 'ww', bit: WW },
  { kind: 'wr', bit: WR },
  { kind: 'rw', bit: RW },
  { kind: 'process', bit: PROCESS },
  { kind: 'realtime', bit: REALTIME },
];

/**
 * A growable list of directed edges between txn ids, each with a kind mask (several kinds between one
 * pair are OR-ed by whoever builds the graph; duplicates are allowed here). Struct-of-arrays so a
 * million-txn history stays a few typed arrays.
 */
export interface EdgeList {
  /** Number of edges. */
  length: number;
  from: Int32Array;
  to: Int32Array;
  mask: Uint8Array;
}

/**
 * Why one txn precedes another by one kind of dependency, recomputed on demand for the few edges shown
 * (Elle's explainers): `key` and the values involved, and a sentence naming the txns through `name`,
 * e.g. "T2 read T1's append of 3 to key 7" (wr), "T1 appended 3 after T2 appended 2 to key 7" (ww),
 * "T1 read key 7 without T2's append of 4, which came later" (rw).
 */
export interface EdgeReason {
  kind: EdgeKind;
  key?: unknown;
  /** The version written or read that makes the edge (exact value). */
  value?: unknown;
  /** The other version involved (ww: the earlier one; rw: the version read). */
  otherValue?: unknown;
  text: string;
}

/** Recomputes the reason for edge `from → to` of kind `kind`; undefined if there is none. */
export type EdgeExplainer = (
  from: Txn,
  to: Txn,
  kind: 'ww' | 'wr' | 'rw',
  name: (t: Txn) => string,
) => EdgeReason | undefined;

/** What a workload's inference finds in a history: the data-dependency edges and the non-cycle anomalies. */
export interface Inference {
  txns: Txn[];
  /** ww, wr and rw edges only (process and real-time edges are the checker's). */
  edges: EdgeList;
  /**
   * Anomalies seen without a cycle, by Elle's name: `G1a` (aborted read), `G1b` (intermediate read),
   * `internal` (a txn contradicts its own earlier micro-ops), `future-read`, `dirty-update`,
   * `lost-update`, `duplicate-elements`, `incompatible-order`, `cyclic-versions`, `garbage-read`
   * (a value nobody wrote). Each case names the ops by `#index` and explains in plain words.
   */
  anomalies: Record<string, AnomalyCase[]>;
  explain: EdgeExplainer;
}

/** One step of a cycle: a txn and the edge from it to the next txn (the last edge closes the cycle). */
export interface CycleStep {
  /** The txn's label in this cycle's explanation (`T1`, `T2`…). */
  label: string;
  /** `Op.index` of the txn's invoke and completion (the report links these to the timeline). */
  invokeIndex: number;
  completeIndex: number | undefined;
  process: number;
  node?: string;
  invokeTimeNs: number;
  completeTimeNs: number | undefined;
  /** The txn's micro-ops, as completed. */
  mops: Mop[];
  /** The edge to the next step's txn (wrapping to the first). */
  edge: EdgeReason;
}

/**
 * `AnomalyCase.data` of a cycle anomaly (G0, G1c, G-single, G-nonadjacent, G2-item and their `-process`
 * / `-realtime` variants): the cycle as the report draws it (nodes = txns, edges labelled by kind).
 * `searchTimedOut` marks a class whose cycle is known to exist in an SCC (its edge kinds admit no
 * weaker class) but whose short example the search did not finish; then `cycle` is empty and `scc`
 * lists the component's txns' invoke indices.
 */
export interface CycleData {
  cycle: CycleStep[];
  searchTimedOut?: boolean;
  scc?: number[];
  /** The component's size in txns, when `scc` lists only some of them (added by elle-report). */
  sccSize?: number;
}

/** The workloads the checker reads: Elle's list-append and rw-register. */
export type TxnWorkload = 'list-append' | 'rw-register';

/**
 * Options of the transactional checker (Elle's `check` options, camel-cased).
 * - `consistencyModels`: the models to check, Elle's names (`serializable`, `strict-serializable`,
 *   `snapshot-isolation`, `read-committed`, `strong-session-serializable`…); default
 *   `['strict-serializable']`, as Elle's. Anomalies are searched for only as far as these models need
 *   (e.g. real-time edges only for strict-serializable and its kin).
 * - `anomalies`: extra anomaly types to search for even if the models do not need them.
 * - rw-register only (Elle's `:sequential-keys?`, `:linearizable-keys?`, `:wfr-keys?`): version-order
 *   sources beyond the initial state: per-key process order, per-key real-time order, writes follow reads.
 */
export interface ElleOptions {
  workload: TxnWorkload;
  consistencyModels?: string[];
  anomalies?: string[];
  sequentialKeys?: boolean;
  linearizableKeys?: boolean;
  wfrKeys?: boolean;
}
