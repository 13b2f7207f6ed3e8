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
import type { Mop, MopF, Txn, TxnType, TxnWorkload } from './types.ts';

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

const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}…` : s);

/** A txn's outcome as the small int of {@link TxnColumns.type}: ok 0, info 1, fail 2. */
export const TYPE_OK = 0;
export const TYPE_INFO = 1;
export const TYPE_FAIL = 2;
const TYPE_NAMES: readonly TxnType[] = ['ok', 'info', 'fail'];

/**
 * The per-txn data of {@link txnsOf}'s txns, column by column (ids index every array), so inference
 * passes over a million txns read flat arrays instead of objects, and no micro-op objects are built:
 * `raw` holds each txn's micro-op list as the history does (`[f k v]` arrays, `f` unnormalised).
 * Plain arrays of numbers (V8 keeps them unboxed: Smis or doubles), not typed arrays: a typed array's
 * buffer is external memory, and every 64 MB of that starts a full GC, which at a million txns marks
 * the whole history (~1 s).
 */
export interface TxnColumns {
  /** Outcome: {@link TYPE_OK}, {@link TYPE_INFO}, {@link TYPE_FAIL}. */
  type: number[];
  process: number[];
  /** `Op.index` of the invoke; of the completion (−1: none). */
  invokeIndex: number[];
  completeIndex: number[];
  /** Invoke and completion time, ns (NaN: none). */
  invokeTimeNs: number[];
  completeTimeNs: number[];
  /** Per txn its node, when some op recorded one. */
  node: (string | undefined)[] | undefined;
  /** Per txn the raw micro-op list: the ok completion's, else the invoke's (whose reads are unknown). */
  raw: (readonly (readonly unknown[])[])[];
  /** Parsed micro-ops, built on first access to a txn's `mops`. */
  mops: (Mop[] | undefined)[] | undefined;
}

/** A txn of {@link txnsOf}: its fields are read from the shared {@link TxnColumns} (a few bytes per txn). */
class ColumnTxn implements Txn {
  private readonly c: TxnColumns;
  readonly id: number;
  constructor(c: TxnColumns, id: number) {
    this.c = c;
    this.id = id;
  }
  get process(): number {
    return this.c.process[this.id]!;
  }
  get type(): TxnType {
    return TYPE_NAMES[this.c.type[this.id]!]!;
  }
  get mops(): Mop[] {
    if (!this.c.mops) this.c.mops = new Array(this.c.raw.length);
    const got = this.c.mops[this.id];
    if (got) return got;
    const mops = normalisedMops(this.c.raw[this.id]!, this.c.type[this.id] === TYPE_OK);
    this.c.mops[this.id] = mops;
    return mops;
  }
  get invokeIndex(): number {
    return this.c.invokeIndex[this.id]!;
  }
  get completeIndex(): number | undefined {
    const i = this.c.completeIndex[this.id]!;
    return i < 0 ? undefined : i;
  }
  get invokeTimeNs(): number {
    return this.c.invokeTimeNs[this.id]!;
  }
  get completeTimeNs(): number | undefined {
    const t = this.c.completeTimeNs[this.id]!;
    return Number.isNaN(t) ? undefined : t;
  }
  get node(): string | undefined {
    return this.c.node?.[this.id];
  }
  /** As a plain object (for JSON and test equality, which do not see getters). */
  toJSON(): Txn {
    const { id, process, type, mops, invokeIndex, completeIndex, invokeTimeNs, completeTimeNs, node } = this;
    return {
      id,
      process,
      type,
      mops,
      invokeIndex,
      completeIndex,
      invokeTimeNs,
      completeTimeNs,
      ...(node === undefined ? {} : { node }),
    };
  }
}

/** Micro-ops of a well-formed raw list (see shapeProblem); reads' values null unless `keepReads`. */
function normalisedMops(raw: readonly (readonly unknown[])[], keepReads: boolean): Mop[] {
  const out: Mop[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const m = raw[i]!;
    const f = mopF(m[0])!;
    const v = m[2] === undefined ? null : m[2];
    out[i] = { f, key: m[1], value: f === 'r' && !keepReads ? null : v };
  }
  return out;
}

/** The columns behind the txn arrays txnsOf returned (an array changed since is not found: see txnsOf). */
const columnsOf = new WeakMap<readonly Txn[], TxnColumns>();

/**
 * The {@link TxnColumns} of `txns`: those txnsOf built them from, else (hand-made txns, or an array
 * changed since) columns made from the txns' fields, whose `raw` lists are their normalised micro-ops.
 */
export function txnColumns(txns: readonly Txn[]): TxnColumns {
  const known = columnsOf.get(txns);
  if (known && known.raw.length === txns.length) return known;
  const n = txns.length;
  const c = emptyColumns(n);
  for (let i = 0; i < n; i++) {
    const t = txns[i]!;
    c.type[i] = t.type === 'ok' ? TYPE_OK : t.type === 'fail' ? TYPE_FAIL : TYPE_INFO;
    c.process[i] = t.process;
    c.invokeIndex[i] = t.invokeIndex;
    c.completeIndex[i] = t.completeIndex ?? -1;
    c.invokeTimeNs[i] = t.invokeTimeNs;
    c.completeTimeNs[i] = t.completeTimeNs ?? Number.NaN;
    if (t.node !== undefined) setNode(c, i, t.node);
    c.raw[i] = t.mops.map((m) => [m.f, m.key, m.value]);
  }
  return c;
}

function setNode(c: TxnColumns, id: number, node: string): void {
  if (!c.node) c.node = new Array(c.raw.length);
  c.node[id] = node;
}

function emptyColumns(n: number): TxnColumns {
  return {
    type: new Array<number>(n).fill(TYPE_INFO),
    process: new Array<number>(n).fill(0),
    invokeIndex: new Array<number>(n).fill(-1),
    completeIndex: new Array<number>(n).fill(-1),
    invokeTimeNs: new Array<number>(n).fill(Number.NaN),
    completeTimeNs: new Array<number>(n).fill(Number.NaN),
    node: undefined,
    raw: new Array(n),
    mops: undefined,
  };
}

/** How txnsOf and findMalformedTxn treat ops that do not pair (see {@link TxnOptions}). */
export interface TxnOptions {
  /**
   * `refuse` (default): a completion with no open invoke, or a second invoke while one is open, is
   * malformed. `skip`: check what pairs, as src/history/pairs.ts pairs ops (the history validator
   * reports the rest): such a completion is ignored, and a second invoke leaves the first one open
   * (never completed, so `info`).
   */
  unpaired?: 'refuse' | 'skip';
}

/**
 * The transactions of a history, dense ids in invoke order. Each client `txn` invoke is paired with the
 * next completion of its process; `ok` txns take the completion's micro-ops (reads carry what they
 * returned), `fail` and `info` txns the invoke's with reads unknown (null); an invoke the history never
 * completes is `info` with no completion. The txns read their fields from shared {@link TxnColumns}
 * (see {@link txnColumns}); `mops` is built on first access. Throws UserError (one line, naming the op)
 * on what {@link findMalformedTxn} would reject structurally: a value that is not a list of `[f k v]`,
 * and (unless `opts.unpaired` is `skip`) a completion without an invoke or a second invoke while one
 * is open. Call findMalformedTxn first to refuse everything it checks (workload fit, unique writes)
 * before inference; a history it passed is not checked again here.
 */
export function txnsOf(history: readonly Op[], opts: TxnOptions = {}): Txn[] {
  const skip = opts.unpaired === 'skip';
  const checked = wasValidated(history, skip);
  const open = new Map<number, number>(); // process → id of its open txn
  let n = 0;
  for (let p = 0; p < history.length; p++) {
    const op = history[p]!;
    if (op.f === TXN_F && op.process !== 'nemesis' && op.type === 'invoke') n++;
  }
  const c = emptyColumns(n);
  const txns: Txn[] = new Array(n);
  let id = 0;
  for (let p = 0; p < history.length; p++) {
    const op = history[p]!;
    if (op.f !== TXN_F || op.process === 'nemesis') continue;
    const proc = op.process;
    if (op.type === 'invoke') {
      const prev = open.get(proc);
      if (prev !== undefined && !skip)
        throw new UserError(
          `op #${op.index}: process ${proc} invokes a txn while its txn #${c.invokeIndex[prev]} is still open; each process runs one txn at a time`,
        );
      // Checked now, taken at completion: an ok txn takes the completion's micro-ops instead.
      if (!checked) {
        const problem = shapeProblem(op.value);
        if (problem) throw new UserError(`op #${op.index}: txn invoke: ${problem}`);
      }
      c.type[id] = TYPE_INFO;
      c.process[id] = proc;
      c.invokeIndex[id] = op.index;
      c.completeIndex[id] = -1;
      c.invokeTimeNs[id] = op.time;
      c.completeTimeNs[id] = Number.NaN;
      c.raw[id] = op.value as unknown[][];
      if (op.node !== undefined) setNode(c, id, op.node);
      txns[id] = new ColumnTxn(c, id);
      open.set(proc, id++);
      continue;
    }
    const t = open.get(proc);
    if (t === undefined) {
      if (skip) continue;
      throw new UserError(
        `op #${op.index}: ${op.type} txn from process ${proc} has no open invoke; each completion must follow its process's invoke`,
      );
    }
    open.delete(proc);
    c.type[t] = op.type === 'ok' ? TYPE_OK : op.type === 'fail' ? TYPE_FAIL : TYPE_INFO;
    c.completeIndex[t] = op.index;
    c.completeTimeNs[t] = op.time;
    if (op.node !== undefined && c.node?.[t] === undefined) setNode(c, t, op.node);
    if (op.type === 'ok') {
      if (!checked) {
        const problem = shapeProblem(op.value);
        if (problem) throw new UserError(`op #${op.index}: ok txn: ${problem}`);
      }
      c.raw[t] = op.value as unknown[][];
    }
  }
  columnsOf.set(txns, c);
  return txns;
}

/**
 * Histories findMalformedTxn found fine, by workload and pairing mode, so a check after a caller's
 * validation (analyze validates before the checker runs) does not parse every micro-op again.
 * Histories are not changed once recorded (they are `readonly Op[]` throughout).
 */
const validated = new WeakMap<readonly Op[], Set<string>>();
const validKey = (workload: TxnWorkload | '*', skip: boolean) => `${workload}|${skip ? 'skip' : 'refuse'}`;

/** Whether findMalformedTxn passed `history` (for any workload; strict pairing also passes `skip`). */
function wasValidated(history: readonly Op[], skip: boolean): boolean {
  const s = validated.get(history);
  if (!s) return false;
  for (const k of s) if (!skip ? k.endsWith('|refuse') : true) return true;
  return false;
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
 * - pairing (unless `opts.unpaired` is `skip`, see {@link TxnOptions}): a completion has an open
 *   invoke of its process, no process invokes twice;
 * - an ok completion has the invoke's micro-ops (same count, functions and keys), and in list-append
 *   every read returned a list (or nil, the empty list);
 * - no value is appended/written to one key twice (every version has one writer), and none is nil
 *   (nil is the initial state: a read of it must not be mistaken for a write's).
 */
export function findMalformedTxn(
  history: readonly Op[],
  workload: TxnWorkload,
  opts: TxnOptions = {},
): MalformedTxn | undefined {
  const skip = opts.unpaired === 'skip';
  const seen = validated.get(history);
  if (seen?.has(validKey(workload, false)) || (skip && seen?.has(validKey(workload, true)))) return undefined;
  const bad = malformedTxn(history, workload, skip);
  if (!bad) {
    if (seen) seen.add(validKey(workload, skip));
    else validated.set(history, new Set([validKey(workload, skip)]));
  }
  return bad;
}

function malformedTxn(
  history: readonly Op[],
  workload: TxnWorkload,
  skip: boolean,
): MalformedTxn | undefined {
  const writeF: MopF = workload === 'list-append' ? 'append' : 'w';
  const otherF: MopF = workload === 'list-append' ? 'w' : 'append';
  const other = workload === 'list-append' ? 'rw-register' : 'list-append';
  const verb = workload === 'list-append' ? ['appends', 'appended'] : ['writes', 'wrote'];
  const open = new Map<number, Op>();
  // Processes whose open invoke another invoke superseded (skip mode): their next completion may belong
  // to either, an impossible pairing the history validator reports (UNKNOWN), not a malformed txn.
  const superseded = new Set<number>();
  const keys = new Interner();
  const values = new ValueIds();
  const writtenBy = new PairTable(Math.min(1 << 22, Math.max(4096, history.length)));
  for (let p = 0; p < history.length; p++) {
    const op = history[p]!;
    if (op.f !== TXN_F || op.process === 'nemesis') continue;
    // A fail/info completion's value is not used (the invoke's micro-ops are), so only invokes and oks must parse.
    const checked = op.type === 'invoke' || op.type === 'ok';
    if (checked) {
      const problem = shapeProblem(op.value);
      if (problem) return malformed(p, op, `${op.type} txn: ${problem}`);
      const ms = op.value as unknown[][];
      for (let i = 0; i < ms.length; i++) {
        if (mopF(ms[i]![0]) === otherF)
          return malformed(
            p,
            op,
            `micro-op ${i + 1} is ${rawMopText(ms[i]!)}, but ${workload} txns have only :${writeF} and :r (use --workload ${other})`,
          );
      }
    }
    if (op.type === 'invoke') {
      const prev = open.get(op.process);
      if (prev && !skip)
        return malformed(
          p,
          op,
          `process ${op.process} invokes a txn while its txn #${prev.index} is still open; each process runs one txn at a time`,
        );
      if (prev) superseded.add(op.process);
      open.set(op.process, op);
      const ms = op.value as unknown[][];
      for (const m of ms) {
        if (mopF(m[0]) !== writeF) continue;
        if (m[2] == null)
          return malformed(
            p,
            op,
            `${verb[0]} nil to key ${clip(showValue(m[1]))}: nil is every key's initial state, so a written value must be something else`,
          );
        const k = keys.id(m[1]);
        const v = values.id(m[2]);
        const first = writtenBy.get(k, v);
        if (first === p)
          return malformed(
            p,
            op,
            `${verb[0]} ${showValue(m[2])} to key ${showValue(m[1])} twice in one txn: values must be unique per key (every version needs one write)`,
          );
        if (first >= 0)
          return malformed(
            p,
            op,
            `${verb[0]} ${showValue(m[2])} to key ${showValue(m[1])}, which op #${history[first]!.index} already ${verb[1]}: values must be unique per key (every version needs one writer)`,
          );
        writtenBy.set(k, v, p);
      }
      continue;
    }
    const inv = open.get(op.process);
    if (!inv && skip) continue;
    if (!inv)
      return malformed(
        p,
        op,
        `${op.type} txn from process ${op.process} has no open invoke; each completion must follow its process's invoke`,
      );
    open.delete(op.process);
    if (superseded.delete(op.process as number)) continue;
    if (op.type !== 'ok') continue;
    const done = op.value as unknown[][];
    const asked = inv.value as unknown[][];
    if (done.length !== asked.length)
      return malformed(
        p,
        op,
        `the ok txn has ${done.length} micro-ops but its invoke #${inv.index} has ${asked.length}; a completion repeats the invoke's micro-ops with the reads filled in`,
      );
    for (let i = 0; i < done.length; i++) {
      const a = asked[i]!;
      const b = done[i]!;
      const f = mopF(b[0]);
      if (f !== mopF(a[0]) || !sameValue(a[1], b[1]))
        return malformed(
          p,
          op,
          `micro-op ${i + 1} is ${rawMopText(b)} but the invoke #${inv.index} had ${rawMopText(a)}; a completion repeats the invoke's micro-ops with the reads filled in`,
        );
      if (f === 'r' && b.length < 3)
        return malformed(
          p,
          op,
          `micro-op ${i + 1} reads key ${clip(showValue(b[1]))} but gives no value: an ok txn's reads carry what they read (nil or [] for nothing)`,
        );
      if (f !== 'r' && !sameValue(a[2], b[2]))
        return malformed(
          p,
          op,
          `micro-op ${i + 1} ${verb[0]} ${showValue(b[2])} but the invoke #${inv.index} ${verb[1]} ${showValue(a[2])}`,
        );
      if (workload === 'list-append' && f === 'r' && b[2] != null && !Array.isArray(b[2]))
        return malformed(
          p,
          op,
          `micro-op ${i + 1} reads key ${clip(showValue(b[1]))} = ${clip(showValue(b[2]))}, not a list: list-append reads return the list of appended values (use --workload rw-register for registers)`,
        );
    }
  }
  return undefined;
}

const malformed = (position: number, op: Op, message: string): MalformedTxn => ({
  position,
  message: `op #${op.index}: ${message}`,
});

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
