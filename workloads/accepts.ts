import { bankSumTooLarge } from '../checkers/bank.ts';
import { counterSumTooLarge } from '../checkers/counter.ts';
import type { Call } from '../checkers/linearizable/index.ts';
import { findUninterpretableOp, getModel, modelNames } from '../checkers/linearizable/index.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import { elementsOf, showValue } from '../src/history/values.ts';

/**
 * Which client ops each workload's checkers can interpret, so `analyze --workload W` refuses a history
 * of another kind (txns under `set`, keyword deltas under `counter`) with one line instead of a verdict.
 * Pure predicates on one call: `f`, and the value (an ok op's completion value, else the invoke's).
 */
export interface WorkloadOps {
  /** What the workload's ops look like, for the error. */
  readonly takes: string;
  accepts(call: Call): boolean;
}

/** Integers the counter and bank checkers add up exactly (they use doubles). */
const safeInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);
const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !elementsOf(v);

/** The ops each workload's checkers interpret, by workload name (as --workload). */
export const WORKLOAD_OPS: Record<string, WorkloadOps> = {
  register: {
    takes: getModel('kv').takes ?? 'kv',
    accepts: (c) => getModel('kv').accepts?.(c) ?? true,
  },
  set: {
    takes: 'add v, read [v…] or #{v…}',
    accepts: (c) =>
      c.f === 'add' ||
      (c.f === 'read' && (c.value === null || c.value === undefined || !!elementsOf(c.value))),
  },
  counter: {
    takes: 'add n, read n (integers within ±2^53)',
    accepts: (c) =>
      (c.f === 'add' && safeInt(c.value)) ||
      (c.f === 'read' && (c.value === null || c.value === undefined || safeInt(c.value))),
  },
  bank: {
    takes:
      'read {account balance…} or [balance…] (nil balances allowed), transfer {:from a :to b :amount n} (integers within ±2^53)',
    accepts: (c) => {
      if (c.f === 'transfer') return isMap(c.value) && safeInt(c.value.amount);
      if (c.f !== 'read') return false;
      if (c.value === null || c.value === undefined) return true;
      const xs = Array.isArray(c.value) ? c.value : isMap(c.value) ? Object.values(c.value) : undefined;
      // A nil balance is an anomaly the checker reports (nil-balance), not input it cannot read.
      return xs?.every((x) => x === null || x === undefined || safeInt(x)) ?? false;
    },
  },
};

/**
 * Per workload, the position of the first op past which its checker's sums could leave the safe integer
 * range (each value within it, their sum not), so it would round instead of checking exactly.
 */
const SUM_TOO_LARGE: Record<string, (history: readonly Op[]) => number | undefined> = {
  counter: counterSumTooLarge,
  bank: bankSumTooLarge,
};

/** Each client op's position (its invoke) and call, as the checkers see it. */
function calls(history: readonly Op[]): { position: number; call: Call }[] {
  const pos = new Map<Op, number>();
  const client = history.filter((op, i) => {
    pos.set(op, i);
    return op.process !== 'nemesis';
  });
  return pairOps(client).pairs.map(({ invoke, completion }) => {
    const outcome = completion?.type === 'ok' ? 'ok' : completion?.type === 'fail' ? 'fail' : 'info';
    const value = outcome === 'ok' && completion?.value !== undefined ? completion.value : invoke.value;
    return { position: pos.get(invoke)!, call: { f: invoke.f, value, outcome } };
  });
}

/** `--workload W` and `--model M` choices that take every client op of the history. */
export function fittingChecks(history: readonly Op[]): string[] {
  const all = calls(history);
  const workloads = Object.keys(WORKLOAD_OPS).filter((w) =>
    all.every(({ call }) => WORKLOAD_OPS[w]!.accepts(call)),
  );
  const models = modelNames().filter((m) => findUninterpretableOp(history, getModel(m)) === undefined);
  return [...workloads.map((w) => `--workload ${w}`), ...models.map((m) => `--model ${m}`)];
}

/**
 * The first client op workload `name` cannot interpret, as a one-line message and the op's position in
 * the history, or undefined when it takes them all (or the workload is unknown here).
 */
export function findOpWorkloadCannotCheck(
  history: readonly Op[],
  name: string,
): { message: string; position: number } | undefined {
  const w = Object.hasOwn(WORKLOAD_OPS, name) ? WORKLOAD_OPS[name] : undefined;
  if (!w) return undefined;
  const bad = calls(history).find(({ call }) => !w.accepts(call));
  if (!bad) {
    const at = SUM_TOO_LARGE[name]?.(history);
    if (at === undefined) return undefined;
    const op = history[at]!;
    const what = name === 'counter' ? 'the sum of |deltas|' : "this read's sum of |balances|";
    return {
      message: `op ${op.index} (${op.f} ${showValue(op.value).slice(0, 60)}): values too large to check exactly (${what} passes 2^53−1, and the ${name} checker adds in doubles)`,
      position: at,
    };
  }
  const op = history[bad.position]!;
  const fits = fittingChecks(history);
  const hint = fits.length
    ? `check it with ${fits.join(' or ')}`
    : 'no workload or model here takes every op of it';
  return {
    message: `op ${op.index} (${op.f} ${showValue(bad.call.value).slice(0, 60)}): the ${name} workload cannot check it (it takes ${w.takes}); ${hint}`,
    position: bad.position,
  };
}
