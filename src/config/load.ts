/** Loads a test file (plain TypeScript exporting defineTest({...})) and validates it, one-line errors. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../core/errors.ts';
import { type TestDefinition, testSchema } from './define.ts';

export async function loadTestFile(file: string): Promise<TestDefinition> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new UserError(`test file ${file} not found: check the path`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UserError(`test file ${file} could not be loaded: ${msg}`);
  }
  const def = mod.default ?? mod.test;
  if (def === undefined)
    throw new UserError(`test file ${file} exports no test: add \`export default defineTest({...})\``);
  return validateTest(def, `test file ${file}`);
}

export function validateTest(def: unknown, where: string): TestDefinition {
  const r = testSchema.safeParse(def);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.length ? issue.path.join('.') : '(top level)';
  throw new UserError(`${where}: ${path}: ${issue.message}`);
}
