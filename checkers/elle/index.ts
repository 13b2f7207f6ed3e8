/**
 * The transactional (Elle-class) checker: public entry points. See checker.ts for the pipeline and
 * types.ts for the shared shapes.
 */
export {
  checkInference,
  checkTxnHistory,
  DEFAULT_MODELS,
  type ElleResult,
  elleChecker,
  prohibitedAnomalies,
} from './checker.ts';
export { BASE_CYCLE_TYPES, CYCLE_TYPES, classifyCycle, findCycles } from './cycles.ts';
export { anomaliesProhibitedBy, friendlyBoundary, KNOWN_MODELS } from './models.ts';
export type * from './types.ts';
