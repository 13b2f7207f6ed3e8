/** Loads a test file (plain TypeScript exporting defineTest({...})) and validates it, one-line errors. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../core/errors.ts';
import type { TestDefinition } from './define.ts';
import { FIELDS, type FieldName, oneLine, testSchema } from './options.ts';

/** Imports a test file and validates its export; every failure is a UserError naming the file (and line). */
export async function loadTestFile(file: string): Promise<TestDefinition> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new UserError(`test file ${file} not found: check the path`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (err) {
    const msg = firstMessage(err, abs);
    const line = lineIn(err, abs);
    throw new UserError(`test file ${file}${line ? `:${line}` : ''} could not be loaded: ${oneLine(msg)}`);
  }
  let def: unknown;
  try {
    def = mod.default ?? mod.test;
  } catch (err) {
    throw new UserError(`test file ${file}: reading its export failed: ${oneLine(errMessage(err))}`);
  }
  if (def === undefined)
    throw new UserError(`test file ${file} exports no test: add \`export default defineTest({...})\``);
  return validateTest(def, `test file ${file}`);
}

const errMessage = (err: unknown) =>
  err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);

/** Terminal colour codes, which some loaders put in their messages. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The line of `abs` an error points at: the header of a SyntaxError's stack (Node), a `file:line:col:`
 * line of a transform error's message (a bundler's loader), or the first stack frame in the file.
 */
function lineIn(err: unknown, abs: string): number | undefined {
  const text = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : '';
  const m =
    new RegExp(`(?:^|[\\s(])${esc(abs)}:(\\d+)`, 'm').exec(text) ??
    new RegExp(`${esc(pathToFileURL(abs).href)}:(\\d+)`).exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The error's first line; a header like "Transform failed with 1 error:" takes the line after it, unprefixed. */
function firstMessage(err: unknown, abs: string): string {
  const text = (err instanceof Error ? err.message : String(err)).replace(ANSI, '');
  const lines = text.split('\n').filter((l) => l.trim());
  const first = lines[0] ?? String(err);
  if (!first.endsWith(':') || !lines[1]) return first;
  return lines[1].replace(new RegExp(`^${esc(abs)}:\\d+(:\\d+)?:\\s*`), '');
}

/**
 * Validates a test definition (a test file's export, or a stored test for --replay). A getter that throws,
 * an unknown field or a bad value: one UserError line `where: field: expected …`.
 */
export function validateTest(def: unknown, where: string): TestDefinition {
  let r: ReturnType<typeof testSchema.safeParse>;
  try {
    // Plain data first: getters run here, once, and a throwing one is the user's error.
    r = testSchema.safeParse(def);
  } catch (err) {
    throw new UserError(`${where}: reading the test failed: ${oneLine(errMessage(err))}`);
  }
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = issue.path[0];
  if (issue.code === 'unrecognized_keys') {
    throw new UserError(
      `${where}: unknown field ${issue.keys.map((k) => oneLine(k)).join(', ')}: the fields are ${Object.keys(FIELDS).join(', ')}`,
    );
  }
  if (typeof key === 'string' && key in FIELDS) {
    const value = (def as Record<string, unknown>)[key];
    throw new UserError(`${where}: ${key}: ${oneLine(value)}: expected ${FIELDS[key as FieldName].expect}`);
  }
  const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  throw new UserError(`${where}: ${path}: ${issue.message}`);
}
