/**
 * Elle's transaction generator (elle/txn.clj `wr-txns`, elle/list_append.clj `gen`), as a pure faultline
 * generator: each op is `{f: 'txn', value: mops}`, a txn of `minTxnLength…maxTxnLength` micro-ops over a
 * pool of `keyCount` active keys. A micro-op is a read `['r', k, null]` or a write — `['append', k, v]`
 * for list-append, `['w', k, v]` for rw-register — each half the time. Values are unique per key
 * (1, 2, 3… in the order the generator emits them), so every version has one writer. A key that has had
 * `maxWritesPerKey` writes retires: a fresh key (one above the largest active key, so never a key used
 * before) takes its place in the pool. Keys are drawn uniformly or, by default, exponentially (pool slot
 * i+1 is `keyDistBase` times likelier than slot i), as Elle's `:key-dist`.
 *
 * The generator's state (the pool and each active key's write count) lives in the generator value, and
 * every random choice comes from the context's seeded rng: the same seed and events give the same txns.
 */
import type { Context, Generator, OpResult } from '../src/core/generator.ts';
import type { Op } from '../src/core/op.ts';
import type { Rng } from '../src/core/rng.ts';
import { fillIn } from '../src/generator/index.ts';

/** How keys are drawn from the active pool (Elle's `:key-dist`). */
export type KeyDist = 'exponential' | 'uniform';

/** The generator's knobs (Elle's `wr-txns` options, camel-cased). */
export interface TxnGenOptions {
  /** The write micro-op: `append` (list-append) or `w` (rw-register). */
  writeF: 'append' | 'w';
  /** Active keys at any time; default 10 for the exponential distribution, 3 for uniform (Elle's). */
  keyCount: number;
  /** Micro-ops per txn, at least (default 1). */
  minTxnLength: number;
  /** Micro-ops per txn, at most (default 4, as Jepsen's append tests). */
  maxTxnLength: number;
  /** Writes a key gets before it retires (default 32, Elle's). */
  maxWritesPerKey: number;
  keyDist: KeyDist;
  /** Exponential distribution's base (default 2). */
  keyDistBase: number;
}

/** The defaults, Elle's (except maxTxnLength 4, which Jepsen's transactional tests use). */
export function txnGenDefaults(writeF: 'append' | 'w', keyDist: KeyDist = 'exponential'): TxnGenOptions {
  return {
    writeF,
    keyCount: keyDist === 'exponential' ? 10 : 3,
    minTxnLength: 1,
    maxTxnLength: 4,
    maxWritesPerKey: 32,
    keyDist,
    keyDistBase: 2,
  };
}

/** A micro-op as the history holds it: `[f, key, value]`, value null for a read's invocation. */
export type MopTuple = ['r' | 'append' | 'w', number, number | null];

/** The generator's state: the active keys (pool order) and the writes each active key has had. */
export interface TxnGenState {
  readonly activeKeys: readonly number[];
  /** Writes so far, per active key (absent = 0). Retired keys are dropped: they never come back. */
  readonly writes: ReadonlyMap<number, number>;
}

/** The state before the first txn: keys 0…keyCount−1, nothing written. */
export function initialTxnGenState(o: TxnGenOptions): TxnGenState {
  return { activeKeys: Array.from({ length: o.keyCount }, (_, i) => i), writes: new Map() };
}

/** Throws an Error naming the first knob out of range (workloads turn it into a one-line user error). */
export function checkTxnGenOptions(o: TxnGenOptions): void {
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be a whole number ≥ ${min}, not ${v}`);
  };
  int('keyCount', o.keyCount, 1);
  int('minTxnLength', o.minTxnLength, 1);
  int('maxTxnLength', o.maxTxnLength, 1);
  int('maxWritesPerKey', o.maxWritesPerKey, 1);
  if (o.minTxnLength > o.maxTxnLength)
    throw new Error(`minTxnLength ${o.minTxnLength} is above maxTxnLength ${o.maxTxnLength}`);
  if (!(o.keyDistBase > 1)) throw new Error(`keyDistBase must be > 1, not ${o.keyDistBase}`);
}

/**
 * A pool index in [0, n): uniform, or exponential as Elle's `rand-key`: u uniform in [0, scale) with
 * scale = base·(baseⁿ − 1)/(base − 1), index ⌊log_base(u + base)⌋ − 1, so index i has weight base^(i+1).
 */
function keyIndex(o: TxnGenOptions, n: number, rng: Rng): number {
  if (o.keyDist === 'uniform' || n === 1) return rng.int(n);
  const b = o.keyDistBase;
  const scale = (b * (b ** n - 1)) / (b - 1);
  const i = Math.floor(Math.log(rng.float() * scale + b) / Math.log(b) - 1);
  // Floating point may land on n at the very top of the range.
  return Math.min(n - 1, Math.max(0, i));
}

/**
 * One txn from `state`: its micro-ops and the state after it. Pure given `rng`. A write to a key that
 * has had maxWritesPerKey writes retires that key first (a fresh key replaces it, and the micro-op is
 * drawn again), as Elle's `wr-txns`.
 */
export function nextTxn(
  o: TxnGenOptions,
  state: TxnGenState,
  rng: Rng,
): { mops: MopTuple[]; state: TxnGenState } {
  const length = rng.range(o.minTxnLength, o.maxTxnLength);
  let keys = state.activeKeys;
  let writes = state.writes;
  let copied = false;
  const mops: MopTuple[] = [];
  while (mops.length < length) {
    const write = rng.int(2) === 1;
    const i = keyIndex(o, keys.length, rng);
    const k = keys[i]!;
    if (!write) {
      mops.push(['r', k, null]);
      continue;
    }
    if (!copied) {
      keys = keys.slice();
      writes = new Map(writes);
      copied = true;
    }
    const done = writes.get(k) ?? 0;
    const ks = keys as number[];
    const ws = writes as Map<number, number>;
    if (done >= o.maxWritesPerKey) {
      // Retire k: a key above every active one (keys only grow, so it was never used).
      ks[i] = Math.max(...ks) + 1;
      ws.delete(k);
      continue;
    }
    ws.set(k, done + 1);
    mops.push([o.writeF, k, done + 1]);
  }
  return { mops, state: copied ? { activeKeys: keys, writes } : state };
}

class TxnGen implements Generator {
  readonly o: TxnGenOptions;
  readonly state: TxnGenState;
  constructor(o: TxnGenOptions, state: TxnGenState) {
    this.o = o;
    this.state = state;
  }
  op(ctx: Context): OpResult {
    // No free thread: draw nothing, so the choices depend only on the ops actually emitted.
    if (!ctx.threads.some((t) => ctx.free.has(t))) return 'pending';
    const { mops, state } = nextTxn(this.o, this.state, ctx.rng);
    const op = fillIn({ f: 'txn', value: mops }, ctx);
    return op === 'pending' ? 'pending' : { op, gen: new TxnGen(this.o, state) };
  }
  update(_ctx: Context, _event: Op): Generator {
    return this;
  }
}

/**
 * The endless txn generator (Elle's `(gen (wr-txns opts))`). Throws an Error when a knob is out of range
 * (checkTxnGenOptions).
 */
export function txnGenerator(o: TxnGenOptions): Generator {
  checkTxnGenOptions(o);
  return new TxnGen(o, initialTxnGenState(o));
}

/**
 * The generator's knobs from a workload's options (`--opt keyCount=…`; absent = Elle's defaults, see
 * txnGenDefaults). Throws an Error naming a knob out of range.
 */
export function txnGenOptionsFrom(writeF: 'append' | 'w', options: Record<string, unknown>): TxnGenOptions {
  const keyDist: KeyDist = options.keyDist === 'uniform' ? 'uniform' : 'exponential';
  const d = txnGenDefaults(writeF, keyDist);
  const num = (k: keyof TxnGenOptions, dflt: number) =>
    options[k] === undefined ? dflt : Number(options[k]);
  const o: TxnGenOptions = {
    ...d,
    keyCount: num('keyCount', d.keyCount),
    minTxnLength: num('minTxnLength', d.minTxnLength),
    maxTxnLength: num('maxTxnLength', d.maxTxnLength),
    maxWritesPerKey: num('maxWritesPerKey', d.maxWritesPerKey),
  };
  checkTxnGenOptions(o);
  return o;
}
