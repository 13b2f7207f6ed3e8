/** faultline's public API for test files and extensions. */

export { compose } from '../checkers/compose.ts';
export { defineTest, type TestDefinition } from './config/define.ts';
export {
  type AnomalyCase,
  anomalyFields,
  type Checker,
  type CheckResult,
  noAnomalies,
  type Validity,
} from './core/checker.ts';
export type { Generator, Invocation, OpTemplate } from './core/generator.ts';
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
} from './core/index.ts';
export type { Op, OpType, Process } from './core/op.ts';
