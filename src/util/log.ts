import { appendFileSync } from 'node:fs';
import type { Logger } from '../core/context.ts';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export type { Logger } from '../core/context.ts';

/** Writes every line to a file (faultline.log) and, at `consoleLevel` and above, to stderr. */
export function createLogger(opts: { file?: string; consoleLevel?: Level | 'silent' } = {}): Logger {
  const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  const consoleLevel = opts.consoleLevel ?? 'warn';
  const write = (level: Level, msg: string) => {
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}\n`;
    if (opts.file) {
      try {
        appendFileSync(opts.file, line);
      } catch {
        // The log is a convenience; never let it break a run.
      }
    }
    if (consoleLevel !== 'silent' && order[level] >= order[consoleLevel]) process.stderr.write(line);
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
