/**
 * Pure, seeded generators and their combinators (Jepsen's jepsen.generator, redone in TypeScript).
 * The protocol the interpreter follows is documented in simulate.ts.
 *
 * Import this module statically. It exports a function named `then` (as Jepsen's), which makes its
 * namespace object a thenable: `await import('…/generator/index.ts')` would call it and never resolve.
 */

export {
  any,
  filter,
  flipFlop,
  limit,
  map,
  mix,
  onUpdate,
  phases,
  processLimit,
  synchronize,
  untilOk,
} from './combinators.ts';
export { allFree, contextOn, fillIn, freeThreads, makeContext, restrictContext } from './context.ts';
export {
  cycle,
  empty,
  fn,
  type GenFn,
  type GenLike,
  gen,
  isGenerator,
  nil,
  once,
  repeat,
  seq,
} from './core.ts';
export { independentConcurrent, independentSequential, LazyList } from './independent.ts';
export { Rng } from './rng.ts';
export { MS, type SimCompletion, type SimulateOptions, simulate } from './simulate.ts';
export { ask, type Step, toStep } from './step.ts';
export { clients, clientsAndNemesis, eachThread, nemesis, onThreads, reserve } from './threads.ts';
export { delay, sleep, stagger, timeLimit } from './time.ts';
export type { Context, Generator, Invocation, OpResult, OpTemplate, Pending, Thread } from './types.ts';

import { seq } from './core.ts';

/** Alias of `seq`: runs each generator to exhaustion, then the next. */
// biome-ignore lint/suspicious/noThenProperty: Jepsen's name, asked for by the API; see the module doc.
export const then = seq;
