import type { Op } from '../../core/op.ts';
import { parseJsonExact } from '../values.ts';
import { HistoryFormatError, type ParsedHistory } from './types.ts';

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

/** A quoted excerpt that stays on one line: JSON escapes plus the separators JSON leaves raw. */
const oneLine = (s: string): string =>
  JSON.stringify(s).replace(
    /[\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/**
 * Our own history.jsonl: one Op as JSON per line, split on LF only (U+2028/U+2029 inside a value are not
 * line ends). A truncated last line (the run died mid-write) is skipped with a warning; a bad line anywhere
 * else is an error naming it. Integers beyond 2^53 are read exactly (as bigints); tagged EDN values
 * (`{"$kw":"a"}`…) are kept as written (see ../values.ts).
 */
export function parseJsonl(text: string, file = '<history.jsonl>'): ParsedHistory {
  const history: Op[] = [];
  const warnings: string[] = [];
  const opLines: number[] = [];
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  for (let ln = 0; ln <= last; ln++) {
    const raw = lines[ln]!;
    if (raw.trim() === '') continue;
    let op: unknown;
    try {
      op = parseJsonExact(raw);
    } catch {
      if (ln === last) {
        warnings.push(
          `${file}:${ln + 1}: last line is truncated (the run probably stopped mid-write); skipped`,
        );
        break;
      }
      throw new HistoryFormatError(
        file,
        ln + 1,
        `not valid JSON: ${oneLine(raw.slice(0, 60))}`,
        'each line must be one Op object; fix or delete that line',
      );
    }
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
        ln + 1,
        'not an Op (needs type invoke|ok|fail|info, process, f)',
        'each line must be one Op object',
      );
    }
    opLines.push(ln + 1);
    history.push({
      ...(o as Op),
      index: typeof o.index === 'number' ? o.index : history.length,
      time: typeof o.time === 'number' ? o.time : history.length,
      value: o.value === undefined ? null : o.value,
    });
  }
  return { history, model: undefined, format: 'jsonl', warnings, lines: opLines };
}
