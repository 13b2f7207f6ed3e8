/**
 * faultline's public API: everything a test file (or a user-defined system, workload or checker) needs,
 * from one import: `import { defineTest, timeLimit, … } from 'faultline'` (`src/index.ts` in this repo).
 *
 * - Test definition: `defineTest` (the schema of a test file's fields; see README "Test files").
 * - Core types: ops and histories (Jepsen's model: invoke then ok/fail/info), checkers and their
 *   results, systems and clients, workloads, nemeses, remotes, the run context, errors and exit codes,
 *   time units. History times are ns since the run started; test options are seconds.
 * - Generators: pure, seeded op sources and their combinators (Jepsen's jepsen.generator). The time
 *   combinators `timeLimit`, `stagger`, `delay`, `sleep` take SECONDS. `simulate` runs a generator on a
 *   simulated clock (for testing generators).
 * - Daemons: start, signal (kill -9, pause with STOP, resume with CONT) and stop a system's process on a
 *   node (`startDaemon`, `killDaemon`, `pauseDaemon`, `resumeDaemon`, `stopDaemon`, `isRunning`, …), as Jepsen's control.util.
 * - Built-in workloads and checkers for reuse, and `compose` to run several checkers as one.
 */

// Checkers: built-ins for reuse, and composition.
export { type BankCheckerOptions, type BankResult, bankChecker } from '../checkers/bank.ts';
export { type ComposedResult, compose } from '../checkers/compose.ts';
export { type ConvergenceResult, convergence, convergenceChecker } from '../checkers/convergence.ts';
export { type CounterResult, counterChecker } from '../checkers/counter.ts';
export { exceptions } from '../checkers/exceptions.ts';
export {
  casRegisterModel,
  getModel,
  kvModel,
  type LinearizableCheckerOptions,
  linearizable,
  type Model,
  modelNames,
  registerModel,
} from '../checkers/linearizable/index.ts';
export { type SetResult, setChecker } from '../checkers/set.ts';
export { type SetFullOptions, type SetFullResult, setFull } from '../checkers/set-full.ts';
export { stats } from '../checkers/stats.ts';
// Declarative systems: a program the user brings, described as data (docs/maelstrom.md).
export { type DeclarativeSpec, declarativeSystem } from '../systems/declarative/index.ts';
// Workloads: built-ins and their op generators, for reuse in user-defined tests.
export { type BankConfig, bankOps, bankWorkload } from '../workloads/bank.ts';
export { counterOps, counterWorkload } from '../workloads/counter.ts';
export { listAppendWorkload } from '../workloads/list-append.ts';
export { registerOps, registerWorkload } from '../workloads/register.ts';
export { rwRegisterWorkload } from '../workloads/rw-register.ts';
export { finalReadPerNode, setWorkload, uniqueAdds } from '../workloads/set.ts';
export { type TxnGenOptions, txnGenDefaults, txnGenerator } from '../workloads/txn-generator.ts';
// Daemons: how a system starts, kills, pauses and resumes its process on a node.
export {
  type DaemonSpec,
  daemonEnv,
  daemonPid,
  daemonPids,
  isRunning,
  killDaemon,
  pauseDaemon,
  pidFile,
  processState,
  resumeDaemon,
  signalDaemon,
  startDaemon,
  stopDaemon,
} from './cluster/daemon.ts';
// Test definition.
export { defineTest, type TestDefinition } from './config/define.ts';
// Core types, errors, exit codes, time units.
export * from './core/index.ts';
// Generators and their combinators.
export {
  allFree,
  any,
  clients,
  clientsAndNemesis,
  cycle,
  delay,
  eachThread,
  empty,
  fillIn,
  filter,
  flipFlop,
  fn,
  type GenFn,
  type GenLike,
  gen,
  independentConcurrent,
  independentSequential,
  isGenerator,
  LazyList,
  limit,
  map,
  mix,
  nemesis,
  nil,
  once,
  onThreads,
  onUpdate,
  phases,
  processLimit,
  repeat,
  reserve,
  type SimCompletion,
  type SimulateOptions,
  seq,
  simulate,
  sleep,
  stagger,
  synchronize,
  timeLimit,
  untilOk,
} from './generator/index.ts';
