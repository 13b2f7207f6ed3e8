import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Op } from '../core/op.ts';
import { stringifyExact } from './values.ts';

/**
 * Append-only history.jsonl writer. Ops are buffered and written at least every `flushMs` (and at once
 * when a nemesis op completes, so fault windows survive a crash); `close()` fsyncs. Writes are
 * synchronous on purpose: a crash between append() and the next flush loses at most `flushMs` of ops,
 * and no write is ever half-way through an event-loop turn when the process dies on a signal.
 */
export class Journal {
  readonly path: string;
  private fd: number | undefined;
  private buf: string[] = [];
  private bufBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private written = 0;

  constructor(path: string, opts: { flushMs?: number; maxBufferBytes?: number } = {}) {
    this.path = path;
    this.fd = openSync(path, 'a');
    this.maxBufferBytes = opts.maxBufferBytes ?? 1 << 20;
    this.timer = setInterval(() => this.flush(), opts.flushMs ?? 100);
    // The timer must not keep a finished process alive.
    this.timer.unref();
  }

  private readonly maxBufferBytes: number;

  append(op: Op): void {
    // Exact: integers beyond 2^53 are bigints (values.ts) and are written as their digits.
    const line = `${stringifyExact(op)}\n`;
    this.buf.push(line);
    this.bufBytes += line.length;
    if ((op.process === 'nemesis' && op.type !== 'invoke') || this.bufBytes >= this.maxBufferBytes)
      this.flush();
  }

  /** Number of ops handed to the OS so far. */
  get flushedCount(): number {
    return this.written;
  }

  flush(): void {
    if (this.fd === undefined || this.buf.length === 0) return;
    const chunk = this.buf.join('');
    const n = this.buf.length;
    this.buf = [];
    this.bufBytes = 0;
    writeSync(this.fd, chunk);
    this.written += n;
  }

  /** Flushes, fsyncs and closes. Safe to call twice. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.fd === undefined) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}
