import type { Checker, CheckResult } from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';

export interface CounterBoundsError {
  /** Index of the read's completion in the history. */
  index: number;
  process: Op['process'];
  node?: string;
  value: unknown;
  lower: number;
  upper: number;
}

export interface CounterResult extends CheckResult {
  readCount: number;
  /** Sum of acknowledged increments. */
  acknowledged: number;
  /** Sum of increments that may have happened (ok and info). */
  attempted: number;
  /** The last ok read's value and its bounds. */
  lastRead?: { value: unknown; lower: number; upper: number };
  /** Reads outside their bounds (at most 100 listed; `errorCount` counts all). */
  errors: CounterBoundsError[];
  errorCount: number;
}

/**
 * Jepsen's counter checker. Increments are `add` ops with a positive delta; reads return the counter.
 * Every ok read must lie within bounds fixed by the history at that time:
 * lower = the increments acknowledged before the read was invoked (they must be visible),
 * upper = the increments invoked before the read completed and not definitely failed (at most these can be).
 */
export const counterChecker: Checker = {
  name: 'counter',
  check(_ctx, history: readonly Op[]): CounterResult | CheckResult {
    const ops = history.filter((o) => o.process !== 'nemesis');
    const { pairs } = pairOps(ops);
    // Which adds definitely failed: they never count towards the upper bound.
    const failedInvokes = new Set<number>();
    for (const { invoke, completion } of pairs) {
      if (invoke.f === 'add' && completion?.type === 'fail') failedInvokes.add(invoke.index);
    }
    const readInvokeOf = new Map<number, number>(); // completion index → lower bound at invoke
    for (const { invoke, completion } of pairs) {
      if (invoke.f === 'read' && completion?.type === 'ok') readInvokeOf.set(completion.index, invoke.index);
    }
    let acked = 0;
    let attempted = 0;
    let reads = 0;
    const lowerAt = new Map<number, number>(); // read invoke index → acked sum then
    const readInvokes = new Set(readInvokeOf.values());
    const errors: CounterBoundsError[] = [];
    let errorCount = 0;
    let lastRead: CounterResult['lastRead'];
    for (const op of ops) {
      if (op.f === 'add') {
        const d = Number(op.value);
        if (op.type === 'invoke' && !failedInvokes.has(op.index)) attempted += d;
        if (op.type === 'ok') acked += d;
      } else if (op.f === 'read') {
        if (op.type === 'invoke' && readInvokes.has(op.index)) lowerAt.set(op.index, acked);
        if (op.type === 'ok' && readInvokeOf.has(op.index)) {
          reads++;
          const lower = lowerAt.get(readInvokeOf.get(op.index)!) ?? 0;
          const upper = attempted;
          const v = op.value;
          lastRead = { value: v, lower, upper };
          if (typeof v !== 'number' || !Number.isFinite(v) || v < lower || v > upper) {
            errorCount++;
            if (errors.length < 100) {
              errors.push({
                index: op.index,
                process: op.process,
                ...(op.node ? { node: op.node } : {}),
                value: v,
                lower,
                upper,
              });
            }
          }
        }
      }
    }
    if (reads === 0) return { valid: 'unknown', reason: 'no read succeeded, so there is nothing to check' };
    const summary = `${reads} reads, ${acked} acknowledged / ${attempted} attempted increments${
      errorCount ? `, ${errorCount} reads OUT OF BOUNDS` : ''
    }`;
    return {
      valid: errorCount === 0,
      summary,
      readCount: reads,
      acknowledged: acked,
      attempted,
      ...(lastRead ? { lastRead } : {}),
      errors,
      errorCount,
    };
  },
};
