import type { Op, OpPair, Process } from '../core/op.ts';

/**
 * Matches every invoke with the completion of the same process that follows it. A process has at most
 * one op outstanding; a completion with no open invoke, or a second invoke while one is open, is a
 * malformed history and is reported rather than guessed at.
 */
export function pairOps(history: readonly Op[]): { pairs: OpPair[]; problems: string[] } {
  const open = new Map<Process, OpPair>();
  const pairs: OpPair[] = [];
  const problems: string[] = [];
  for (const op of history) {
    if (op.type === 'invoke') {
      const prev = open.get(op.process);
      if (prev)
        problems.push(
          `op ${op.index}: process ${op.process} invoked again while op ${prev.invoke.index} is open`,
        );
      const pair: OpPair = { invoke: op, completion: undefined };
      open.set(op.process, pair);
      pairs.push(pair);
    } else {
      const pair = open.get(op.process);
      if (!pair) {
        problems.push(`op ${op.index}: ${op.type} from process ${op.process} has no open invoke`);
        continue;
      }
      pair.completion = op;
      open.delete(op.process);
    }
  }
  return { pairs, problems };
}

/** For each op index, the index of its partner (invoke ↔ completion), or -1. */
export function partnerIndex(history: readonly Op[]): Int32Array {
  const partner = new Int32Array(history.length).fill(-1);
  const open = new Map<Process, number>();
  history.forEach((op, i) => {
    if (op.type === 'invoke') open.set(op.process, i);
    else {
      const inv = open.get(op.process);
      if (inv !== undefined) {
        partner[inv] = i;
        partner[i] = inv;
        open.delete(op.process);
      }
    }
  });
  return partner;
}

/**
 * Completes a history cut short (crash, SIGINT): every invoke left open gets an `info` completion at the
 * end, because it may or may not have taken effect.
 */
export function closeOpenInvokes(history: readonly Op[], reason = 'history ended before completion'): Op[] {
  const out = history.slice();
  const open = new Map<Process, Op>();
  for (const op of history) {
    if (op.type === 'invoke') open.set(op.process, op);
    else open.delete(op.process);
  }
  const time = history.length ? history[history.length - 1]!.time : 0;
  for (const inv of [...open.values()].sort((a, b) => a.index - b.index)) {
    out.push({
      index: out.length,
      time,
      type: 'info',
      process: inv.process,
      f: inv.f,
      value: inv.value,
      error: reason,
    });
  }
  return out;
}
