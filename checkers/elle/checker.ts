/**
 * The transactional (Elle-class) checker: history → txns → the workload's inference (ww/wr/rw edges
 * and non-cycle anomalies) → dependency graph (plus process or real-time edges when the requested
 * consistency models need them) → SCCs → a short cycle of each class → the models the anomalies rule
 * out. Verdict and shape as elle/txn.clj `result-map`, in our CheckResult form. Pure (no I/O).
 */
import {
  type AnomalyCase,
  anomalyFields,
  type Checker,
  type CheckOptions,
  type CheckResult,
  MAX_CASES_PER_TYPE,
} from '../../src/core/checker.ts';
import { UserError } from '../../src/core/errors.ts';
import type { Op } from '../../src/core/op.ts';
import { ElleBudget } from './budget.ts';
import { CYCLE_TYPES, type CycleSearch, findCycles } from './cycles.ts';
import { cycleCase, provenCase } from './explain.ts';
import { buildGraph, edgeCount, processEdges, realtimeRanges } from './graph.ts';
import { inferListAppend } from './list-append.ts';
import {
  anomaliesImplying,
  anomaliesProhibitedBy,
  canonicalModel,
  friendlyBoundary,
  friendlyModel,
  impossibleModels,
} from './models.ts';
import { inferRwRegister } from './rw-register.ts';
import { findMalformedTxn, txnsOf } from './txns.ts';
import type { EdgeList, ElleOptions, Inference } from './types.ts';

/** Elle's default consistency model. */
export const DEFAULT_MODELS: readonly string[] = ['strict-serializable'];

/** The anomaly types this checker can report by name: the cycle classes and the inference's. */
const KNOWN_ANOMALY_TYPES = new Set<string>([
  ...CYCLE_TYPES,
  'G1a',
  'G1b',
  'internal',
  'future-read',
  'dirty-update',
  'lost-update',
  'duplicate-elements',
  'incompatible-order',
  'cyclic-versions',
  'garbage-read',
]);

/** The result of the transactional checker (CheckResult plus Elle's boundary and counts). */
export interface ElleResult extends CheckResult {
  /** The models checked (friendly names, as requested). */
  consistencyModels: string[];
  /** The weakest models the anomalies found rule out (Elle's `:not`), friendly names. */
  not: string[];
  /** The other models they rule out (Elle's `:also-not`). */
  alsoNot: string[];
  /** Txns in the history (every `txn` invoke), and how many committed. */
  txnCount: number;
  committedCount: number;
  /** Anomalies found that the requested models allow: type → number of cases. */
  otherAnomalies: Record<string, number>;
  /** Strongly connected components of ≥ 2 txns in the dependency graph. */
  sccCount: number;
  /** Edges in the dependency graph (after merging kinds per pair). */
  edgeCount: number;
}

/** The anomaly types `opts` make a failure: those the models prohibit, plus `opts.anomalies` and what implies them. */
export function prohibitedAnomalies(opts: Pick<ElleOptions, 'consistencyModels' | 'anomalies'>): Set<string> {
  const out = anomaliesProhibitedBy(opts.consistencyModels ?? DEFAULT_MODELS);
  for (const a of anomaliesImplying(opts.anomalies ?? [])) out.add(a);
  return out;
}

const count = (cases: Record<string, readonly AnomalyCase[]>, found: Record<string, number>, t: string) =>
  Math.max(found[t] ?? 0, cases[t]?.length ?? 0);

/** "G2-item ×2, G1c ×1": types by number of cases, most first. */
function countsText(types: string[], n: (t: string) => number): string {
  return [...types]
    .sort((a, b) => n(b) - n(a) || (a < b ? -1 : 1))
    .map((t) => `${t} ×${n(t)}`)
    .join(', ');
}

/**
 * The name Elle's lattice knows a found cycle type by. Every cycle here is over items (keys), never
 * predicates, so a G-single or G-nonadjacent is Elle's `-item` variant (elle/consistency_model.clj:
 * G-single-item implies G-nonadjacent-item implies G2-item, which repeatable-read proscribes), while
 * the type keeps the name the issue and Elle's list-append reports use for the cycle's shape.
 */
export function latticeName(type: string): string {
  const m = /^(G-single|G-nonadjacent)(-process|-realtime)?$/.exec(type);
  return m ? `${m[1]}-item${m[2] ?? ''}` : type;
}

/**
 * Checks a workload's inference (the part of the pipeline after `txnsOf` and the inference): builds
 * the graph with the edges the models need, searches cycles within `checkOpts`' budget (or `budget`,
 * when the caller's check started earlier), and gives the verdict. `valid` is false iff an anomaly the models (or `opts.anomalies`) prohibit was found; unknown
 * when the search stopped before deciding a prohibited class, or when no txn committed. Throws a
 * UserError for an unknown model name.
 */
export function checkInference(
  inference: Inference,
  opts: Pick<ElleOptions, 'consistencyModels' | 'anomalies'>,
  checkOpts: CheckOptions = {},
  budget: ElleBudget = new ElleBudget(checkOpts),
): ElleResult {
  const models = [...(opts.consistencyModels ?? DEFAULT_MODELS)];
  const prohibited = prohibitedAnomalies(opts);
  const { txns } = inference;
  let committedCount = 0;
  for (const t of txns) if (t.type === 'ok') committedCount++;

  // Real-time edges subsume process ones (a process is sequential), as in elle/txn.clj `additional-graphs`.
  const wants = (suffix: string) =>
    [...prohibited].some((a) => a.endsWith(suffix) && CYCLE_TYPES.includes(a));
  const lists: EdgeList[] = [inference.edges];
  const realtime = wants('-realtime');
  if (!realtime && wants('-process')) lists.push(processEdges(txns));
  const graph = buildGraph(txns.length, lists, realtime ? realtimeRanges(txns) : undefined);

  const search: CycleSearch = budget.cancelled()
    ? { cycles: [], proven: [], unsearched: new Set(CYCLE_TYPES), sccCount: 0, stopReason: 'cancelled' }
    : findCycles(graph, budget);

  // Cases per type, at most MAX_CASES_PER_TYPE explained (a broken million-txn history can hold
  // thousands of cycles); `found` counts them all.
  const cases: Record<string, AnomalyCase[]> = {};
  const found: Record<string, number> = {};
  const add = (type: string, make: () => AnomalyCase) => {
    const list = cases[type] ?? [];
    cases[type] = list;
    found[type] = (found[type] ?? 0) + 1;
    if (list.length < MAX_CASES_PER_TYPE) list.push(make());
  };
  for (const [type, cs] of Object.entries(inference.anomalies)) for (const c of cs) add(type, () => c);
  for (const c of search.cycles) add(c.type, () => cycleCase(c, txns, inference.explain));
  for (const p of search.proven) add(p.type, () => provenCase(p, txns, search.stopReason ?? 'budget'));

  // Types unknown to the lattice count as prohibited: never a silent pass on something unexplained.
  const isBad = (t: string) =>
    prohibited.has(t) || prohibited.has(latticeName(t)) || !KNOWN_ANOMALY_TYPES.has(t);
  const bad: Record<string, AnomalyCase[]> = {};
  const otherAnomalies: Record<string, number> = {};
  for (const [t, cs] of Object.entries(cases)) {
    if (!cs.length) continue;
    if (isBad(t)) bad[t] = cs;
    else otherAnomalies[t] = found[t]!;
  }
  const foundTypes = Object.keys(cases).filter((t) => cases[t]!.length);
  const boundary = friendlyBoundary(foundTypes.map(latticeName));
  const undecided = [...search.unsearched]
    .filter((t) => prohibited.has(t) || prohibited.has(latticeName(t)))
    .sort();

  const requested = models.map((m) => m);
  const ruledOut = impossibleModels(foundTypes.map(latticeName));
  const violated = requested.filter((m) => ruledOut.has(canonicalModel(m)));
  const base = {
    consistencyModels: requested,
    not: boundary.not,
    alsoNot: boundary.alsoNot,
    txnCount: txns.length,
    committedCount,
    otherAnomalies,
    sccCount: search.sccCount,
    edgeCount: edgeCount(graph),
  };
  const boundaryText =
    boundary.not.length > 0
      ? ` (not ${boundary.not.join(', ')}${boundary.alsoNot.length ? `; also not ${boundary.alsoNot.join(', ')}` : ''})`
      : '';
  const otherText = Object.keys(otherAnomalies).length
    ? `; allowed by ${requested.join(', ')}: ${countsText(Object.keys(otherAnomalies), (t) => otherAnomalies[t]!)}`
    : '';

  if (Object.keys(bad).length) {
    const fields = anomalyFields(bad, found);
    const n = (t: string) => count(bad, found, t);
    const head = violated.length ? `not ${violated.map(friendlyModel).join(', ')}` : 'anomalies found';
    return {
      valid: false,
      summary: `${head}: ${countsText(Object.keys(bad), n)}${boundaryText}${otherText}`,
      ...fields,
      ...base,
    };
  }
  const empty = { anomalyTypes: [], anomalies: {} };
  if (undecided.length) {
    const reason = `the cycle search stopped (${search.stopReason ?? 'budget'}) before deciding ${undecided.join(', ')}, which ${requested.join(', ')} prohibit${requested.length === 1 ? 's' : ''}`;
    return { valid: 'unknown', summary: `unknown: ${reason}`, reason, ...empty, ...base };
  }
  if (committedCount === 0) {
    const reason = `no committed transactions to check (${txns.length} txns, none completed ok)`;
    return { valid: 'unknown', summary: `unknown: ${reason}`, reason, ...empty, ...base };
  }
  return {
    valid: true,
    summary: `${requested.join(', ')}: ${committedCount} committed txns, no prohibited anomaly${otherText}${otherText ? boundaryText : ''}`,
    ...empty,
    ...base,
  };
}

/**
 * Checks a history of `txn` ops (pure): txnsOf → the workload's inference → checkInference. Throws a
 * UserError (one line) when a txn op is malformed for the workload, or a model name is unknown. Ops
 * that do not pair (a completion with no invoke, a second invoke while one is open) are left out as
 * src/history/pairs.ts leaves them: the history validator reports them, and the verdict on such a
 * history stands only when the user allows it (analyze --allow-malformed). A history the caller
 * already passed through findMalformedTxn is not validated again.
 */
export function checkTxnHistory(
  history: readonly Op[],
  opts: ElleOptions,
  checkOpts: CheckOptions = {},
): ElleResult {
  prohibitedAnomalies(opts); // unknown model names fail before any work
  // The budget counts from here: inference time is part of the check's time limit.
  const budget = new ElleBudget(checkOpts);
  const bad = findMalformedTxn(history, opts.workload, { unpaired: 'skip' });
  if (bad) throw new UserError(bad.message);
  const txns = txnsOf(history, { unpaired: 'skip' });
  const inference: Inference =
    opts.workload === 'list-append' ? inferListAppend(txns, opts) : inferRwRegister(txns, opts);
  return checkInference(inference, opts, checkOpts, budget);
}

/** The transactional checker (name `elle`) for a workload and the consistency models to check. */
export function elleChecker(opts: ElleOptions): Checker {
  prohibitedAnomalies(opts); // validate model names when the checker is built
  return {
    name: 'elle',
    check: (_ctx, history, checkOpts) => checkTxnHistory(history, opts, checkOpts),
  };
}
