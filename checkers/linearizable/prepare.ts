import type { Op } from '../../src/core/op.ts';
import { showValue } from '../../src/history/values.ts';
import type { Call, Model } from './model.ts';
import { getModel, modelNames } from './models/registry.ts';

/** One operation of a partition, ready for the search. Times are positions in the history array. */
export interface PreparedOp {
  readonly call: Call;
  /** Position of the invoke in the history. */
  readonly callPos: number;
  /** Position of the completion; Infinity for crashed ops (info or never completed). */
  readonly retPos: number;
  readonly crashed: boolean;
  readonly invoke: Op;
  readonly completion: Op | undefined;
}

export interface Partition {
  readonly key: string;
  readonly model: Model<unknown>;
  /** Ops the search must consider, in invoke order. */
  readonly ops: PreparedOp[];
  /** Ops left out by the model's pruning (cannot change the verdict). */
  readonly pruned: PreparedOp[];
}

export interface Prepared {
  partitions: Partition[];
  /** Client ops considered (after dropping fail ops), before pruning. */
  opCount: number;
  dropped: { failed: number; nemesis: number };
  problems: string[];
}

/**
 * An op the model cannot interpret (Model.accepts refused it): checking would call a history of another
 * kind non-linearizable. The message is one line naming the op, what the model takes, and the
 * registered models that take every op of the history; `position` is the op's position in the history
 * array (callers map it to `file:line`).
 */
export class ModelMismatchError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'ModelMismatchError';
    this.position = position;
  }
}

/**
 * The client ops paired, in invoke order, as parallel arrays (no object per op: a 1M-op history's
 * objects cost more to promote through the GC than to build): each op's invoke position in the history,
 * its completion's (-1: never completed), and its call.
 */
interface Paired {
  invokes: number[];
  completions: number[];
  calls: Call[];
}

/**
 * Each client op as the model sees it, in invoke order: positions of its invoke and completion, and the
 * call (ok: the completion's value). One pass over the history; pairs ops as pairOps does
 * (src/history/pairs.ts), with the same problem texts, but by position so no Op → position map is built.
 */
function pairCalls(history: readonly Op[]): { paired: Paired; problems: string[]; nemesis: number } {
  const open = new Map<Op['process'], number>();
  const invokes: number[] = [];
  const completions: number[] = [];
  const problems: string[] = [];
  let nemesis = 0;
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (op.process === 'nemesis') {
      nemesis++;
      continue;
    }
    if (op.type === 'invoke') {
      const prev = open.get(op.process);
      if (prev !== undefined)
        problems.push(
          `op ${op.index}: process ${op.process} invoked again while op ${history[invokes[prev]!]!.index} is open`,
        );
      open.set(op.process, invokes.length);
      invokes.push(i);
      completions.push(-1);
    } else {
      const k = open.get(op.process);
      if (k === undefined) {
        problems.push(`op ${op.index}: ${op.type} from process ${op.process} has no open invoke`);
        continue;
      }
      completions[k] = i;
      open.delete(op.process);
    }
  }
  const calls = invokes.map((position, k): Call => {
    const invoke = history[position]!;
    const c = completions[k]!;
    const completion = c >= 0 ? history[c] : undefined;
    const type = completion?.type ?? 'info';
    const outcome = type === 'ok' ? 'ok' : type === 'fail' ? 'fail' : 'info';
    const value =
      outcome === 'ok' && completion && completion.value !== undefined ? completion.value : invoke.value;
    return { f: invoke.f, value, outcome };
  });
  return { paired: { invokes, completions, calls }, problems, nemesis };
}

/** The ModelMismatchError for the call at `bad` (an index into `all`). */
function mismatchError(
  history: readonly Op[],
  model: Model<unknown>,
  all: Paired,
  bad: number,
): ModelMismatchError {
  const position = all.invokes[bad]!;
  const call = all.calls[bad]!;
  const op = history[position]!;
  const fits = modelNames().filter((name) => {
    const m = getModel(name);
    return m.accepts !== undefined && all.calls.every((c) => m.accepts!(c));
  });
  const takes = model.takes ? ` (it takes ${model.takes})` : '';
  const hint = fits.length
    ? `check it with --model ${fits.join(' or --model ')}`
    : `no model takes every op of this history (models: ${modelNames().join(', ')})`;
  return new ModelMismatchError(
    `op ${op.index} (${op.f} ${showValue(call.value).slice(0, 60)}): the ${model.name} model cannot check ${op.f} ops${takes}; ${hint}`,
    position,
  );
}

/**
 * The first client op `model` cannot interpret, as a ModelMismatchError (not thrown), or undefined when
 * the model takes every op. Pure; models without `accepts` take everything.
 */
export function findUninterpretableOp(
  history: readonly Op[],
  model: Model<unknown>,
): ModelMismatchError | undefined {
  if (!model.accepts) return undefined;
  const { paired } = pairCalls(history);
  const bad = paired.calls.findIndex((c) => !model.accepts!(c));
  return bad < 0 ? undefined : mismatchError(history, model, paired, bad);
}

/**
 * Pairs invokes with completions, applies fail/info semantics, splits by the model's partition.
 * Throws ModelMismatchError when the model cannot interpret an op (see findUninterpretableOp).
 */
export function prepareHistory(history: readonly Op[], model: Model<unknown>): Prepared {
  const { paired, problems, nemesis } = pairCalls(history);
  if (model.accepts) {
    const bad = paired.calls.findIndex((c) => !model.accepts!(c));
    if (bad >= 0) throw mismatchError(history, model, paired, bad);
  }
  const byKey = new Map<string, PreparedOp[]>();
  let failed = 0;
  let opCount = 0;
  const { invokes, completions, calls } = paired;
  for (let k = 0; k < calls.length; k++) {
    const position = invokes[k]!;
    const c = completions[k]!;
    let call = calls[k]!;
    if (call.outcome === 'fail' && !model.keepFailed?.(call)) {
      failed++;
      continue;
    }
    let key = '';
    if (model.partition) ({ key, call } = model.partition(call));
    const crashed = call.outcome === 'info';
    const op: PreparedOp = {
      call,
      callPos: position,
      retPos: crashed || c < 0 ? Number.POSITIVE_INFINITY : c,
      crashed,
      invoke: history[position]!,
      completion: c >= 0 ? history[c] : undefined,
    };
    opCount++;
    const list = byKey.get(key);
    if (list) list.push(op);
    else byKey.set(key, [op]);
  }
  const inner = model.partition ? (model.partitionModel ?? model) : model;
  const partitions: Partition[] = [];
  for (const [key, all] of byKey) {
    const drop = inner.prune?.(all.map((o) => o.call));
    if (!drop || drop.size === 0) {
      partitions.push({ key, model: inner, ops: all, pruned: [] });
      continue;
    }
    partitions.push({
      key,
      model: inner,
      ops: all.filter((_, i) => !drop.has(i)),
      pruned: all.filter((_, i) => drop.has(i)),
    });
  }
  return { partitions, opCount, dropped: { failed, nemesis }, problems };
}
