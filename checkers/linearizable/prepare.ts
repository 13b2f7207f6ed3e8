import type { Op } from '../../src/core/op.ts';
import { pairOps } from '../../src/history/pairs.ts';
import type { Call, Model } from './model.ts';

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

/** Pairs invokes with completions, applies fail/info semantics, splits by the model's partition. */
export function prepareHistory(history: readonly Op[], model: Model<unknown>): Prepared {
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
