/**
 * Validation of a test's plugin options (`--opt key=value`, `options: {…}` in a test file) against the
 * schemas the chosen system, workload and fault families declare (src/core/options.ts). An unknown key or
 * a value of the wrong type is a one-line UserError naming the valid keys and their types; nothing is
 * silently ignored. A plugin without a schema (e.g. a system object from a test file) may read any key,
 * so unknown keys are then let through; the keys that are declared are still checked.
 */
import { UserError } from '../core/errors.ts';
import { describeKeys, type OptionsSchema } from '../core/options.ts';
import { FIELDS, type FieldName, oneLine } from './options.ts';

/** A plugin whose options are checked: what it is, its name, its schema (if it declares one). */
export interface OptionOwner {
  kind: 'system' | 'workload' | 'nemesis';
  name: string;
  schema: OptionsSchema | undefined;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Throws a one-line UserError for the first unknown or mistyped key of `options`. */
export function validatePluginOptions(
  options: Record<string, unknown>,
  owners: readonly OptionOwner[],
): void {
  const open = owners.some((o) => o.schema === undefined);
  for (const [key, value] of Object.entries(options)) {
    const declaring = owners.filter((o) => o.schema && key in o.schema.shape);
    if (declaring.length === 0) {
      if (open) continue;
      throw new UserError(unknownKey(key, owners));
    }
    for (const o of declaring) {
      const t = o.schema!.shape[key]!;
      let ok: boolean;
      try {
        ok = t.safeParse(value).success;
      } catch {
        ok = false;
      }
      if (!ok)
        throw new UserError(
          `option ${oneLine(key)}=${oneLine(value)}: expected ${t.description ?? 'a valid value'} (${o.kind} ${o.name})`,
        );
    }
  }
}

function unknownKey(key: string, owners: readonly OptionOwner[]): string {
  const who = owners.map((o) => `${o.kind} ${o.name}`).join(', ');
  const valid = owners.flatMap((o) => (o.schema ? describeKeys(o.schema) : []));
  const hint =
    key in FIELDS && key !== 'options'
      ? ` (${key} is a test field: use ${FIELDS[key as FieldName].flag.split(' ')[0]})`
      : Object.keys(FIELDS).includes(key) || /[A-Z]/.test(key)
        ? ''
        : Object.keys(FIELDS).some((f) => kebab(f) === key)
          ? ` (use --${key})`
          : '';
  return `unknown option ${oneLine(key)}${hint} for ${who}: valid keys are ${valid.length ? [...new Set(valid)].join(', ') : 'none'}`;
}
