/**
 * Impossible histories: things no real run can record. Jepsen's model (jepsen.history) is that every
 * client process has at most one op outstanding: an `invoke` is followed by exactly one completion
 * (`ok`, `fail` or `info`) from the same process, for the same `f`. A history that breaks this was
 * damaged or mis-converted, and a checker that silently drops the odd ops could call it valid.
 * Nemesis ops are not checked: Jepsen records both halves of a fault as `info`.
 */
import type { Op, Process } from '../core/op.ts';

/** What is impossible about one op. */
export type HistoryProblemKind =
  /** A completion from a process with no open invoke. */
  | 'orphan-completion'
  /** An invoke from a process whose previous invoke has not completed. */
  | 'double-invoke'
  /** A completion whose `f` differs from its invoke's. */
  | 'f-mismatch'
  /** Two ops share an `index` (checkers and reports refer to ops by it). */
  | 'duplicate-index'
  /**
   * An op's `index` is smaller than an earlier op's: the history is not in index order, so "which op
   * came first" (what every checker reads off the order) is ambiguous.
   */
  | 'index-order'
  /** An op's `time` is earlier than an earlier op's: the file order contradicts the recorded times. */
  | 'time-order';

/** One impossibility, tied to the op where it shows. */
export interface HistoryProblem {
  /** The op's `index` field (as written in the history). */
  index: number;
  kind: HistoryProblemKind;
  /** One plain-words sentence, e.g. "op 2: ok read from process 5 completes with no invoke". */
  message: string;
}

/**
 * Every impossibility in a history, in history order. Pure; never throws. Client ops are paired the
 * way `pairOps` pairs them (by process, in order), so what is listed here is exactly what pairing drops
 * or guesses at.
 */
export function validateHistory(history: readonly Op[]): HistoryProblem[] {
  const problems: HistoryProblem[] = [];
  const open = new Map<Process, Op>();
  const seen = new Set<number>();
  let prev: Op | undefined;
  for (const op of history) {
    if (seen.has(op.index)) {
      problems.push({
        index: op.index,
        kind: 'duplicate-index',
        message: `op ${op.index}: another op already has index ${op.index}`,
      });
    } else if (prev && op.index < prev.index) {
      problems.push({
        index: op.index,
        kind: 'index-order',
        message: `op ${op.index} (${op.type} ${op.f}) comes after op ${prev.index} in the history but has a smaller index: sort the history by index`,
      });
    }
    if (prev && op.time < prev.time) {
      problems.push({
        index: op.index,
        kind: 'time-order',
        message: `op ${op.index} (${op.type} ${op.f}) comes after op ${prev.index} but its time ${op.time} is earlier than ${prev.time}: sort the history by time`,
      });
    }
    seen.add(op.index);
    prev = op;
    if (op.process === 'nemesis') continue;
    if (op.type === 'invoke') {
      const prev = open.get(op.process);
      if (prev) {
        problems.push({
          index: op.index,
          kind: 'double-invoke',
          message: `op ${op.index}: process ${op.process} invokes ${op.f} while its op ${prev.index} (${prev.f}) has not completed`,
        });
      }
      open.set(op.process, op);
      continue;
    }
    const inv = open.get(op.process);
    if (!inv) {
      problems.push({
        index: op.index,
        kind: 'orphan-completion',
        message: `op ${op.index}: ${op.type} ${op.f} from process ${op.process} completes with no invoke`,
      });
      continue;
    }
    open.delete(op.process);
    if (inv.f !== op.f) {
      problems.push({
        index: op.index,
        kind: 'f-mismatch',
        message: `op ${op.index}: ${op.type} ${op.f} from process ${op.process} completes op ${inv.index}, which invoked ${inv.f}`,
      });
    }
  }
  return problems;
}

/** "history is malformed: N problems" — the reason an unchecked verdict gives. */
export function malformedReason(problems: readonly HistoryProblem[]): string {
  return `history is malformed: ${problems.length} problem${problems.length === 1 ? '' : 's'}`;
}
