/**
 * The memory system's transactions: an in-process multi-version store that runs list-append and
 * rw-register txns (`[f, k, v]` micro-ops, Elle's) under a switchable isolation level, so each class of
 * anomaly Elle names can be produced end to end without Docker. A txn pauses between micro-ops and
 * before it commits (`txnStepMs`), so concurrent txns interleave in one JS process.
 *
 * The modes, and what each lets through (Adya's / Elle's terms):
 * - `serializable`: after one pause, the whole txn runs at once: strict serializable (honest).
 * - `snapshot-isolation`: reads from a snapshot taken when the txn starts, writes buffered and installed
 *   at commit; first committer wins (a txn whose written key got a newer committed version since its
 *   snapshot aborts, completing `fail`). Allows write skew (G2-item), nothing weaker.
 * - `read-committed`: a write locks its key to commit (a txn finding it locked aborts), reads see the
 *   latest committed version when the txn first touches a key (repeatable per key, not across keys),
 *   writes installed atomically at commit. Allows read skew (G-single).
 * - `lost-update`: snapshot reads as snapshot-isolation, but commits without the conflict check,
 *   applying the txn's writes on top of the latest committed state: two txns that read the same version
 *   and both write it commit (lost update).
 * - `read-uncommitted`: a txn takes the locks of every key it writes when it starts, or aborts at once
 *   with nothing done; it holds them to commit (so no dirty writes, no G0), but writes go to the shared
 *   state at once and reads see them before the writer commits: G1b (intermediate reads), G1c.
 * - `dirty-read`: as read-uncommitted, and a fraction `abortRate` of the txns that wrote abort after
 *   their last micro-op (completing `fail`): their writes are rolled back, but readers saw them (G1a).
 *
 * A read of a key never written returns `[]` (list-append) or `null` (rw-register).
 */
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';
import { Rng } from '../../src/core/rng.ts';
import { showValue, valueKey } from '../../src/history/values.ts';

/** The memory system's isolation modes for txn workloads. */
export type TxnMode =
  | 'serializable'
  | 'snapshot-isolation'
  | 'read-committed'
  | 'read-uncommitted'
  | 'lost-update'
  | 'dirty-read';

export const TXN_MODES: readonly TxnMode[] = [
  'serializable',
  'snapshot-isolation',
  'read-committed',
  'read-uncommitted',
  'lost-update',
  'dirty-read',
];

/** The txn workloads the store runs: their write micro-op and the value of an unwritten key. */
export type TxnKind = 'list-append' | 'rw-register';

export interface TxnTuning {
  /** Pause between micro-ops and before commit, ms (0: one turn of the event loop). */
  txnStepMs: number;
  /** dirty-read: fraction of the txns that wrote which abort after their writes were visible. */
  abortRate: number;
}

export const DEFAULT_TXN_TUNING: TxnTuning = { txnStepMs: 3, abortRate: 0.25 };

/** How a txn ended: `ok` with the micro-ops as completed (reads carry values), or `fail` (did not commit). */
export type TxnOutcome = { type: 'ok'; value: unknown[][] } | { type: 'fail'; error: string };

/** One committed (or, in the in-place modes, current) version of a key, with its commit timestamp. */
interface Version {
  ts: number;
  value: unknown;
}

/** A parsed micro-op; `key` is the exact key, `id` its valueKey. */
interface Mop {
  f: 'r' | 'append' | 'w';
  key: unknown;
  id: string;
  value: unknown;
}

/**
 * A txn's micro-ops, checked: each `[f, k, v]` with f `r` or the kind's write. Throws an Error naming
 * the first bad one (the client completes the txn `fail`: nothing was applied).
 */
function parseMops(kind: TxnKind, value: unknown): Mop[] {
  if (!Array.isArray(value))
    throw new Error(`a txn's value must be a list of micro-ops, not ${showValue(value)}`);
  const write = kind === 'list-append' ? 'append' : 'w';
  return value.map((m) => {
    if (!Array.isArray(m) || m.length !== 3 || (m[0] !== 'r' && m[0] !== write))
      throw new Error(`${kind}: micro-op ${showValue(m)} is not [r k nil] or [${write} k v]`);
    return { f: m[0] as Mop['f'], key: m[1], id: valueKey(m[1]), value: m[2] };
  });
}

/** The store; one per run, shared by every client. */
export class TxnStore {
  readonly mode: TxnMode;
  readonly tuning: TxnTuning;
  private readonly rng: Rng;
  /** Per key (valueKey), its versions by ascending ts; only those a running snapshot may still read. */
  private readonly versions = new Map<string, Version[]>();
  /** The last commit timestamp. */
  private clock = 0;
  /** Snapshot timestamps of running txns (ts → how many), to prune versions nobody can read. */
  private readonly snapshots = new Map<number, number>();
  /**
   * Keys write-locked by a running txn (read-committed, read-uncommitted, dirty-read). A txn never
   * waits for a lock: it aborts (no deadlock, and no convoy behind a hot key).
   */
  private readonly locked = new Set<string>();
  private readonly pause: () => Promise<void>;

  constructor(mode: TxnMode, seed: number, tuning: Partial<TxnTuning> = {}) {
    this.mode = mode;
    this.tuning = { ...DEFAULT_TXN_TUNING, ...tuning };
    this.rng = new Rng((seed ^ 0x7a11) >>> 0);
    const stepMs = this.tuning.txnStepMs;
    this.pause = stepMs > 0 ? () => sleep(stepMs) : () => immediate();
  }

  /** Runs one txn. Throws an Error only for micro-ops that are not the kind's (nothing applied then). */
  async execute(kind: TxnKind, value: unknown): Promise<TxnOutcome> {
    const mops = parseMops(kind, value);
    switch (this.mode) {
      case 'serializable':
        // One pause first, so a txn takes as long as in the other modes; then all of it at once.
        await this.pause();
        return this.atomic(kind, mops);
      case 'snapshot-isolation':
      case 'lost-update':
        return this.snapshot(kind, mops, this.mode === 'snapshot-isolation');
      case 'read-committed':
        return this.readCommitted(kind, mops);
      case 'read-uncommitted':
      case 'dirty-read':
        return this.inPlace(kind, mops, this.mode === 'dirty-read');
    }
  }

  private empty(kind: TxnKind): unknown {
    return kind === 'list-append' ? [] : null;
  }

  private latest(id: string): Version | undefined {
    const vs = this.versions.get(id);
    return vs?.[vs.length - 1];
  }

  /** The value of key `id` as of snapshot `ts` (the newest version committed at or before it). */
  private valueAt(kind: TxnKind, id: string, ts: number): unknown {
    const vs = this.versions.get(id);
    if (vs) for (let i = vs.length - 1; i >= 0; i--) if (vs[i]!.ts <= ts) return vs[i]!.value;
    return this.empty(kind);
  }

  private install(id: string, value: unknown, ts: number): void {
    const vs = this.versions.get(id) ?? [];
    if (vs.length === 0) this.versions.set(id, vs);
    vs.push({ ts, value });
    // Versions older than the newest one every running snapshot can see are unreadable: drop them.
    let oldest = this.clock;
    for (const s of this.snapshots.keys()) oldest = Math.min(oldest, s);
    let keep = vs.length - 1;
    while (keep > 0 && vs[keep]!.ts > oldest) keep--;
    if (keep > 0) vs.splice(0, keep);
  }

  /** A value with a txn's own writes to it applied: appends after `base`, or its last `w`. */
  private static withOwn(kind: TxnKind, base: unknown, own: unknown[] | undefined): unknown {
    if (!own || own.length === 0) return kind === 'list-append' ? (base as unknown[]).slice() : base;
    return kind === 'list-append' ? [...(base as unknown[]), ...own] : own[own.length - 1];
  }

  /** The completed micro-op: a read carries what it saw. */
  private static done(m: Mop, read?: unknown): unknown[] {
    return m.f === 'r' ? ['r', m.key, read] : [m.f, m.key, m.value];
  }

  /** serializable: the whole txn at once (JavaScript runs it without interruption). */
  private atomic(kind: TxnKind, mops: Mop[]): TxnOutcome {
    const out: unknown[][] = [];
    const ts = ++this.clock;
    for (const m of mops) {
      const cur = this.latest(m.id)?.value ?? this.empty(kind);
      if (m.f === 'r') out.push(TxnStore.done(m, TxnStore.withOwn(kind, cur, undefined)));
      else {
        this.install(m.id, TxnStore.withOwn(kind, cur, [m.value]), ts);
        out.push(TxnStore.done(m));
      }
    }
    return { type: 'ok', value: out };
  }

  /**
   * snapshot-isolation (`firstCommitterWins`) and lost-update: reads from the snapshot taken at the start
   * plus the txn's own writes; at commit the writes go on top of the latest committed versions.
   */
  private async snapshot(kind: TxnKind, mops: Mop[], firstCommitterWins: boolean): Promise<TxnOutcome> {
    const start = this.clock;
    this.snapshots.set(start, (this.snapshots.get(start) ?? 0) + 1);
    try {
      const own = new Map<string, unknown[]>();
      const keys = new Map<string, unknown>();
      const out: unknown[][] = [];
      for (const m of mops) {
        await this.pause();
        if (m.f === 'r') {
          out.push(TxnStore.done(m, TxnStore.withOwn(kind, this.valueAt(kind, m.id, start), own.get(m.id))));
        } else {
          own.set(m.id, [...(own.get(m.id) ?? []), m.value]);
          keys.set(m.id, m.key);
          out.push(TxnStore.done(m));
        }
      }
      await this.pause();
      if (firstCommitterWins) {
        for (const [id, key] of keys) {
          if ((this.latest(id)?.ts ?? 0) > start)
            return {
              type: 'fail',
              error: `aborted: key ${showValue(key)} was written by a txn that committed first (snapshot isolation)`,
            };
        }
      }
      this.commit(kind, own);
      return { type: 'ok', value: out };
    } finally {
      const n = this.snapshots.get(start)! - 1;
      if (n === 0) this.snapshots.delete(start);
      else this.snapshots.set(start, n);
    }
  }

  /** Installs a txn's buffered writes on top of the latest committed versions, at one new timestamp. */
  private commit(kind: TxnKind, own: Map<string, unknown[]>): void {
    if (own.size === 0) return;
    const ts = ++this.clock;
    for (const [id, values] of own) {
      const cur = this.latest(id)?.value ?? this.empty(kind);
      this.install(id, TxnStore.withOwn(kind, cur, values), ts);
    }
  }

  /** The abort of a txn that found key `key` write-locked by another. */
  private static lockedOut(key: unknown): TxnOutcome {
    return { type: 'fail', error: `aborted: key ${showValue(key)} is being written by another txn` };
  }

  /**
   * read-committed: a write takes the key's lock at once or aborts (no waiting, so no deadlock), and
   * holds it to commit; each key reads as the latest committed version when the txn first touches it,
   * then with the txn's own writes. A txn whose read key was committed to by another before it took
   * the key's lock aborts too: its own reads could not show what it would commit.
   */
  private async readCommitted(kind: TxnKind, mops: Mop[]): Promise<TxnOutcome> {
    const held: string[] = [];
    try {
      const base = new Map<string, Version | undefined>();
      const own = new Map<string, unknown[]>();
      const out: unknown[][] = [];
      for (const m of mops) {
        await this.pause();
        if (m.f !== 'r' && !held.includes(m.id)) {
          if (this.locked.has(m.id)) return TxnStore.lockedOut(m.key);
          this.locked.add(m.id);
          held.push(m.id);
          if (base.has(m.id) && base.get(m.id) !== this.latest(m.id))
            return { type: 'fail', error: `aborted: key ${showValue(m.key)} changed since this txn read it` };
        }
        if (!base.has(m.id)) base.set(m.id, this.latest(m.id));
        if (m.f === 'r') {
          const b = base.get(m.id)?.value ?? this.empty(kind);
          out.push(TxnStore.done(m, TxnStore.withOwn(kind, b, own.get(m.id))));
        } else {
          own.set(m.id, [...(own.get(m.id) ?? []), m.value]);
          out.push(TxnStore.done(m));
        }
      }
      await this.pause();
      this.commit(kind, own);
      return { type: 'ok', value: out };
    } finally {
      for (const id of held) this.locked.delete(id);
    }
  }

  /**
   * read-uncommitted and dirty-read: the write locks of all its keys at the start (or an abort with
   * nothing done), held to commit; writes visible at once. With `mayAbort`, a txn that wrote aborts
   * with probability abortRate after its last micro-op: its writes are undone (the locks kept anyone
   * else from writing those keys meanwhile) but were already read.
   */
  private async inPlace(kind: TxnKind, mops: Mop[], mayAbort: boolean): Promise<TxnOutcome> {
    // The first pause comes before the locks, so a txn that finds one taken has still taken a while.
    await this.pause();
    const writes = mops.filter((m) => m.f !== 'r');
    const busy = writes.find((m) => this.locked.has(m.id));
    if (busy) return TxnStore.lockedOut(busy.key);
    const held = [...new Set(writes.map((m) => m.id))];
    for (const id of held) this.locked.add(id);
    try {
      const before = new Map<string, unknown>();
      const out: unknown[][] = [];
      for (const [i, m] of mops.entries()) {
        if (i > 0) await this.pause();
        const cur = this.latest(m.id)?.value ?? this.empty(kind);
        if (m.f === 'r') out.push(TxnStore.done(m, TxnStore.withOwn(kind, cur, undefined)));
        else {
          if (!before.has(m.id)) before.set(m.id, cur);
          this.install(m.id, TxnStore.withOwn(kind, cur, [m.value]), ++this.clock);
          out.push(TxnStore.done(m));
        }
      }
      await this.pause();
      if (mayAbort && before.size > 0 && this.rng.float() < this.tuning.abortRate) {
        const ts = ++this.clock;
        for (const [id, v] of before) this.install(id, v, ts);
        return { type: 'fail', error: 'aborted after its writes were visible (dirty-read mode)' };
      }
      return { type: 'ok', value: out };
    } finally {
      for (const id of held) this.locked.delete(id);
    }
  }
}
