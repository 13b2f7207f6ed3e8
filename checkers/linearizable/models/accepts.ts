import { elementsOf, nameOf } from '../../../src/history/values.ts';
import type { Call } from '../model.ts';

/**
 * Shape checks shared by the models' `accepts` (see Model.accepts): pure predicates on one call.
 */

/** A two-element vector `[a b]` (a cas pair, an independent-key tuple). */
export const isPair = (v: unknown): v is [unknown, unknown] => Array.isArray(v) && v.length === 2;

/** A read's value: nil (unknown, e.g. the invoke) or anything the read returned. */
export const anyValue = (_v: unknown): boolean => true;

/** nil or a collection (vector, list, EDN set). */
export const nilOrCollection = (v: unknown): boolean => v === null || v === undefined || !!elementsOf(v);

/** An `accepts` from a table of f → value predicate. */
export function acceptsTable(table: Record<string, (value: unknown, c: Call) => boolean>) {
  return (c: Call): boolean => {
    const check = Object.hasOwn(table, c.f) ? table[c.f] : undefined;
    return check?.(c.value, c) ?? false;
  };
}

/** A txn micro-op `[f k v]` with f one of `fs` (keyword or string); returns f's name or undefined. */
export function microOp(m: unknown, fs: readonly string[]): string | undefined {
  if (!Array.isArray(m) || m.length !== 3) return undefined;
  const f = nameOf(m[0]);
  return f !== undefined && fs.includes(f) ? f : undefined;
}
