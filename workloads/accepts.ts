import { bankSumTooLarge } from '../checkers/bank.ts';
import { isBankTxnValue } from '../checkers/bank-txn.ts';
import { counterSumTooLarge } from '../checkers/counter.ts';
import { findMalformedTxn } from '../checkers/elle/txns.ts';
import type { Call, Model } from '../checkers/linearizable/index.ts';
import {
  findUninterpretableOp,
  getModel,
  ModelMismatchError,
  modelNames,
} from '../checkers/linearizable/index.ts';
import { findMalformedLongForkOp, longForkCallProblem } from '../checkers/long-fork.ts';
import { findMalformedQueueOp, QUEUE_TAKES, queueCallProblem } from '../checkers/total-queue.ts';
import { findMalformedUniqueIdsOp, uniqueIdsCallProblem } from '../checkers/unique-ids.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import { elementsOf, showValue } from '../src/history/values.ts';
import { isTxnCall, TXN_TAKES, txnCallProblem, withTxnF } from './txn-accepts.ts';

export { withTxnF };

/**
 * Which client ops each workload's checkers can interpret, so `analyze --workload W` refuses a history
 * of another kind (txns under `set`, keyword deltas under `counter`) with one line instead of a verdict.
 * Pure predicates on one call: `f`, and the value (an ok op's completion value, else the invoke's).
 */
export interface WorkloadOps {
  /** What the workload's ops look like, for the error. */
  readonly takes: string;
  accepts(call: Call): boolean;
  /** Why the workload cannot take a call it refuses, when more can be said than `takes` (a micro-op). */
  problem?(call: Call): string | undefined;
}

/** A txn workload's entry: its shape check (./txn-accepts.ts) as both the predicate and the reason. */
const txnWorkload = (w: 'list-append' | 'rw-register'): WorkloadOps => ({
  takes: TXN_TAKES[w],
  accepts: (c) => txnCallProblem(w, c) === undefined,
  problem: (c) => txnCallProblem(w, c),
});

/** A workload entry from its checker's per-call shape check (the reason it gives is the problem). */
const fromProblem = (takes: string, problem: (c: Call) => string | undefined): WorkloadOps => ({
  takes,
  accepts: (c) => problem(c) === undefined,
  problem,
});

/**
 * Whole-history shape checks of workloads whose checkers read a pair's invoke and completion together
 * (an ok dequeue without its element, a txn whose completion differs from its invoke): the first op
 * they cannot read, with the reason, as the checkers themselves report it (their verdict is then unknown).
 */
const MALFORMED_OP: Record<string, (history: readonly Op[]) => { op: Op; message: string } | undefined> = {
  queue: findMalformedQueueOp,
  'unique-ids': findMalformedUniqueIdsOp,
  'long-fork': findMalformedLongForkOp,
};

/** Integers the counter and bank checkers add up exactly (they use doubles). */
const safeInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);
const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !elementsOf(v);

/** The ops each workload's checkers interpret, by workload name (as --workload). */
export const WORKLOAD_OPS: Record<string, WorkloadOps> = {
  // First, so a txn history's hints name them before bank (which takes r/w txns of integers too).
  'list-append': txnWorkload('list-append'),
  'rw-register': txnWorkload('rw-register'),
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
      'read {account balance…} or [balance…] (nil balances allowed), transfer {:from a :to b :amount n}, or txn [[:r account balance] [:w account balance] …] (integers within ±2^53)',
    accepts: (c) => {
      // Jepsen's bank as txns over one register per account (checkers/bank-txn.ts).
      if (c.f === 'txn') return isBankTxnValue(c.value);
      if (c.f === 'transfer') return isMap(c.value) && safeInt(c.value.amount);
      if (c.f !== 'read') return false;
      if (c.value === null || c.value === undefined) return true;
      const xs = Array.isArray(c.value) ? c.value : isMap(c.value) ? Object.values(c.value) : undefined;
      // A nil balance is an anomaly the checker reports (nil-balance), not input it cannot read.
      return xs?.every((x) => x === null || x === undefined || safeInt(x)) ?? false;
    },
  },
};

WORKLOAD_OPS.queue = fromProblem(QUEUE_TAKES, queueCallProblem);
WORKLOAD_OPS['unique-ids'] = fromProblem(
  'generate → id (an ok generate carries its id)',
  uniqueIdsCallProblem,
);
WORKLOAD_OPS['long-fork'] = fromProblem(
  'txn [[w k v]] (one insert) or txn [[r k v] …] (a read of a group of keys)',
  longForkCallProblem,
);

/**
 * Per workload, the position of the first op past which its checker's sums could leave the safe integer
 * range (each value within it, their sum not), so it would round instead of checking exactly.
 */
const SUM_TOO_LARGE: Record<string, (history: readonly Op[]) => number | undefined> = {
  counter: counterSumTooLarge,
  bank: bankSumTooLarge,
};

type Positioned = { position: number; call: Call };

/**
 * What stops workload `name` from checking a history whose every op it takes, as a phrase and the op's
 * position: sums past 2^53 (counter, bank), a value written twice to one key (rw-register).
 */
function historyObstacle(
  name: string,
  history: readonly Op[],
): { position: number; what: string } | undefined {
  const at = SUM_TOO_LARGE[name]?.(history);
  if (at !== undefined) {
    const what = name === 'counter' ? 'the sum of |deltas|' : "this read's sum of |balances|";
    return {
      position: at,
      what: `values too large to check exactly (${what} passes 2^53−1, and the ${name} checker adds in doubles)`,
    };
  }
  if (name === 'list-append' || name === 'rw-register') {
    // What the inference itself refuses (a completion unlike its invoke, a value written twice to a
    // key), on the ops that pair as the checker pairs them: impossible pairings are the history
    // validator's (UNKNOWN unless --allow-malformed). One pass; the checker then skips it (txns.ts).
    const bad = findMalformedTxn(withTxnF(history), name, { unpaired: 'skip' });
    if (bad) return { position: bad.position, what: bad.message };
  }
  return undefined;
}

/** Each client op's position (its invoke) and call, as the checkers see it. */
function calls(history: readonly Op[]): Positioned[] {
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

const isTxnWorkload = (name: string): name is keyof typeof TXN_TAKES => Object.hasOwn(TXN_TAKES, name);

/** The first pair's call (by its invoke's position) that `w` refuses. */
function firstRefused(history: readonly Op[], w: WorkloadOps): Positioned | undefined {
  return calls(history).find(({ call }) => !w.accepts(call));
}

/**
 * The first client op (an invoke, or an ok completion, whose reads the checker reads) whose value txn
 * workload `name` cannot interpret: one pass, no pairing, so that checking a million-txn history's
 * shape costs little next to the check itself. fail/info completions' values are never read.
 */
function firstTxnShapeProblem(history: readonly Op[], name: keyof typeof TXN_TAKES): Positioned | undefined {
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (op.process === 'nemesis' || (op.type !== 'invoke' && op.type !== 'ok')) continue;
    const call: Call = { f: op.f, value: op.value, outcome: op.type === 'ok' ? 'ok' : 'info' };
    if (txnCallProblem(name, call) !== undefined) return { position: i, call };
  }
  return undefined;
}

/** `--workload W` and `--model M` choices that take every client op of the history. */
export function fittingChecks(history: readonly Op[]): string[] {
  const all = calls(history);
  // long-fork takes a subset of rw-register's txns, which rw-register checks too: not offered as a fit.
  const workloads = Object.keys(WORKLOAD_OPS).filter(
    (w) =>
      w !== 'long-fork' &&
      all.every(({ call }) => WORKLOAD_OPS[w]!.accepts(call)) &&
      !historyObstacle(w, history),
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
  const hint = () => {
    const fits = fittingChecks(history).filter((c) => c !== `--workload ${name}`);
    return fits.length
      ? `check it with ${fits.join(' or ')}`
      : 'no workload or model here takes every op of it';
  };
  const malformed = MALFORMED_OP[name]?.(history);
  if (malformed)
    return {
      message: `${malformed.message}: the ${name} workload cannot check it (it takes ${w.takes}); ${hint()}`,
      position: history.indexOf(malformed.op),
    };
  const bad = isTxnWorkload(name) ? firstTxnShapeProblem(history, name) : firstRefused(history, w);
  if (!bad) {
    const obstacle = historyObstacle(name, history);
    if (!obstacle) return undefined;
    const op = history[obstacle.position]!;
    return {
      message: isTxnWorkload(name)
        ? `${obstacle.what}; ${hint()}`
        : `op ${op.index} (${op.f} ${showValue(op.value).slice(0, 60)}): ${obstacle.what}`,
      position: obstacle.position,
    };
  }
  const op = history[bad.position]!;
  const why = w.problem?.(bad.call);
  return {
    message: `op ${op.index} (${op.f} ${showValue(bad.call.value).slice(0, 60)}): the ${name} workload cannot check it (${why ? `${why}; ` : ''}it takes ${w.takes}); ${hint()}`,
    position: bad.position,
  };
}

/**
 * The first client op model `model` cannot interpret (see findUninterpretableOp), or undefined. For a
 * transactional history the hint names the txn workloads that fit (list-append, rw-register: by the
 * micro-op names seen) before the models, since a model judges linearizability, not isolation.
 */
export function findOpModelCannotCheck(
  history: readonly Op[],
  model: Model<unknown>,
): ModelMismatchError | undefined {
  const mismatch = findUninterpretableOp(history, model);
  if (!mismatch || !calls(history).some(({ call }) => isTxnCall(call))) return mismatch;
  const fits = fittingChecks(history);
  const hint = fits.length
    ? `check it with ${fits.join(' or ')}`
    : 'no workload or model here takes every op of it (txn workloads: --workload list-append, --workload rw-register)';
  // The model's own text up to its hint, which is replaced.
  const head = mismatch.message.slice(0, mismatch.message.lastIndexOf('; '));
  return new ModelMismatchError(`${head}; ${hint}`, mismatch.position);
}

/**
 * How to check a history given neither --workload nor --model: the choices that take every op of it
 * (e.g. `--workload list-append` for Elle's append txns), or undefined when none does.
 */
export function suggestedChecks(history: readonly Op[]): string | undefined {
  const fits = fittingChecks(history);
  return fits.length ? fits.join(' or ') : undefined;
}
