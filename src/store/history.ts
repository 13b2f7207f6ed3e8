/**
 * The one reader of a run folder's history.jsonl: streamed line by line (node:readline), so a history
 * larger than a JS string still loads. Policy: a torn LAST line (the run died mid-write) is dropped with
 * a warning; any other bad line is a HistoryFormatError naming file:line. Every command that reads a
 * run folder (analyze, report, serve, replay) goes through it.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Op } from '../core/op.ts';
import { notJsonError, parseJsonlLine, tornLastLine } from '../history/formats/jsonl.ts';

/** The ops of a history.jsonl, in file order, and the warnings about it (a torn last line). */
export interface StoredHistory {
  history: Op[];
  warnings: string[];
}

/**
 * Streams the history.jsonl at `path` (`file` names it in messages; default the path). Throws
 * HistoryFormatError (one line: file:line, what, fix) for a bad line other than the last, and the
 * filesystem's error when the file cannot be opened.
 */
export async function readHistoryJsonl(path: string, file = path): Promise<StoredHistory> {
  const history: Op[] = [];
  const warnings: string[] = [];
  const input = createReadStream(path, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  // A line that is not JSON is an error only once a later non-blank line shows it was not the last.
  let torn: { raw: string; lineNo: number } | undefined;
  try {
    for await (const raw of rl) {
      lineNo++;
      if (raw.trim() === '') continue;
      if (torn) throw notJsonError(torn.raw, file, torn.lineNo);
      const r = parseJsonlLine(raw, file, lineNo, history.length);
      if (r.kind === 'op') history.push(r.op);
      else if (r.kind === 'torn') torn = { raw, lineNo };
    }
  } finally {
    rl.close();
    input.destroy();
  }
  if (torn) warnings.push(tornLastLine(file, torn.lineNo));
  return { history, warnings };
}
