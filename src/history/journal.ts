import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Op } from '../core/op.ts';
import { OpLineBuffer } from './op-lines.ts';
import { stringifyExact } from './values.ts';

/**
 * Append-only history.jsonl writer. Ops are buffered and written at least every `flushMs` (and at once
 * when a nemesis op completes, so fault windows survive a crash); `close()` fsyncs. Writes are
 * synchronous on purpose: a crash between append() and the next flush loses at most `flushMs` of ops,
 * and no write is ever half-way through an event-loop turn when the process dies on a signal. Lines
 * are whole in every write: a crash leaves a prefix of the history (a torn last line only if the OS
 * itself cut a write short). Each line is exactly `stringifyExact(op)` (op-lines.ts encodes it).
 */
export class Journal {
  readonly path: string;
  private fd: number | undefined;
  private readonly lines: OpLineBuffer;
  private timer: NodeJS.Timeout | undefined;
  private written = 0;

  /**
   * Opens (appends to) `path`. `flushMs`: the longest an op stays in memory (default 100);
   * `maxBufferBytes`: the buffer's size, written out when full (default 1 MiB).
   */
  constructor(path: string, opts: { flushMs?: number; maxBufferBytes?: number } = {}) {
    this.path = path;
    this.fd = openSync(path, 'a');
    this.lines = new OpLineBuffer(Math.max(1024, opts.maxBufferBytes ?? 1 << 20));
    this.timer = setInterval(() => this.flush(), opts.flushMs ?? 100);
    // The timer must not keep a finished process alive.
    this.timer.unref();
  }

  /** Adds `op`'s line; writes at once when a nemesis op completes or the buffer is full. No-op once closed. */
  append(op: Op): void {
    if (this.fd === undefined) return; // closed: nothing can be written any more
    if (this.lines.tryAppend(op) === 'full') {
      this.flush();
      if (this.lines.tryAppend(op) === 'full') {
        // Bigger than the whole buffer (a final read of a large set): written on its own, in order.
        writeAll(this.fd, Buffer.from(`${stringifyExact(op)}\n`));
        this.written++;
      }
    }
    if (op.process === 'nemesis' && op.type !== 'invoke') this.flush();
  }

  /** Number of ops handed to the OS so far. */
  get flushedCount(): number {
    return this.written;
  }

  /** Hands the buffered lines to the OS (no fsync). */
  flush(): void {
    if (this.fd === undefined || this.lines.lineCount === 0) return;
    const n = this.lines.lineCount;
    writeAll(this.fd, this.lines.view());
    this.lines.clear();
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

/** Writes all of `bytes` (a write may take fewer bytes than it was given). */
function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}
