/**
 * The one reader of a run folder's history.jsonl, streamed chunk by chunk, so a history larger than a JS
 * string still loads. Lines end at LF only (a CR before it is dropped): not node:readline, which also
 * ends lines at U+2028/U+2029, characters JSON.stringify leaves raw inside strings, so an op whose value
 * held one was cut in two and lost. Policy: a torn LAST line (the run died mid-write) is dropped with a
 * warning; any other bad line is a HistoryFormatError naming file:line. Every command that reads a run
 * folder (analyze, report, serve, replay) goes through it.
 */
import { createReadStream } from 'node:fs';
import type { Op } from '../core/op.ts';
import { notJsonError, parseJsonlLine, tornLastLine } from '../history/formats/jsonl.ts';

/** The ops of a history.jsonl, in file order, and the warnings about it (a torn last line). */
export interface StoredHistory {
  history: Op[];
  warnings: string[];
  /** The 1-based line of each op (`lines[i]` is the line of `history[i]`), for file:line messages. */
  lines: number[];
}

/** The lines of a file, split on LF only (a CR before it is dropped), streamed. */
export async function* jsonlLines(path: string): AsyncGenerator<string> {
  let rest = '';
  const input = createReadStream(path, { encoding: 'utf8' });
  try {
    for await (const chunk of input) {
      const parts = (rest + (chunk as string)).split('\n');
      rest = parts.pop()!;
      for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
    }
    if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
  } finally {
    input.destroy();
  }
}

/**
 * Streams the history.jsonl at `path` (`file` names it in messages; default the path). Throws
 * HistoryFormatError (one line: file:line, what, fix) for a bad line other than the last, and the
 * filesystem's error when the file cannot be opened.
 */
export async function readHistoryJsonl(path: string, file = path): Promise<StoredHistory> {
  const history: Op[] = [];
  const warnings: string[] = [];
  const lines: number[] = [];
  let lineNo = 0;
  // A line that is not JSON is an error only once a later non-blank line shows it was not the last.
  let torn: { raw: string; lineNo: number } | undefined;
  for await (const raw of jsonlLines(path)) {
    lineNo++;
    if (raw.trim() === '') continue;
    if (torn) throw notJsonError(torn.raw, file, torn.lineNo);
    const r = parseJsonlLine(raw, file, lineNo, history.length);
    if (r.kind === 'op') {
      history.push(r.op);
      lines.push(lineNo);
    } else if (r.kind === 'torn') torn = { raw, lineNo };
  }
  if (torn) warnings.push(tornLastLine(file, torn.lineNo));
  return { history, warnings, lines };
}
