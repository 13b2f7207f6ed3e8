/** faultline's public API for test files and extensions. */
export type { Checker, CheckResult, Validity } from '../checkers/checker.ts';
export { compose } from '../checkers/compose.ts';
export type { Generator, Invocation, OpTemplate } from './generator/types.ts';
export type { Op, OpType, Process } from './history/op.ts';
export { defineTest, type TestDefinition } from './test/define.ts';
export type {
  Client,
  ClientFactory,
  Completion,
  Nemesis,
  NemesisPackage,
  RunContext,
  System,
  SystemDescriptor,
  Workload,
  WorkloadDescriptor,
} from './test/interfaces.ts';
