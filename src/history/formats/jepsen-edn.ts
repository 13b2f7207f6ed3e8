import type { Op, OpType, Process } from '../../core/op.ts';
import { isKeyword, nameOf, showValue, unusableValue } from '../values.ts';
import { EdnError, EdnReader } from './edn.ts';
import { HistoryFormatError, type ParsedHistory } from './types.ts';

/**
 * Jepsen/Knossos `history.edn`, read as EDN with ./edn.ts: op maps one after another (one a line or
 * spread over lines), or one top-level vector or list of op maps; `;` comments and `#_` discards
 * anywhere; records such as `#jepsen.history.Op{…}` read as their map. `:type`, `:f`, `:process` and
 * `:error` keywords become plain strings; `:value` keeps its exact EDN value (../values.ts). No model is
 * implied. A file cut off inside its last op map (a crashed writer) loses that op with a warning.
 */

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

/** An op map, unwrapping a record tag (`#jepsen.history.Op{…}`). */
function opMap(m: unknown): Record<string, unknown> | undefined {
  let x = m;
  if (x !== null && typeof x === 'object' && !Array.isArray(x) && '$tag' in x && '$value' in x)
    x = (x as { $value: unknown }).$value;
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return undefined;
  if (isKeyword(x) || '$set' in x || '$tag' in x) return undefined;
  return x as Record<string, unknown>;
}

function toOp(m: unknown, pos: number, file: string, line: number): Op {
  const r = opMap(m);
  const bad = (what: string, fix: string) => new HistoryFormatError(file, line, what, fix);
  if (!r)
    throw bad(
      `expected an op map {:type … :f … :process …}, got ${showValue(m).slice(0, 60)}`,
      'each op is one map',
    );
  const type = nameOf(r.type);
  if (type === undefined || !TYPES.has(type))
    throw bad(`bad :type ${showValue(r.type)}`, 'use :invoke, :ok, :fail or :info');
  const p = r.process;
  const process: Process | undefined =
    nameOf(p) === 'nemesis' ? 'nemesis' : typeof p === 'number' && Number.isSafeInteger(p) ? p : undefined;
  if (process === undefined) throw bad(`bad :process ${showValue(p)}`, 'use an integer or :nemesis');
  for (const k of ['index', 'time'] as const) {
    const v = r[k];
    if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isSafeInteger(v)))
      throw bad(`bad :${k} ${showValue(v)}`, `use an integer (:time in nanoseconds)`);
  }
  const value = r.value === undefined ? null : r.value;
  const unusable = unusableValue(value);
  if (unusable) throw bad(`op's :value ${showValue(value).slice(0, 60)}: ${unusable}`, 'replace that value');
  const f = r.f === undefined || r.f === null ? '' : (nameOf(r.f) ?? showValue(r.f));
  const op: Op = {
    index: typeof r.index === 'number' ? r.index : pos,
    time: typeof r.time === 'number' ? r.time : pos,
    type: type as OpType,
    process,
    f,
    value,
  };
  if (typeof r.node === 'string') op.node = r.node;
  if (r.error !== undefined && r.error !== null) op.error = nameOf(r.error) ?? showValue(r.error);
  return op;
}

/** The 1-based number of the last line holding anything but blanks. */
function lastLine(text: string): number {
  const end = text.trimEnd().length;
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Parses a Jepsen EDN history. Throws HistoryFormatError (`file:line: what; fix`) on anything that is
 * not valid EDN or not an op. `lines[i]` is the line op i starts on.
 */
export function parseJepsenEdn(text: string, file = '<history.edn>'): ParsedHistory {
  const history: Op[] = [];
  const lines: number[] = [];
  const warnings: string[] = [];
  const rd = new EdnReader(text);
  const push = (m: unknown, line: number) => {
    history.push(toOp(m, history.length, file, line));
    lines.push(line);
  };
  try {
    const first = rd.peek();
    if (first === '[' || first === '(') {
      // One collection holding every op.
      const start = rd.line;
      const close = first === '[' ? ']' : ')';
      rd.take();
      for (;;) {
        const c = rd.peek();
        if (c === close) {
          rd.take();
          break;
        }
        if (c === undefined)
          throw new EdnError(
            start,
            `"${close}" missing: the list of ops opened here never closes (the text ends on line ${rd.line})`,
            true,
          );
        const line = rd.line;
        push(rd.readForm(), line);
      }
      if (rd.peek() !== undefined) throw new EdnError(rd.line, 'text after the closing of the list of ops');
    } else {
      while (rd.peek() !== undefined) {
        const line = rd.line;
        let m: unknown;
        try {
          m = rd.readForm();
        } catch (e) {
          // The writer died mid-op: keep what came before.
          // Only an op begun on the last line counts as cut off; an unclosed map further up would
          // otherwise swallow every op after it with a mere warning.
          if (e instanceof EdnError && e.atEnd && history.length > 0 && line === lastLine(text)) {
            warnings.push(`${file}:${line}: the last op is truncated; skipped`);
            break;
          }
          throw e;
        }
        push(m, line);
      }
    }
  } catch (e) {
    if (e instanceof EdnError)
      throw new HistoryFormatError(file, e.line, `not valid EDN: ${e.message}`, 'fix the history file');
    throw e;
  }
  return { history, model: undefined, format: 'jepsen-edn', warnings, lines };
}
