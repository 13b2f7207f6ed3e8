import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Op } from '../../core/op.ts';
import { parseJepsenEdn } from './jepsen-edn.ts';
import { JSON_ARRAY, parseJsonl } from './jsonl.ts';
import { ETCD_LOG_LINE, parseEtcdLog } from './porcupine-etcd.ts';
import { KV_LINE, parseKvLog } from './porcupine-kv.ts';
import { HistoryFormatError, type ParsedHistory } from './types.ts';

export { HistoryFormatError, type ParsedHistory } from './types.ts';
export { parseEtcdLog, parseJepsenEdn, parseJsonl, parseKvLog };

export const FORMATS = ['jsonl', 'jepsen-edn', 'porcupine-etcd', 'porcupine-kv'] as const;
export type HistoryFormat = (typeof FORMATS)[number];

const PARSERS: Record<HistoryFormat, (text: string, file: string) => ParsedHistory> = {
  jsonl: parseJsonl,
  'jepsen-edn': parseJepsenEdn,
  'porcupine-etcd': parseEtcdLog,
  'porcupine-kv': parseKvLog,
};

/**
 * The format of a history text, judged by its first line that is neither blank nor an EDN `;` comment;
 * undefined when unclear.
 */
export function detectFormat(text: string, filename = ''): HistoryFormat | undefined {
  const first = /^[ \t,]*([^\s;,][^\n]*)/m.exec(text)?.[1]?.trim();
  if (first === undefined) return filename.endsWith('.edn') ? 'jepsen-edn' : 'jsonl';
  if (first.startsWith('{"') || (filename.endsWith('.jsonl') && first.startsWith('{'))) return 'jsonl';
  // A JSON array of op objects (elle-cli writes histories so): read by the jsonl reader.
  if (JSON_ARRAY.test(text.slice(text.indexOf(first)))) return 'jsonl';
  if (ETCD_LOG_LINE.test(first)) return 'porcupine-etcd';
  if (KV_LINE.test(first)) return 'porcupine-kv';
  // EDN: a map, a vector or list of ops, a tagged record (#jepsen.history.Op{…}) or a #_ discard
  if (/^(\{\s*:|[[(#])/.test(first)) return 'jepsen-edn';
  if (filename.endsWith('.edn')) return 'jepsen-edn';
  return undefined;
}

export interface ReadHistory {
  history: Op[];
  /** The model the format implies (Porcupine logs do), if any. */
  model?: string;
  format: HistoryFormat;
  warnings: string[];
  /** The 1-based line each op starts on, when the format knows it. */
  lines?: number[];
}

/**
 * Reads a history file in any known format (detected unless given). Throws an Error whose message is
 * one line: file, line, what is wrong, how to fix. An empty file is an empty history.
 */
export function readHistoryFile(path: string, opts: { format?: HistoryFormat } = {}): ReadHistory {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${path}: cannot read the history file (${code ?? String(e)}); check the path`);
  }
  // A UTF-8 byte order mark (some editors write one) is not part of the history.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const format = opts.format ?? detectFormat(text, basename(path));
  if (!format) {
    throw new HistoryFormatError(
      path,
      1,
      'unrecognised history format',
      `pass the format explicitly (one of ${FORMATS.join(', ')})`,
    );
  }
  const parser = PARSERS[format];
  if (!parser) throw new Error(`${path}: unknown format "${format}"; use one of ${FORMATS.join(', ')}`);
  const parsed = parser(text, path);
  const out: ReadHistory = { history: parsed.history, format, warnings: parsed.warnings };
  if (parsed.model !== undefined) out.model = parsed.model;
  if (parsed.lines) out.lines = parsed.lines;
  return out;
}
