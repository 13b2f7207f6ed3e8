/**
 * The operation record: one line of history.jsonl. Follows Jepsen's model: every client op is an
 * `invoke` followed by exactly one completion (`ok`, `fail` or `info`) from the same process.
 */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** A client process id, or the nemesis. After an `info`, a thread continues under process + concurrency. */
export type Process = number | 'nemesis';

/** One history entry (one line of history.jsonl). */
export interface Op {
  /** Position in the history, 0-based, dense. */
  index: number;
  /** Nanoseconds since the run started (monotonic clock). */
  time: number;
  type: OpType;
  process: Process;
  /** 'read' | 'write' | 'cas' | 'add' | 'txn' | 'start-partition' … */
  f: string;
  value: unknown;
  /** The node the client was talking to (client ops) or the targets (nemesis, in value). */
  node?: string;
  /** Why the op failed or is indeterminate. */
  error?: string;
  /** Nemesis completions only: the fault did not take effect or did not heal (see Completion.fault). */
  fault?: NemesisFault;
}

/**
 * How a nemesis op went: applied but not in effect (`not-in-effect`), its heal did not heal
 * (`heal-failed`), or there was nothing to aim it at (`no-target`: a fault on the primaries while the
 * system has no leader, e.g. with a majority of nodes killed or paused by other faults). The first two
 * fail the run; `no-target` is a `fail` op (certainly not applied) that the run records and lists but
 * does not fail on, as Jepsen's nemeses turn an empty target set into a no-op.
 */
export type NemesisFault = 'not-in-effect' | 'heal-failed' | 'no-target';

/** `ok` = happened, `fail` = certainly did not happen, `info` = may or may not have, at any time after invoke. */
export const isCompletion = (op: Op): boolean => op.type !== 'invoke';
export const isClientOp = (op: Op): boolean => op.process !== 'nemesis';

/** An invoke together with its completion (undefined when the history ended before it completed). */
export interface OpPair {
  invoke: Op;
  completion: Op | undefined;
}

/** How an invocation ended. A client never throws for an expected failure: it returns fail or info. */
export interface Completion {
  type: 'ok' | 'fail' | 'info';
  value?: unknown;
  error?: string;
  /**
   * For nemesis completions: the fault was applied but did not take effect (`not-in-effect`), or its
   * heal did not heal (`heal-failed`), or it had no target (`no-target`). Recorded on the history op.
   * The run fails on ANY nemesis completion that is not `ok`, whatever its error text, except one marked
   * `no-target`; this field says which way it went.
   */
  fault?: NemesisFault;
}
