/** Scripted run events for the dashboard tests: a builder that keeps index and time straight. */
import { BUILTIN_FAULTS } from '../../../nemeses/index.ts';
import type { Op, OpType, Process } from '../../../src/core/op.ts';
import type { Phase, RunEvent } from '../../../src/runner/events.ts';

export const TEST = {
  name: 'memory-set',
  system: 'memory',
  mode: 'honest',
  workload: 'set',
  nodes: ['n1', 'n2', 'n3', 'n4', 'n5'],
  seed: 42,
  concurrency: 4,
  timeLimit: 30,
  checkerTimeLimit: 300,
  // The built-in families' declarations: what a run with every --nemesis family would pass.
  faults: BUILTIN_FAULTS,
};

export const S = 1e9;
export const MS = 1e6;

/**
 * A run's live history as `runTest` hands it over (the `history` event's array), and `push`, which
 * appends one `add` op of process 0 at `timeNs` and returns it (to send as an `op` event too).
 */
export function liveHistory(): { history: Op[]; push: (type: 'invoke' | 'ok', timeNs: number) => Op } {
  const history: Op[] = [];
  const push = (type: 'invoke' | 'ok', timeNs: number): Op => {
    const op: Op = { index: history.length, time: timeNs, type, process: 0, f: 'add', value: 1 };
    history.push(op);
    return op;
  };
  return { history, push };
}

export class Script {
  events: RunEvent[] = [];
  private index = 0;

  phase(phase: Phase, atNs: number): this {
    this.events.push({ kind: 'phase', phase, atNs });
    return this;
  }

  op(time: number, type: OpType, process: Process, f: string, value: unknown = null, error?: string): this {
    const op: Op = { index: this.index++, time, type, process, f, value };
    if (error) op.error = error;
    this.events.push({ kind: 'op', op });
    return this;
  }

  /** A client op from invoke to completion. */
  call(process: number, f: string, at: number, latency: number, type: OpType = 'ok'): this {
    return this.op(at, 'invoke', process, f).op(at + latency, type, process, f);
  }

  /** A nemesis op: invoke, then its completion (info, as Jepsen's nemeses answer). */
  nemesis(at: number, f: string, value: unknown, completion: unknown = value, type: OpType = 'info'): this {
    return this.op(at, 'invoke', 'nemesis', f, value).op(at + 10 * MS, type, 'nemesis', f, completion);
  }

  /** `n` ops spread evenly over [from, to), round-robin over `procs` processes. */
  load(from: number, to: number, n: number, f = 'add', latency = MS, procs = 4): this {
    const step = (to - from) / n;
    for (let i = 0; i < n; i++) this.call(i % procs, f, from + i * step, latency);
    return this;
  }

  log(level: 'info' | 'warn' | 'error', message: string): this {
    this.events.push({ kind: 'log', level, message });
    return this;
  }

  verdict(valid: true | false | 'unknown', runDir: string, summary: string): this {
    this.events.push({ kind: 'verdict', valid, runDir, summary });
    return this;
  }

  /** Hands the events recorded since the last call to `sink`. */
  flush(sink: { onEvent(e: RunEvent): void }): this {
    for (const e of this.events) sink.onEvent(e);
    this.events = [];
    return this;
  }
}
