import type { Op, OpType } from '../../core/op.ts';
import { exactInteger } from '../values.ts';
import { HistoryFormatError, type ParsedHistory } from './types.ts';

/**
 * Jepsen 2014-era console logs as in Porcupine's test data (`INFO  jepsen.util - 3\t:ok\t:cas\t[1 2]`).
 * No timestamps: line order is time, so `time` is the line number. Implies the `etcd` model.
 */
export const ETCD_LOG_LINE = /^INFO\s+jepsen\.util\s+-\s+\d+\s+:(invoke|ok|fail|info)\s+:/;

const TYPES = new Set<string>(['invoke', 'ok', 'fail', 'info']);

function parseValue(tok: string, file: string, line: number): unknown {
  if (tok === 'nil') return null;
  if (tok.startsWith(':')) return tok.slice(1);
  if (tok.startsWith('[')) {
    const parts = tok.slice(1, -1).trim().split(/\s+/);
    return parts.map((p) => parseValue(p, file, line));
  }
  // Integers stay exact beyond 2^53 (see ../values.ts).
  if (/^-?\d+$/.test(tok)) return exactInteger(BigInt(tok));
  const n = Number(tok);
  if (!Number.isFinite(n)) {
    throw new HistoryFormatError(
      file,
      line,
      `cannot read value "${tok}"`,
      'expected nil, an integer, [a b] or :keyword',
    );
  }
  return n;
}

export function parseEtcdLog(text: string, file = '<etcd log>'): ParsedHistory {
  const history: Op[] = [];
  const lines = text.split('\n');
  const openValue = new Map<number, unknown>();
  for (let ln = 0; ln < lines.length; ln++) {
    const raw = lines[ln]!.trim();
    if (raw === '') continue;
    const toks = raw.split(/\s+/);
    // INFO jepsen.util - proc :type :f value…
    const proc = Number(toks[3]);
    const type = toks[4]?.slice(1) ?? '';
    if (toks[0] !== 'INFO' || !Number.isInteger(proc) || !TYPES.has(type) || !toks[5]?.startsWith(':')) {
      throw new HistoryFormatError(
        file,
        ln + 1,
        `not a Jepsen console op line: "${raw.slice(0, 60)}"`,
        'expected "INFO jepsen.util - <process> :<type> :<f> <value>"',
      );
    }
    const f = toks[5].slice(1);
    const rest = toks.slice(6).join(' ');
    let value = rest === '' ? null : parseValue(rest, file, ln + 1);
    let error: string | undefined;
    if (type === 'invoke') openValue.set(proc, value);
    else if (typeof value === 'string') {
      // `:timed-out` and the like: the outcome is unknown; keep the invoke's value, as Jepsen does.
      error = value;
      value = openValue.get(proc) ?? null;
    }
    if (type !== 'invoke') openValue.delete(proc);
    const op: Op = { index: history.length, time: ln, type: type as OpType, process: proc, f, value };
    if (error !== undefined) op.error = error;
    history.push(op);
  }
  return { history, model: 'etcd', format: 'porcupine-etcd', warnings: [] };
}
