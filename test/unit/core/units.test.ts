/**
 * "Time values name their unit" (docs/architecture.md, Core conventions), enforced over src/core: every
 * number field of an exported interface or type that is a time value ends in Ns, Ms, S or Us. A field is
 * a time value when its name says so (time, at, start, end, until, latency, duration, delay, interval,
 * timeout, deadline, elapsed, period, since, limit, wait) or its docstring speaks of a time unit. The
 * source is read as text (typescript 7 is the native tsc and exposes no stable JS parser API); the
 * scanner is a pure function, also shown flagging a small bad source.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** A number field that is a time value without a unit in its name: `Decl.field`. */
type Finding = string;

/**
 * Documented exceptions: the history's `time` (Jepsen's field name, ns since the run started; see
 * src/core/op.ts) and the generator shapes that carry it into the history.
 */
const EXCEPTIONS = new Set(['Op.time', 'Context.time', 'Invocation.time', 'OpTemplate.time']);

const UNIT_SUFFIX = /(Ns|Ms|S|Us)$/;
/** Suffixes that name something else than a time (a size, a position, a count). */
const NOT_TIME_SUFFIX = /(^(rate|count|index)|Bytes|Index|Count|Rate)$/;
const TIME_WORD =
  /^(time|at|start|end|until|latency|duration|delay|interval|timeout|deadline|elapsed|period|since|limit|wait)$|(Time|At|Start|End|Until|Latency|Duration|Delay|Interval|Timeout|Deadline|Elapsed|Period|Since|Limit|Wait)$/;
const TIME_DOC = /\b(nanoseconds?|milliseconds?|microseconds?|seconds?|ns|ms|µs)\b/i;

/** The text of each exported interface or type alias: `[name, body]`, brace- and paren-balanced. */
function exportedDecls(source: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /^export (?:interface|type) (\w+)[^\n]*/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const isInterface = m[0].startsWith('export interface');
    let depth = 0;
    let i = m.index;
    let opened = false;
    for (; i < source.length; i++) {
      const c = source[i]!;
      if (c === '{' || c === '(' || c === '[') {
        depth++;
        opened = true;
      } else if (c === '}' || c === ')' || c === ']') depth--;
      if (isInterface ? opened && depth === 0 : depth === 0 && c === ';') break;
    }
    out.push([m[1]!, source.slice(m.index, i + 1)]);
  }
  return out;
}

/**
 * Number fields of exported declarations that are time values without a unit suffix, as `Decl.field`.
 * Pure: `source` is a module's text.
 */
function unitlessTimeFields(source: string): Finding[] {
  const found: Finding[] = [];
  for (const [name, body] of exportedDecls(source)) {
    // A property with its optional preceding docstring; its type up to `;`, `,`, a brace or the line's end
    // (an inline object type's fields are matched on their own).
    const prop = /(\/\*\*(?:[^*]|\*(?!\/))*\*\/\s*)?(?:readonly\s+)?(\w+)\??\s*:\s*([^;,\n{}]*)/g;
    for (let m = prop.exec(body); m; m = prop.exec(body)) {
      const [, doc = '', field, type] = m as unknown as [string, string | undefined, string, string];
      if (!/\bnumber\b/.test(type)) continue;
      if (UNIT_SUFFIX.test(field) || NOT_TIME_SUFFIX.test(field)) continue;
      // "Ops per second" is a rate, not a time.
      if (!TIME_WORD.test(field) && !TIME_DOC.test(doc.replace(/per second/gi, ''))) continue;
      const id = `${name}.${field}`;
      if (!EXCEPTIONS.has(id)) found.push(id);
    }
  }
  return found;
}

const CORE = join(import.meta.dirname, '../../../src/core');

describe('time values name their unit (src/core)', () => {
  it('every exported number field of src/core that is a time value ends in Ns, Ms, S or Us', () => {
    const files = readdirSync(CORE).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const found = files.flatMap((f) =>
      unitlessTimeFields(readFileSync(join(CORE, f), 'utf8')).map((x) => `${f}: ${x}`),
    );
    expect(found).toEqual([]);
  });

  it('the scan sees the fields that matter: it finds the documented exceptions and suffixed times', () => {
    // Were the scanner blind (no declarations, no fields), the test above would pass vacuously.
    const op = readFileSync(join(CORE, 'op.ts'), 'utf8');
    expect(exportedDecls(op).map(([n]) => n)).toContain('Op');
    const withoutExceptions = op.replace('export interface Op {', 'export interface Op2 {');
    expect(unitlessTimeFields(withoutExceptions)).toEqual(['Op2.time']);
  });

  it('flags a unitless time by its name or by its docstring, and passes suffixed ones and non-times', () => {
    const src = `
export interface Bad {
  /** Seconds between faults. */
  interval: number;
  /** Nanoseconds of clock skew. */
  skew: number;
  startedAt?: number | undefined;
  readonly deadline: number;
  inline: { since: number; untilNs: number };
}
export type Shapes = { kind: 'a'; at: number } | { kind: 'b'; atS: number };
export interface Good {
  /** Seconds between faults. */
  intervalS: number;
  timeoutMs?: number;
  endIndex: number;
  memoryLimitBytes: number;
  /** How many times it was retried. */
  count: number;
  name: string;
  at: string;
}
interface NotExported { delay: number }
`;
    expect(unitlessTimeFields(src)).toEqual([
      'Bad.interval',
      'Bad.skew',
      'Bad.startedAt',
      'Bad.deadline',
      'Bad.since',
      'Shapes.at',
    ]);
  });
});
