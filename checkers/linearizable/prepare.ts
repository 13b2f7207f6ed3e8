import type { Op } from '../../src/core/op.ts';
import { pairOps } from '../../src/history/pairs.ts';
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

/** Each client op as the model sees it: its invoke position, and the call (ok: the completion's value). */
function calls(history: readonly Op[]): { position: number; call: Call }[] {
  const pos = new Map<Op, number>();
  const client: Op[] = [];
  history.forEach((op, i) => {
    if (op.process !== 'nemesis') {
      pos.set(op, i);
      client.push(op);
    }
  });
  return pairOps(client).pairs.map(({ invoke, completion }) => {
    const type = completion?.type ?? 'info';
    const outcome = type === 'ok' ? 'ok' : type === 'fail' ? 'fail' : 'info';
    const value =
      outcome === 'ok' && completion && completion.value !== undefined ? completion.value : invoke.value;
    return { position: pos.get(invoke)!, call: { f: invoke.f, value, outcome } };
  });
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
  const all = calls(history);
  const bad = all.find(({ call }) => !model.accepts!(call));
  if (!bad) return undefined;
  const op = history[bad.position]!;
  const fits = modelNames().filter((name) => {
    const m = getModel(name);
    return m.accepts !== undefined && all.every(({ call }) => m.accepts!(call));
  });
  const takes = model.takes ? ` (it takes ${model.takes})` : '';
  const hint = fits.length
    ? `check it with --model ${fits.join(' or --model ')}`
    : `no model takes every op of this history (models: ${modelNames().join(', ')})`;
  return new ModelMismatchError(
    `op ${op.index} (${op.f} ${showValue(bad.call.value).slice(0, 60)}): the ${model.name} model cannot check ${op.f} ops${takes}; ${hint}`,
    bad.position,
  );
}

/**
 * Pairs invokes with completions, applies fail/info semantics, splits by the model's partition.
 * Throws ModelMismatchError when the model cannot interpret an op (see findUninterpretableOp).
 */
export function prepareHistory(history: readonly Op[], model: Model<unknown>): Prepared {
  const mismatch = findUninterpretableOp(history, model);
  if (mismatch) throw mismatch;
  const pos = new Map<Op, number>();
  const client: Op[] = [];
  let nemesis = 0;
  history.forEach((op, i) => {
    if (op.process === 'nemesis') nemesis++;
    else {
      pos.set(op, i);
      client.push(op);
    }
  });
  const { pairs, problems } = pairOps(client);
  const byKey = new Map<string, PreparedOp[]>();
  let failed = 0;
  let opCount = 0;
  for (const { invoke, completion } of pairs) {
    const type = completion?.type ?? 'info';
    const outcome = type === 'ok' ? 'ok' : type === 'fail' ? 'fail' : 'info';
    const value =
      outcome === 'ok' && completion && completion.value !== undefined ? completion.value : invoke.value;
    let call: Call = { f: invoke.f, value, outcome };
    if (outcome === 'fail' && !model.keepFailed?.(call)) {
      failed++;
      continue;
    }
    let key = '';
    if (model.partition) ({ key, call } = model.partition(call));
    const crashed = outcome === 'info';
    const op: PreparedOp = {
      call,
      callPos: pos.get(invoke)!,
      retPos: crashed || !completion ? Number.POSITIVE_INFINITY : pos.get(completion)!,
      crashed,
      invoke,
      completion,
    };
    opCount++;
    const list = byKey.get(key);
    if (list) list.push(op);
    else byKey.set(key, [op]);
  }
  const inner = model.partition ? (model.partitionModel ?? model) : model;
  const partitions: Partition[] = [];
  for (const [key, all] of byKey) {
    const drop = inner.prune?.(all.map((o) => o.call)) ?? new Set<number>();
    partitions.push({
      key,
      model: inner,
      ops: all.filter((_, i) => !drop.has(i)),
      pruned: all.filter((_, i) => drop.has(i)),
    });
  }
  return { partitions, opCount, dropped: { failed, nemesis }, problems };
}
