import type { Op } from '../../core/op.ts';

/** What a history reader returns: the ops, the model the format implies (if any), the format's name. */
export interface ParsedHistory {
  history: Op[];
  model: string | undefined;
  format: string;
  warnings: string[];
  /** For formats that know it: the 1-based line each op starts on (`lines[i]` for history[i]). */
  lines?: number[];
}

/** A one-line error for bad input: file, line, what is wrong, how to fix. */
export class HistoryFormatError extends Error {
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, what: string, fix: string) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${what}; ${fix}`);
    this.name = 'HistoryFormatError';
    this.line = line;
  }
}
