import { parseEDNString } from 'edn-data';
import type { Op, OpType, Process } from '../../core/op.ts';
import { HistoryFormatError, type ParsedHistory } from './types.ts';

/**
 * Jepsen/Knossos `history.edn`: one op map per line, e.g.
 * `{:type :invoke, :f :read, :value nil, :process 0, :time 123, :index 0}`. Keywords become strings,
 * vectors and lists arrays, `nil` null, independent tuples `[k v]` (tagged or not) two-element arrays.
 * The whole file may also be one vector of maps. No model is implied.
 */
const OPTIONS = {
  mapAs: 'object',
  keywordAs: 'string',
  listAs: 'array',
  setAs: 'array',
  tagHandlers: { 'jepsen.independent/tuple': (v: unknown) => v },
} as const;

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

function toOp(m: unknown, pos: number, file: string, line: number): Op {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) {
    throw new HistoryFormatError(
      file,
      line,
      'expected an op map {:type … :f … :process …}',
      'one map per line',
    );
  }
  const r = m as Record<string, unknown>;
  const type = r.type;
  if (typeof type !== 'string' || !TYPES.has(type)) {
    throw new HistoryFormatError(
      file,
      line,
      `bad :type ${JSON.stringify(type)}`,
      'use :invoke, :ok, :fail or :info',
    );
  }
  const p = r.process;
  const process: Process = p === 'nemesis' ? 'nemesis' : typeof p === 'number' ? p : Number.NaN;
  if (Number.isNaN(process)) {
    throw new HistoryFormatError(
      file,
      line,
      `bad :process ${JSON.stringify(p)}`,
      'use an integer or :nemesis',
    );
  }
  const op: Op = {
    index: typeof r.index === 'number' ? r.index : pos,
    time: typeof r.time === 'number' ? r.time : pos,
    type: type as OpType,
    process,
    f: r.f === undefined || r.f === null ? '' : String(r.f),
    value: r.value === undefined ? null : r.value,
  };
  if (typeof r.node === 'string') op.node = r.node;
  if (r.error !== undefined && r.error !== null)
    op.error = typeof r.error === 'string' ? r.error : JSON.stringify(r.error);
  return op;
}

export function parseJepsenEdn(text: string, file = '<history.edn>'): ParsedHistory {
  const history: Op[] = [];
  const warnings: string[] = [];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    // One vector holding every op.
    const all = parseEDNString(trimmed, OPTIONS);
    if (!Array.isArray(all))
      throw new HistoryFormatError(file, 1, 'unterminated vector of ops', 'close the [ … ]');
    for (const [i, m] of all.entries()) history.push(toOp(m, i, file, 1));
    return { history, model: undefined, format: 'jepsen-edn', warnings };
  }
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  for (let ln = 0; ln <= last; ln++) {
    const raw = lines[ln]!.trim();
    if (raw === '' || raw.startsWith(';')) continue;
    let m: unknown;
    try {
      m = parseEDNString(raw, OPTIONS);
    } catch (e) {
      m = e instanceof Error ? e : null;
    }
    if (m === null || m instanceof Error || m === undefined) {
      if (ln === last) {
        warnings.push(`${file}:${ln + 1}: last line is truncated; skipped`);
        break;
      }
      throw new HistoryFormatError(
        file,
        ln + 1,
        `not an EDN op map: "${raw.slice(0, 60)}"`,
        'fix or delete that line',
      );
    }
    history.push(toOp(m, history.length, file, ln + 1));
  }
  return { history, model: undefined, format: 'jepsen-edn', warnings };
}
