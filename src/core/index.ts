/**
 * The leaf core: the types every part of faultline shares and a few tiny pure helpers. Nothing here
 * imports anything else from the repo (only node:* and zod); see docs/architecture.md.
 */
export * from './checker.ts';
export * from './context.ts';
export * from './errors.ts';
export * from './generator.ts';
export * from './nemesis.ts';
export * from './op.ts';
export * from './options.ts';
export * from './remote.ts';
export * from './rng.ts';
export * from './system.ts';
export * from './time.ts';
export * from './workload.ts';
