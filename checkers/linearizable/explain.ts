import type { Op } from '../../src/core/op.ts';
import type { Budget } from './budget.ts';
import { minimizeOps } from './minimize.ts';
import { describeCall, describeState, isIllegal } from './model.ts';
import type { LinearizableOptions } from './options.ts';
import type { PreparedOp } from './prepare.ts';
import type { PartitionSearch } from './search.ts';

/** An op as shown in explanations: its invoke's index, completion's index, and a description. */
export interface OpRef {
  index: number;
  completionIndex: number | null;
  process: number | 'nemesis';
  /** The node the client talked to (the completion's, else the invoke's), when the history says. */
  node?: string;
  outcome: string;
  description: string;
}

export interface FinalPath {
  /** The linearized order that reached the blocked op (the last ops only when long). */
  path: { op: OpRef; state: string }[];
  /** Ops linearized before `path` starts (elided). */
  elided: number;
  /** The state at the end of the path. */
  state: string;
  /** What each op that could go next does there: the model's refusal, or a legal step that led nowhere. */
  tried: { op: OpRef; error: string | null; next: string | null }[];
}

export interface LinearizabilityFailure {
  /** The key (P-compositional partition) the failure is in; '' when the model is not split by key. */
  partition: string;
  /** The first op whose return no linearization of the history could pass. */
  op: OpRef;
  finalPaths: FinalPath[];
  /** Ops concurrent with the blocked op (their intervals overlap it), the first MAX_WINDOW of them. */
  window: OpRef[];
  windowSize: number;
  /**
   * A non-linearizable sub-history of the failing key that contains `op` and, for every value its ops
   * observed, an op that wrote it (see minimize.ts); when oneMinimal, removing any other one op (that no
   * kept read depends on) makes it linearizable.
   */
  minimal?: {
    history: Op[];
    ops: OpRef[];
    oneMinimal: boolean;
    checks: number;
    /** Wall-clock milliseconds the minimization took. */
    elapsedMs: number;
  };
}

const PATH_TAIL = 12;
const MAX_WINDOW = 100;
const MAX_TRIED = 16;
const DEFAULT_MINIMIZE_MS = 10_000;

export function refOf(search: PartitionSearch, o: PreparedOp): OpRef {
  const node = o.completion?.node ?? o.invoke.node;
  return {
    index: o.invoke.index,
    completionIndex: o.completion ? o.completion.index : null,
    process: o.invoke.process,
    ...(typeof node === 'string' ? { node } : {}),
    outcome: o.call.outcome,
    description: describeCall(search.partition.model, o.call),
  };
}

export function explainFailure(
  search: PartitionSearch,
  budget: Budget,
  opts: LinearizableOptions,
): LinearizabilityFailure {
  const { ops, model } = search.partition;
  const blocked = ops[search.blockedOp]!;
  const ref = (o: PreparedOp): OpRef => refOf(search, o);
  const finalPaths = search.finalPaths.map((path): FinalPath => {
    let state = model.init();
    const steps: { op: OpRef; state: string }[] = [];
    const inPath = new Set<number>();
    for (const i of path) {
      const next = model.step(state, ops[i]!.call);
      if (!isIllegal(next)) state = next;
      inPath.add(i);
      steps.push({ op: ref(ops[i]!), state: describeState(model, state) });
    }
    const tried: FinalPath['tried'] = [];
    ops.forEach((o, i) => {
      if (inPath.has(i) || o.callPos > blocked.retPos || tried.length >= MAX_TRIED) return;
      const next = model.step(state, o.call);
      tried.push(
        isIllegal(next)
          ? { op: ref(o), error: next.reason, next: null }
          : { op: ref(o), error: null, next: describeState(model, next) },
      );
    });
    const tail = steps.slice(-PATH_TAIL);
    return { path: tail, elided: steps.length - tail.length, state: describeState(model, state), tried };
  });
  const concurrent = ops.filter(
    (o) => o !== blocked && o.callPos < blocked.retPos && o.retPos > blocked.callPos,
  );
  const failure: LinearizabilityFailure = {
    partition: search.partition.key,
    op: ref(blocked),
    finalPaths,
    window: concurrent.slice(0, MAX_WINDOW).map(ref),
    windowSize: concurrent.length,
  };
  if (opts.minimize !== false) {
    const t0Ms = performance.now();
    const deadlineMs = Math.min(budget.deadlineMs, t0Ms + (opts.minimizeTimeMs ?? DEFAULT_MINIMIZE_MS));
    const m = minimizeOps(model, ops, blocked, deadlineMs);
    failure.minimal = {
      history: subHistory(m.ops),
      ops: m.ops.map(ref),
      oneMinimal: m.oneMinimal,
      checks: m.checks,
      elapsedMs: Math.round(performance.now() - t0Ms),
    };
  }
  return failure;
}

/** The invokes and completions of `ops`, in history order. */
function subHistory(ops: PreparedOp[]): Op[] {
  return ops
    .flatMap((o): [number, Op][] =>
      o.completion
        ? [
            [o.callPos, o.invoke],
            [o.retPos, o.completion],
          ]
        : [[o.callPos, o.invoke]],
    )
    .sort((a, b) => a[0] - b[0])
    .map(([, op]) => op);
}
