/**
 * Plugin options (`--opt key=value`, or `options: {…}` in a test file): each system, workload and fault
 * family declares the keys it reads as a zod object built from the helpers below, and the registry
 * validates a test's options against the schemas of the plugins it uses before anything is built.
 * Every helper yields an optional field whose `description` is its type in words ("number in [0, 1]"),
 * which error messages show next to the key. Values are what `--opt` gives (JSON when the text parses as
 * JSON, else a string) or what a test file wrote; validation never rewrites them, so test.json keeps
 * exactly what the user gave and a replay validates it again.
 */
import { z } from 'zod';

/** A plugin's option keys: every field optional, described by its type in words. */
export type OptionsSchema = z.ZodObject<Record<string, z.ZodType>>;

const range = (min: number, max: number) => `[${min}, ${max}]`;

/** A finite number in [min, max]; `unit` (e.g. 'ms', 's') is named in the description. */
function number(min: number, max: number, unit?: string) {
  const what = `number${unit ? ` of ${unit}` : ''} in ${range(min, max)}`;
  return z.number().finite().min(min).max(max).optional().describe(what);
}

/** A whole number in [min, max]. */
function int(min: number, max: number, unit?: string) {
  const what = `whole number${unit ? ` of ${unit}` : ''} in ${range(min, max)}`;
  return z.number().int().min(min).max(max).optional().describe(what);
}

/** true or false (also the strings "true"/"false", as a test file may write them). */
function bool() {
  return z
    .union([z.boolean(), z.enum(['true', 'false'])])
    .optional()
    .describe('true or false');
}

/** One of the given words. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .enum(values)
    .optional()
    .describe(`one of ${values.join(', ')}`);
}

/** Any text matching `re`; `what` says what that is ("a tc rate like 10mbit"). */
function text(re: RegExp, what: string) {
  return z.string().regex(re, what).optional().describe(what);
}

/**
 * A non-empty list: comma-separated text (`--opt k=a,b`) or an array (test file). `item` checks each
 * element (after trimming); `what` describes one element.
 */
function list(what: string, item: (s: string) => boolean = () => true) {
  // At least one element: an empty list would leave the plugin nothing to pick from.
  const ok = (v: string | number | readonly (string | number)[]) => {
    const items = (Array.isArray(v) ? v.map(String) : String(v).split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    return items.length > 0 && items.every(item);
  };
  return z
    .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
    .refine(ok, { message: `expected a comma-separated list of ${what}` })
    .optional()
    .describe(`list of ${what}`);
}

/** A list whose elements are drawn from `values` (several allowed, comma-separated). */
function listOf(values: readonly string[]) {
  return list(values.join('|'), (s) => values.includes(s));
}

/** Any value `ok` accepts (a shape zod cannot say directly, e.g. JSON text of an object); `what` describes it. */
function check(what: string, ok: (v: unknown) => boolean) {
  return z
    .unknown()
    .refine((v) => v === undefined || ok(v), { message: `expected ${what}` })
    .describe(what);
}

/** The builders plugins use to declare their option keys (see the module comment). */
export const opt = { number, int, bool, oneOf, text, list, listOf, check };

/** Declares a plugin's option keys (a non-strict zod object: unknown keys are judged by the registry). */
export function optionsSchema<T extends Record<string, z.ZodType>>(shape: T): z.ZodObject<T> {
  return z.object(shape);
}

/** "key (type)" for each key of a schema, for error messages. */
export function describeKeys(schema: OptionsSchema): string[] {
  return Object.entries(schema.shape).map(([k, t]) => `${k} (${t.description ?? 'any value'})`);
}
