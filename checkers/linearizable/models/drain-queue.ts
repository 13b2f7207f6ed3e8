import { Illegal, type Model, sameValue, show } from '../model.ts';
import { acceptsTable, anyValue } from './accepts.ts';

/**
 * One step of a drain, as checkers/queue-linearizable.ts expands a `drain` op: the drain's id (its
 * invoke's history index), the step's position in the drain, and what it took (`null`: the drain saw
 * the queue empty; for a crashed step, ignored: it took the head, whatever that was). `process` is the
 * drain's own process, for explanations.
 */
export interface DrainStep {
  drain: number;
  pos: number;
  elem: unknown;
  process: number | string;
}

/** The state: the queue's elements, head first, and each started drain's next step position. */
type State = readonly [queue: readonly unknown[], drains: readonly (readonly [number, number])[]];

const posOf = (s: State, drain: number): number => s[1].find(([d]) => d === drain)?.[1] ?? 0;

const withPos = (s: State, drain: number, pos: number): State['1'] =>
  [...s[1].filter(([d]) => d !== drain), [drain, pos] as const].sort((a, b) => a[0] - b[0]);

/**
 * A FIFO queue that also runs drains: `enqueue v`; `dequeue` → v, or null when the queue was empty
 * (a dequeue that completed with nothing; crashed: takes the head if it happened); `drain-step`
 * (value a DrainStep) takes the head, in order within its drain: step `pos` is legal only after steps
 * 0…pos-1 of the same drain, so a drain's elements must leave in the order it received them, while each
 * step may fall anywhere inside the drain's invoke–completion window (steps of concurrent drains
 * interleave freely). A drain-step with `elem: null` asserts the queue is empty.
 * Pure; states are compared by valueKey.
 */
export function drainQueueModel(): Model<unknown> {
  const model: Model<State> = {
    name: 'drain-queue',
    init: () => [[], []],
    step(state, c) {
      const [q] = state;
      if (c.f === 'enqueue') return [[...q, c.value], state[1]];
      if (c.f === 'dequeue') {
        if (c.outcome !== 'ok') return q.length ? [q.slice(1), state[1]] : state;
        if (c.value === null || c.value === undefined)
          return q.length === 0
            ? state
            : new Illegal(() => `dequeued nothing, but the queue holds ${show(q)}`);
        if (q.length && sameValue(q[0], c.value)) return [q.slice(1), state[1]];
        return new Illegal(
          () => `dequeued ${show(c.value)}, but the head is ${q.length ? show(q[0]) : 'nothing (empty)'}`,
        );
      }
      if (c.f === 'drain-step') {
        const s = c.value as DrainStep;
        if (posOf(state, s.drain) !== s.pos)
          return new Illegal(
            () => `drain #${s.drain} step ${s.pos} before its step ${posOf(state, s.drain)}`,
          );
        const drains = withPos(state, s.drain, s.pos + 1);
        if (c.outcome !== 'ok') return [q.slice(1), drains];
        if (s.elem === null)
          return q.length === 0
            ? [q, drains]
            : new Illegal(() => `drain #${s.drain} saw the queue empty, but it holds ${show(q)}`);
        if (q.length && sameValue(q[0], s.elem)) return [q.slice(1), drains];
        return new Illegal(
          () =>
            `drain #${s.drain} took ${show(s.elem)}, but the head is ${q.length ? show(q[0]) : 'nothing (empty)'}`,
        );
      }
      return new Illegal(() => `drain-queue has no operation ${c.f}`);
    },
    accepts: acceptsTable({
      enqueue: anyValue,
      dequeue: anyValue,
      'drain-step': (v) => typeof v === 'object' && v !== null && 'drain' in v && 'pos' in v,
    }),
    takes: 'enqueue v, dequeue → v | nil, drain-step {drain, pos, elem}',
    describeOp(c) {
      const tag = c.outcome === 'ok' ? '' : ` (${c.outcome})`;
      if (c.f === 'dequeue' && c.outcome === 'ok' && (c.value === null || c.value === undefined))
        return "dequeue: fail 'empty' (saw the queue empty)";
      if (c.f !== 'drain-step') return `${c.f} ${show(c.value)}${tag}`;
      const s = c.value as DrainStep;
      const what =
        c.outcome !== 'ok'
          ? 'may have taken the head'
          : s.elem === null
            ? 'saw empty'
            : `took ${show(s.elem)}`;
      return `drain #${s.drain} (process ${s.process}) step ${s.pos}: ${what}${tag}`;
    },
    describeState: (s) => `queue ${show(s[0])}`,
  };
  return model as Model<unknown>;
}
