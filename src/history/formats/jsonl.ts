import { escapeLine } from '../../core/errors.ts';
import type { Op } from '../../core/op.ts';
import { parseJsonExact } from '../values.ts';
import { HistoryFormatError, type ParsedHistory } from './types.ts';

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

/** A quoted excerpt that stays on one line: JSON escapes plus the separators JSON leaves raw. */
const oneLine = (s: string): string => escapeLine(JSON.stringify(s));

/** What `parseJsonlLine` makes of one line: an op, nothing (blank), or unparsable JSON. */
export type JsonlLine = { kind: 'op'; op: Op } | { kind: 'blank' } | { kind: 'torn' };

/**
 * One line of our own history.jsonl (1-based `lineNo`, `position` = ops read before it, the index and
 * time of an op that lacks them). `torn` when the line is not JSON (a partial line, acceptable only as the
 * last one: the caller decides); throws HistoryFormatError (file:line) for JSON that is not an Op.
 * Shared by parseJsonl and the run folder's streaming reader (src/store/history.ts), so both read alike.
 */
export function parseJsonlLine(raw: string, file: string, lineNo: number, position: number): JsonlLine {
  if (raw.trim() === '') return { kind: 'blank' };
  let op: unknown;
  try {
    op = parseJsonExact(raw);
  } catch {
    return { kind: 'torn' };
  }
  return { kind: 'op', op: toOp(op, file, lineNo, position) };
}

/** A parsed JSON value as an Op (index and time default to its position), or a file:line error. */
function toOp(op: unknown, file: string, lineNo: number | undefined, position: number): Op {
  const o = op as Partial<Op> | null;
  if (
    o === null ||
    typeof o !== 'object' ||
    !TYPES.has(o.type as string) ||
    (typeof o.process !== 'number' && o.process !== 'nemesis') ||
    typeof o.f !== 'string'
  ) {
    throw new HistoryFormatError(
      file,
      lineNo,
      'not an Op (needs type invoke|ok|fail|info, process, f)',
      'each line must be one Op object',
    );
  }
  return {
    ...(o as Op),
    index: typeof o.index === 'number' ? o.index : position,
    time: typeof o.time === 'number' ? o.time : position,
    value: o.value === undefined ? null : o.value,
  };
}

/** The error for a line that is not JSON and is not the last one. */
export function notJsonError(raw: string, file: string, lineNo: number): HistoryFormatError {
  return new HistoryFormatError(
    file,
    lineNo,
    `not valid JSON: ${oneLine(raw.slice(0, 60))}`,
    'each line must be one Op object; fix or delete that line',
  );
}

/** The warning for a torn last line. */
export const tornLastLine = (file: string, lineNo: number): string =>
  `${file}:${lineNo}: last line is truncated (the run probably stopped mid-write); skipped`;

/**
 * Our own history.jsonl, from text in memory, split on LF only (U+2028/U+2029 inside a value are not line
 * ends). A truncated last line (the run died mid-write) is skipped with a warning; a bad line anywhere
 * else is an error naming it. Integers beyond 2^53 are read exactly (as bigints); tagged EDN values
 * (`{"$kw":"a"}`…) are kept as written (see ../values.ts). Run folders are read by the
 * streaming reader in src/store/history.ts, with the same policy (it shares parseJsonlLine).
 */
export function parseJsonl(text: string, file = '<history.jsonl>'): ParsedHistory {
  if (JSON_ARRAY.test(text)) return parseJsonArray(text, file);
  const history: Op[] = [];
  const warnings: string[] = [];
  const opLines: number[] = [];
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  for (let ln = 0; ln <= last; ln++) {
    const raw = lines[ln]!.replace(/\r$/, ''); // CRLF files read as the streaming reader reads them
    const r = parseJsonlLine(raw, file, ln + 1, history.length);
    if (r.kind === 'op') {
      history.push(r.op);
      opLines.push(ln + 1);
    } else if (r.kind === 'torn') {
      if (ln !== last) throw notJsonError(raw, file, ln + 1);
      warnings.push(tornLastLine(file, ln + 1));
    }
  }
  return { history, model: undefined, format: 'jsonl', warnings, lines: opLines };
}

/** A JSON array of op objects (as elle-cli's histories are written), rather than one op a line. */
export const JSON_ARRAY = /^\s*\[\s*(\]|\{\s*")/;

/**
 * The 1-based line on which each element of the top-level JSON array in `text` starts (a small scan
 * over strings and brackets; the text is known to parse).
 */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 1 && expectValue && !/[\s,\]]/.test(c)) {
      lines.push(line);
      expectValue = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectValue = true;
  }
  return lines;
}

/**
 * A JSON array of ops, e.g. elle-cli's `[{"type":"invoke","f":"txn","value":[["w","x",2]],…},\n…]`:
 * the same ops and exact values as history.jsonl; an element that is not an op is an error naming
 * its line. No torn-line tolerance: an array cut short is not valid JSON, and is refused.
 */
function parseJsonArray(text: string, file: string): ParsedHistory {
  let all: unknown;
  try {
    all = parseJsonExact(text);
  } catch (err) {
    throw new HistoryFormatError(
      file,
      undefined,
      `not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      'a file starting with [ must be one JSON array of ops; or write one op a line (JSONL)',
    );
  }
  if (!Array.isArray(all))
    throw new HistoryFormatError(file, 1, 'not a JSON array of ops', 'write one op a line (JSONL)');
  const lines = elementLines(text);
  const history = all.map((o, i) => toOp(o, file, lines[i], i));
  return { history, model: undefined, format: 'jsonl', warnings: [], lines };
}
