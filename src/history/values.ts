/**
 * Op values, exactly. Every reader produces, and every checker and model consumes, values of this shape
 * (documented in docs/history-format.md):
 *
 * - `null`, booleans, strings, arrays (EDN vectors and lists), plain objects (EDN maps; keys are the
 *   keyword's name, the string, or the integer's digits);
 * - integers: a JS `number` when `Number.isSafeInteger`, otherwise a `bigint` (never a rounded number);
 *   other numbers are finite doubles;
 * - EDN types JSON has no word for, as one-key tagged objects so they stay distinct through JSON:
 *   keyword `{"$kw":"a"}`, set `{"$set":[…]}` (items sorted by {@link valueKey}), BigDecimal
 *   `{"$bigdec":"1.5"}`, char `{"$char":"a"}`, symbol `{"$sym":"x"}`, any other tagged literal
 *   `{"$tag":"inst","$value":"…"}`.
 *
 * Plain tagged objects (not classes) survive structured clone, so worker threads see the same values.
 * Equality is Clojure's `=` restricted to these shapes: `:a` ≠ `"a"`, `#{1 2}` ≠ `[1 2]`, `1.5M` ≠ `1.5`.
 */

/** EDN keyword `:name` (`:ns/name` keeps the namespace in `$kw`). */
export interface Keyword {
  readonly $kw: string;
}
/** EDN set; items in canonical order (see {@link ednSet}). */
export interface EdnSet {
  readonly $set: readonly unknown[];
}
/** EDN BigDecimal `1.5M`, as written without the `M`. */
export interface BigDec {
  readonly $bigdec: string;
}
/** EDN character `\\a`, as the one-character string. */
export interface EdnChar {
  readonly $char: string;
}
/** EDN symbol other than nil/true/false. */
export interface EdnSymbol {
  readonly $sym: string;
}
/** EDN tagged literal `#tag value` (other than the tags readers unwrap). */
export interface Tagged {
  readonly $tag: string;
  readonly $value: unknown;
}

const TAG_KEYS = new Set(['$kw', '$set', '$bigdec', '$char', '$sym']);

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The keyword `:name`. */
export const keyword = (name: string): Keyword => ({ $kw: name });
/** True for a keyword value. */
export const isKeyword = (v: unknown): v is Keyword =>
  isObj(v) && typeof v.$kw === 'string' && Object.keys(v).length === 1;
/** True for a set value. */
export const isEdnSet = (v: unknown): v is EdnSet =>
  isObj(v) && Array.isArray(v.$set) && Object.keys(v).length === 1;

/** A set value with its items in canonical order (duplicates by {@link valueKey} removed). */
export function ednSet(items: readonly unknown[]): EdnSet {
  const byKey = new Map<string, unknown>();
  for (const x of items) byKey.set(valueKey(x), x);
  const keys = [...byKey.keys()].sort();
  return { $set: keys.map((k) => byKey.get(k)) };
}

/** The integer as faultline keeps it: a number when safe, else a bigint. */
export function exactInteger(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** A keyword's or string's name, e.g. for `f` and `type`; undefined for anything else. */
export function nameOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isKeyword(v)) return v.$kw;
  if (isObj(v) && typeof v.$sym === 'string') return v.$sym;
  return undefined;
}

/** The items of a vector, list or set; undefined for anything else. */
export function elementsOf(v: unknown): readonly unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (isEdnSet(v)) return v.$set;
  return undefined;
}

/**
 * A canonical text for a value: equal values (as {@link sameValue}) give equal keys and different ones
 * different keys. Map keys are sorted, bigints are written as digits, NaN cannot occur (readers refuse it).
 * Use it for Map/Set keys and state interning instead of `JSON.stringify`.
 */
export function valueKey(v: unknown): string {
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : String(v);
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'null';
    default:
      break;
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(valueKey).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    // A set's items are canonical when read; re-sorting keeps keys right for sets built elsewhere.
    if (isEdnSet(o)) return `{"$set":[${o.$set.map(valueKey).sort().join(',')}]}`;
    return `{${keys.map((k) => `${JSON.stringify(k)}:${valueKey(o[k])}`).join(',')}}`;
  }
  return String(v);
}

/** Exact value equality (see {@link valueKey}): bigints by value, `:a` ≠ `"a"`, sets unordered. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    // undefined and null both mean nil
    return (a === undefined && b === null) || (a === null && b === undefined);
  }
  return valueKey(a) === valueKey(b);
}

/** Numeric comparison of two integers/numbers that may be bigints; NaN when either is not numeric. */
export function compareNumbers(a: unknown, b: unknown): number {
  const num = (x: unknown) => typeof x === 'number' || typeof x === 'bigint';
  if (!num(a) || !num(b)) return Number.NaN;
  // Mixed number/bigint comparison is exact in JS for < and >.
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/**
 * Why a value cannot be compared or stored exactly (NaN, ±Infinity, anywhere inside it), or undefined
 * when it can. Readers turn this into a one-line error naming the op.
 */
export function unusableValue(v: unknown): string | undefined {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '##NaN is not equal to itself, so no model can compare it';
    if (!Number.isFinite(v)) return `${v > 0 ? '##Inf' : '##-Inf'} cannot be stored exactly in JSON`;
    return undefined;
  }
  if (typeof v === 'function' || typeof v === 'symbol') return `a ${typeof v} is not a history value`;
  if (v === null || typeof v !== 'object') return undefined;
  for (const x of Array.isArray(v) ? v : Object.values(v)) {
    const r = unusableValue(x);
    if (r) return r;
  }
  return undefined;
}

/** JSON.stringify with every bigint written as its exact digits (JSON.rawJSON). */
export function stringifyExact(v: unknown, space?: number): string {
  // Fast path: a replacer function costs a call per key on every op the journal writes; only a bigint
  // needs it, and JSON.stringify throws a TypeError on one.
  try {
    return JSON.stringify(v, null, space);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return JSON.stringify(v, exactReplacer, space);
  }
}

/** A JSON.stringify replacer that writes bigints exactly; usable wherever a replacer is. */
export function exactReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? rawJSON(v.toString()) : v;
}

// Node ≥ 21 has JSON.rawJSON; TypeScript's lib does not declare it yet.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;
const SIXTEEN_DIGITS = /\d{16}/;

/** JSON.parse that keeps integers beyond 2^53 exact (as bigints), using the reviver's source text. */
export function parseJsonExact(text: string): unknown {
  // Fast path: an integer beyond 2^53 needs 16 digits in a row; without them the reviver changes nothing.
  if (!SIXTEEN_DIGITS.test(text)) return JSON.parse(text);
  return JSON.parse(text, (_key, v: unknown, ctx?: { source?: string }) => {
    if (typeof v === 'number' && !Number.isSafeInteger(v) && ctx?.source && INTEGER_TEXT.test(ctx.source))
      return BigInt(ctx.source);
    return v;
  });
}

/** Short EDN-like display: `nil`, `:kw`, `#{1 2}`, `1.5M`, `\a`, `#tag v`; strings and maps as JSON. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' && !Number.isFinite(v))
    return Number.isNaN(v) ? '##NaN' : v > 0 ? '##Inf' : '##-Inf';
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(showValue).join(' ')}]`;
  const o = v as Record<string, unknown>;
  if (isKeyword(o)) return `:${o.$kw}`;
  if (isEdnSet(o)) return `#{${o.$set.map(showValue).join(' ')}}`;
  const keys = Object.keys(o);
  if (keys.length === 1 && TAG_KEYS.has(keys[0]!)) {
    if (typeof o.$bigdec === 'string') return `${o.$bigdec}M`;
    if (typeof o.$char === 'string') return `\\${o.$char}`;
    if (typeof o.$sym === 'string') return o.$sym;
  }
  if (keys.length === 2 && typeof o.$tag === 'string' && '$value' in o)
    return `#${o.$tag} ${showValue(o.$value)}`;
  return `{${keys.map((k) => `${JSON.stringify(k)} ${showValue(o[k])}`).join(', ')}}`;
}
