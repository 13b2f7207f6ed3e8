/**
 * From a history to transactions: each client `txn` invoke paired with its completion (same process, as
 * src/history/pairs.ts pairs ops), micro-ops normalised to {@link Mop}. Elle reads `[f k v]` micro-ops
 * with `f` one of `:append :r :w` (jepsen.txn); we accept the function as a string (`"append"`, `":r"`)
 * or a keyword (`{"$kw":"append"}`). Nemesis ops and client ops of another `f` are not transactions
 * and are skipped. Pure, no I/O.
 */

import { UserError } from '../../src/core/errors.ts';
import type { Op } from '../../src/core/op.ts';
import { isKeyword, sameValue, showValue } from '../../src/history/values.ts';
import { Interner, PairTable, ValueIds } from './intern.ts';
import type { Mop, MopF, Txn, TxnWorkload } from './types.ts';

/** The `f` of a transaction op, as Jepsen's `:txn`. */
export const TXN_F = 'txn';

/** A micro-op's function from its raw `f`, or undefined when it is none of append/r/w. */
export function mopF(raw: unknown): MopF | undefined {
  if (raw === 'r' || raw === 'append' || raw === 'w') return raw;
  let s: string | undefined;
  if (typeof raw === 'string') s = raw.startsWith(':') ? raw.slice(1) : raw;
  else if (isKeyword(raw)) s = raw.$kw;
  return s === 'append' || s === 'r' || s === 'w' ? s : undefined;
}

/**
 * Parses a txn value into micro-ops; returns a one-phrase reason instead when it is not a list of
 * `[f k v]` (a read may omit `v`). `keepReads` false sets every read's value to null (unknown).
 */
function parseMops(value: unknown, keepReads: boolean): Mop[] | string {
  if (!Array.isArray(value)) return `its value ${clip(showValue(value))} is not a list of [f k v] micro-ops`;
  const mops: Mop[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const m = value[i];
    if (!Array.isArray(m) || m.length < 2 || m.length > 3)
      return `micro-op ${i + 1} (${clip(showValue(m))}) is not [f k v]`;
    const f = mopF(m[0]);
    if (!f)
      return `micro-op ${i + 1} (${clip(showValue(m))}) has f ${clip(showValue(m[0]))}, not :append, :r or :w`;
    if (f !== 'r' && m.length < 3) return `micro-op ${i + 1} (${clip(showValue(m))}) writes no value`;
    const v = m[2] === undefined ? null : m[2];
    mops[i] = { f, key: m[1], value: f === 'r' && !keepReads ? null : v };
  }
  return mops;
}

const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}…` : s);

interface Open {
  txn: Txn;
  invoke: Op;
}

/**
 * The transactions of a history, dense ids in invoke order. Each client `txn` invoke is paired with the
 * next completion of its process; `ok` txns take the completion's micro-ops (reads carry what they
 * returned), `fail` and `info` txns the invoke's with reads unknown (null); an invoke the history never
 * completes is `info` with no completion. Throws UserError (one line, naming the op) on what
 * {@link findMalformedTxn} would reject structurally: a value that is not a list of `[f k v]`, a
 * completion without an invoke, a second invoke while one is open. Call findMalformedTxn first to
 * refuse everything it checks (workload fit, unique writes) before inference.
 */
export function txnsOf(history: readonly Op[]): Txn[] {
  const txns: Txn[] = [];
  const open = new Map<number, Open>();
  for (let p = 0; p < history.length; p++) {
    const op = history[p]!;
    if (op.f !== TXN_F || op.process === 'nemesis') continue;
    const proc = op.process;
    if (op.type === 'invoke') {
      if (open.has(proc))
        throw new UserError(
          `op #${op.index}: process ${proc} invokes a txn while its txn #${open.get(proc)!.invoke.index} is still open; each process runs one txn at a time`,
        );
      const mops = parseMops(op.value, false);
      if (typeof mops === 'string') throw new UserError(`op #${op.index}: txn invoke: ${mops}`);
      const txn: Txn = {
        id: txns.length,
        process: proc,
        type: 'info',
        mops,
        invokeIndex: op.index,
        completeIndex: undefined,
        invokeTimeNs: op.time,
        completeTimeNs: undefined,
      };
      if (op.node !== undefined) txn.node = op.node;
      txns.push(txn);
      open.set(proc, { txn, invoke: op });
      continue;
    }
    const o = open.get(proc);
    if (!o)
      throw new UserError(
        `op #${op.index}: ${op.type} txn from process ${proc} has no open invoke; each completion must follow its process's invoke`,
      );
    open.delete(proc);
    const txn = o.txn;
    txn.type = op.type;
    txn.completeIndex = op.index;
    txn.completeTimeNs = op.time;
    if (op.node !== undefined && txn.node === undefined) txn.node = op.node;
    if (op.type === 'ok') {
      const mops = parseMops(op.value, true);
      if (typeof mops === 'string') throw new UserError(`op #${op.index}: ok txn: ${mops}`);
      txn.mops = mops;
    }
  }
  return txns;
}

/** Where a history's first malformed txn op is (`position` in the array) and what is wrong, in one line. */
export interface MalformedTxn {
  position: number;
  message: string;
}

/**
 * The first txn op of `history` the `workload`'s inference cannot interpret, or undefined when all are
 * fine. Pure; never throws. Callers refuse such input (UserError, exit 254) rather than give a verdict.
 * Checks, per Elle (elle/list_append.clj `verify-mop-types`, `verify-unique-appends`; elle/rw_register.clj
 * requires unique writes too):
 * - every txn value is a list of `[f k v]` with `f` the workload's (list-append `:append :r`,
 *   rw-register `:w :r`);
 * - pairing: a completion has an open invoke of its process, no process invokes twice;
 * - an ok completion has the invoke's micro-ops (same count, functions and keys), and in list-append
 *   every read returned a list (or nil, the empty list);
 * - no value is appended/written to one key twice (every version has one writer).
 */
export function findMalformedTxn(history: readonly Op[], workload: TxnWorkload): MalformedTxn | undefined {
  const writeF: MopF = workload === 'list-append' ? 'append' : 'w';
  const otherF: MopF = workload === 'list-append' ? 'w' : 'append';
  const other = workload === 'list-append' ? 'rw-register' : 'list-append';
  const verb = workload === 'list-append' ? ['appends', 'appended'] : ['writes', 'wrote'];
  const open = new Map<number, Op>();
  const keys = new Interner();
  const values = new ValueIds();
  const writtenBy = new PairTable(4096);
  for (let p = 0; p < history.length; p++) {
    const op = history[p]!;
    if (op.f !== TXN_F || op.process === 'nemesis') continue;
    const bad = (message: string): MalformedTxn => ({ position: p, message: `op #${op.index}: ${message}` });
    // A fail/info completion's value is not used (the invoke's micro-ops are), so only invokes and oks must parse.
    const checked = op.type === 'invoke' || op.type === 'ok';
    if (checked) {
      const problem = shapeProblem(op.value);
      if (problem) return bad(`${op.type} txn: ${problem}`);
      const ms = op.value as unknown[][];
      for (let i = 0; i < ms.length; i++) {
        if (mopF(ms[i]![0]) === otherF)
          return bad(
            `micro-op ${i + 1} is ${rawMopText(ms[i]!)}, but ${workload} txns have only :${writeF} and :r (use --workload ${other})`,
          );
      }
    }
    if (op.type === 'invoke') {
      const prev = open.get(op.process);
      if (prev)
        return bad(
          `process ${op.process} invokes a txn while its txn #${prev.index} is still open; each process runs one txn at a time`,
        );
      open.set(op.process, op);
      const ms = op.value as unknown[][];
      for (const m of ms) {
        if (mopF(m[0]) !== writeF) continue;
        const k = keys.id(m[1]);
        const v = values.id(m[2]);
        const first = writtenBy.get(k, v);
        if (first >= 0)
          return bad(
            `${verb[0]} ${showValue(m[2])} to key ${showValue(m[1])}, which op #${history[first]!.index} already ${verb[1]}: values must be unique per key (every version needs one writer)`,
          );
        writtenBy.set(k, v, p);
      }
      continue;
    }
    const inv = open.get(op.process);
    if (!inv)
      return bad(
        `${op.type} txn from process ${op.process} has no open invoke; each completion must follow its process's invoke`,
      );
    open.delete(op.process);
    if (op.type !== 'ok') continue;
    const done = op.value as unknown[][];
    const asked = inv.value as unknown[][];
    if (done.length !== asked.length)
      return bad(
        `the ok txn has ${done.length} micro-ops but its invoke #${inv.index} has ${asked.length}; a completion repeats the invoke's micro-ops with the reads filled in`,
      );
    for (let i = 0; i < done.length; i++) {
      const a = asked[i]!;
      const b = done[i]!;
      const f = mopF(b[0]);
      if (f !== mopF(a[0]) || !sameValue(a[1], b[1]))
        return bad(
          `micro-op ${i + 1} is ${rawMopText(b)} but the invoke #${inv.index} had ${rawMopText(a)}; a completion repeats the invoke's micro-ops with the reads filled in`,
        );
      if (f !== 'r' && !sameValue(a[2], b[2]))
        return bad(
          `micro-op ${i + 1} ${verb[0]} ${showValue(b[2])} but the invoke #${inv.index} ${verb[1]} ${showValue(a[2])}`,
        );
      if (workload === 'list-append' && f === 'r' && b[2] != null && !Array.isArray(b[2]))
        return bad(
          `micro-op ${i + 1} reads key ${clip(showValue(b[1]))} = ${clip(showValue(b[2]))}, not a list: list-append reads return the list of appended values (use --workload rw-register for registers)`,
        );
    }
  }
  return undefined;
}

/** Why a txn value is not a list of `[f k v]` micro-ops (reads may omit v), or undefined. No allocation. */
function shapeProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `its value ${clip(showValue(value))} is not a list of [f k v] micro-ops`;
  for (let i = 0; i < value.length; i++) {
    const m = value[i];
    if (!Array.isArray(m) || m.length < 2 || m.length > 3)
      return `micro-op ${i + 1} (${clip(showValue(m))}) is not [f k v]`;
    const f = mopF(m[0]);
    if (!f)
      return `micro-op ${i + 1} (${clip(showValue(m))}) has f ${clip(showValue(m[0]))}, not :append, :r or :w`;
    if (f !== 'r' && m.length < 3) return `micro-op ${i + 1} (${clip(showValue(m))}) writes no value`;
  }
  return undefined;
}

const rawMopText = (m: unknown[]): string =>
  mopText({ f: mopF(m[0]) ?? 'r', key: m[1], value: m[2] ?? null });

/** A micro-op as Elle prints it, e.g. `[:append 3 4]`. */
export function mopText(m: Mop): string {
  return clip(`[:${m.f} ${showValue(m.key)} ${showValue(m.value)}]`);
}
