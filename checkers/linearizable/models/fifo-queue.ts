import { Illegal, type Model, sameValue, show } from '../model.ts';
import { acceptsTable, anyValue } from './accepts.ts';

/** A FIFO queue: enqueue v; dequeue → v (null = the queue was empty). */
export function fifoQueueModel(): Model<unknown> {
  const model: Model<readonly unknown[]> = {
    name: 'fifo-queue',
    init: () => [],
    step(state, c) {
      if (c.f === 'enqueue') return [...state, c.value];
      if (c.f === 'dequeue') {
        if (c.outcome !== 'ok') {
          // A crashed dequeue, if it happened, took the head, whatever it was.
          return state.length ? state.slice(1) : state;
        }
        if (c.value === null || c.value === undefined) {
          return state.length === 0
            ? state
            : new Illegal(() => `dequeued nothing, but the queue holds ${show(state)}`);
        }
        if (state.length && sameValue(state[0], c.value)) return state.slice(1);
        return new Illegal(
          () => `dequeued ${show(c.value)}, but the head is ${state.length ? show(state[0]) : 'empty'}`,
        );
      }
      return new Illegal(() => `fifo-queue has no operation ${c.f}`);
    },
    accepts: acceptsTable({ enqueue: anyValue, dequeue: anyValue }),
    takes: 'enqueue v, dequeue',
  };
  return model as Model<unknown>;
}
