/** Test definitions: what a test file exports (`defineTest`), validated, then resolved with CLI flags. */
import { z } from 'zod';
import type { NemesisPackage, SystemDescriptor, WorkloadDescriptor } from '../core/index.ts';

const positiveInt = z.number().int().positive();

/** Everything a test may set. Every field also has a CLI flag; the flag wins. */
export const testSchema = z
  .object({
    name: z.string().min(1).optional(),
    system: z.union([z.string(), z.custom<SystemDescriptor>((v) => isObj(v) && 'create' in v)]).optional(),
    mode: z.string().optional(),
    workload: z
      .union([z.string(), z.custom<WorkloadDescriptor>((v) => isObj(v) && 'create' in v)])
      .optional(),
    nemesis: z
      .union([z.string(), z.array(z.string()), z.custom<NemesisPackage>((v) => isObj(v) && 'nemesis' in v)])
      .optional(),
    nodes: z.union([positiveInt, z.array(z.string().min(1)).min(1)]).optional(),
    concurrency: z
      .union([positiveInt, z.string().regex(/^\d+n$/, 'a number, or a multiple of the node count like 2n')])
      .optional(),
    timeLimit: z.number().positive().optional(),
    rate: z.number().min(0).optional(),
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    recoveryTime: z.number().min(0).optional(),
    opTimeout: z.number().positive().optional(),
    nemesisInterval: z.number().positive().optional(),
    checkerTimeLimit: z.number().positive().optional(),
    checkerMemoryLimit: z.number().positive().optional(),
    resultsDir: z.string().optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type TestDefinition = z.infer<typeof testSchema>;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Marks a test file's export; validation happens when it is loaded, with a one-line error. */
export function defineTest(def: TestDefinition): TestDefinition {
  return def;
}

/** The resolved test, stored as test.json (objects given in a test file are stored by name). */
export interface ResolvedTest {
  name: string;
  system: string;
  mode: string;
  workload: string;
  nemesis: string[];
  nodes: string[];
  concurrency: number;
  timeLimit: number;
  rate: number;
  seed: number;
  recoveryTime: number;
  opTimeout: number;
  nemesisInterval: number;
  checkerTimeLimit: number;
  checkerMemoryLimit: number | undefined;
  resultsDir: string;
  options: Record<string, unknown>;
}

export const DEFAULTS = {
  system: 'memory',
  workload: 'set',
  nodes: 5,
  concurrency: '2n',
  timeLimit: 30,
  rate: 100,
  recoveryTime: 2,
  opTimeout: 5,
  nemesisInterval: 5,
  checkerTimeLimit: 300,
  resultsDir: 'results',
} as const;

export function nodeNames(nodes: number | string[] | undefined): string[] {
  if (Array.isArray(nodes)) return nodes;
  return Array.from({ length: nodes ?? DEFAULTS.nodes }, (_, i) => `n${i + 1}`);
}

export function resolveConcurrency(c: number | string | undefined, nodeCount: number): number {
  const v = c ?? DEFAULTS.concurrency;
  if (typeof v === 'number') return v;
  const m = /^(\d+)n$/.exec(v);
  if (!m) throw new Error(`--concurrency ${v}: expected a number or a multiple of the node count like 2n`);
  return Math.max(1, Number(m[1]) * nodeCount);
}

export function nemesisNames(n: TestDefinition['nemesis']): string[] {
  if (n === undefined || n === 'none' || n === '') return [];
  if (typeof n === 'string')
    return n
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(n)) return n.filter((s) => s !== 'none');
  return [n.nemesis.name];
}
