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
} from '../../src/core/checker.ts';
import { UserError } from '../../src/core/errors.ts';
import type { Op } from '../../src/core/op.ts';
import { ElleBudget } from './budget.ts';
import { CYCLE_TYPES, type CycleSearch, findCycles } from './cycles.ts';
import { cycleCase, provenCase } from './explain.ts';
import { buildGraph, processEdges, realtimeEdges } from './graph.ts';
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
 * Checks a workload's inference (the part of the pipeline after `txnsOf` and the inference): builds
 * the graph with the edges the models need, searches cycles within `checkOpts`' budget, and gives the
 * verdict. `valid` is false iff an anomaly the models (or `opts.anomalies`) prohibit was found; unknown
 * when the search stopped before deciding a prohibited class, or when no txn committed. Throws a
 * UserError for an unknown model name.
 */
export function checkInference(
  inference: Inference,
  opts: Pick<ElleOptions, 'consistencyModels' | 'anomalies'>,
  checkOpts: CheckOptions = {},
): ElleResult {
  const budget = new ElleBudget(checkOpts);
  const models = [...(opts.consistencyModels ?? DEFAULT_MODELS)];
  const prohibited = prohibitedAnomalies(opts);
  const { txns } = inference;
  const committedCount = txns.reduce((n, t) => n + (t.type === 'ok' ? 1 : 0), 0);

  // Real-time edges subsume process ones (a process is sequential), as in elle/txn.clj `additional-graphs`.
  const wants = (suffix: string) =>
    [...prohibited].some((a) => a.endsWith(suffix) && CYCLE_TYPES.includes(a));
  const lists: EdgeList[] = [inference.edges];
  if (wants('-realtime')) lists.push(realtimeEdges(txns));
  else if (wants('-process')) lists.push(processEdges(txns));
  const graph = buildGraph(txns.length, lists);

  const search: CycleSearch = budget.cancelled()
    ? { cycles: [], proven: [], unsearched: new Set(CYCLE_TYPES), sccCount: 0, stopReason: 'cancelled' }
    : findCycles(graph, budget);

  const cases: Record<string, AnomalyCase[]> = {};
  const add = (type: string, c: AnomalyCase) => {
    const list = cases[type] ?? [];
    cases[type] = list;
    list.push(c);
  };
  for (const [type, cs] of Object.entries(inference.anomalies)) for (const c of cs) add(type, c);
  for (const c of search.cycles) add(c.type, cycleCase(c, txns, inference.explain));
  for (const p of search.proven) add(p.type, provenCase(p, txns, search.stopReason ?? 'budget'));

  // Types unknown to the lattice count as prohibited: never a silent pass on something unexplained.
  const isBad = (t: string) => prohibited.has(t) || !KNOWN_ANOMALY_TYPES.has(t);
  const bad: Record<string, AnomalyCase[]> = {};
  const otherAnomalies: Record<string, number> = {};
  for (const [t, cs] of Object.entries(cases)) {
    if (!cs.length) continue;
    if (isBad(t)) bad[t] = cs;
    else otherAnomalies[t] = cs.length;
  }
  const foundTypes = Object.keys(cases).filter((t) => cases[t]!.length);
  const boundary = friendlyBoundary(foundTypes);
  const undecided = [...search.unsearched].filter((t) => prohibited.has(t)).sort();

  const requested = models.map((m) => m);
  const ruledOut = impossibleModels(foundTypes);
  const violated = requested.filter((m) => ruledOut.has(canonicalModel(m)));
  const base = {
    consistencyModels: requested,
    not: boundary.not,
    alsoNot: boundary.alsoNot,
    txnCount: txns.length,
    committedCount,
    otherAnomalies,
    sccCount: search.sccCount,
    edgeCount: graph.targets.length,
  };
  const boundaryText =
    boundary.not.length > 0
      ? ` (not ${boundary.not.join(', ')}${boundary.alsoNot.length ? `; also not ${boundary.alsoNot.join(', ')}` : ''})`
      : '';
  const otherText = Object.keys(otherAnomalies).length
    ? `; allowed by ${requested.join(', ')}: ${countsText(Object.keys(otherAnomalies), (t) => otherAnomalies[t]!)}`
    : '';

  if (Object.keys(bad).length) {
    const fields = anomalyFields(bad);
    const n = (t: string) => count(bad, {}, t);
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
 * UserError (one line) when a txn op is malformed for the workload, or a model name is unknown.
 */
export function checkTxnHistory(
  history: readonly Op[],
  opts: ElleOptions,
  checkOpts: CheckOptions = {},
): ElleResult {
  prohibitedAnomalies(opts); // unknown model names fail before any work
  const bad = findMalformedTxn(history, opts.workload);
  if (bad) throw new UserError(bad.message);
  const txns = txnsOf(history);
  const inference: Inference =
    opts.workload === 'list-append' ? inferListAppend(txns, opts) : inferRwRegister(txns, opts);
  return checkInference(inference, opts, checkOpts);
}

/** The transactional checker (name `elle`) for a workload and the consistency models to check. */
export function elleChecker(opts: ElleOptions): Checker {
  prohibitedAnomalies(opts); // validate model names when the checker is built
  return {
    name: 'elle',
    check: (_ctx, history, checkOpts) => checkTxnHistory(history, opts, checkOpts),
  };
}
