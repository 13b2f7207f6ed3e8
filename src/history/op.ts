/**
 * The operation record: one line of history.jsonl. Follows Jepsen's model: every client op is an
 * `invoke` followed by exactly one completion (`ok`, `fail` or `info`) from the same process.
 */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** A client process id, or the nemesis. After an `info`, a thread continues under process + concurrency. */
export type Process = number | 'nemesis';

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
}

/** `ok` = happened, `fail` = certainly did not happen, `info` = may or may not have, at any time after invoke. */
export const isCompletion = (op: Op): boolean => op.type !== 'invoke';
export const isClientOp = (op: Op): boolean => op.process !== 'nemesis';

/** An invoke together with its completion (undefined when the history ended before it completed). */
export interface OpPair {
  invoke: Op;
  completion: Op | undefined;
}
