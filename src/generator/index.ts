/**
 * Pure, seeded generators and their combinators (Jepsen's jepsen.generator, redone in TypeScript).
 * The protocol the interpreter follows is documented in simulate.ts; its state lives in machine.ts.
 * The time combinators (timeLimit, stagger, delay, sleep) take seconds, as Jepsen's; generator times
 * (ctx.time, op.time, untilNs) are ns since the run started.
 *
 * Jepsen's `then` is `seq` here: no module may export a function named `then`, or its namespace object
 * becomes a thenable and `await import()` of it (as vitest and the test loader do) never resolves.
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
export { ask, chooseSoonest, minUntil, pending, type Step, toStep } from './step.ts';
export { clients, clientsAndNemesis, eachThread, nemesis, onThreads, reserve } from './threads.ts';
export { delay, sleep, stagger, timeLimit } from './time.ts';
export type { Context, Generator, Invocation, OpResult, OpTemplate, Pending, Thread } from './types.ts';
