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
  // The pending lines as one string: appending builds a rope, flattened once by the write.
  private buf = '';
  private bufCount = 0;
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
    this.buf += `${opJson(op)}\n`;
    this.bufCount++;
    if ((op.process === 'nemesis' && op.type !== 'invoke') || this.buf.length >= this.maxBufferBytes)
      this.flush();
  }

  /** Number of ops handed to the OS so far. */
  get flushedCount(): number {
    return this.written;
  }

  flush(): void {
    if (this.fd === undefined || this.bufCount === 0) return;
    const chunk = this.buf;
    const n = this.bufCount;
    this.buf = '';
    this.bufCount = 0;
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

// JSON text of the strings that recur in every op (types, fs, nemesis): quoted once, not per op.
const quoted = new Map<string, string>();
const QUOTED_MAX = 1024;
function quote(s: string): string {
  let q = quoted.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    if (quoted.size < QUOTED_MAX) quoted.set(s, q);
  }
  return q;
}

/** The JSON text of a finite number, a string, a boolean or null; undefined for anything else. */
function scalarJson(v: unknown): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      // JSON writes finite numbers as String does (-0 as 0); NaN and ±Infinity take the slow path.
      return Number.isFinite(v) ? `${v}` : undefined;
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return undefined;
  }
}

/** The keys of a plain op, in the order Machine creates them (and the journal writes them). */
const PLAIN_ORDER = ['index', 'time', 'type', 'process', 'f', 'value'];

/**
 * One history.jsonl line (without the newline): exactly the text `stringifyExact(op)` gives (integers
 * beyond 2^53 as bigints written as their digits, keys in the op's own order), built by hand for the
 * common op because JSON.stringify costs several times more and the journal writes every op. The
 * common op: a plain object with the six plain keys in order, then any extra keys (node, error, fault),
 * every value a scalar (finite number, string, boolean, null). Anything else goes through stringifyExact.
 */
export function opJson(op: Op): string {
  const v = scalarJson(op.value);
  const p = op.process;
  const ps = typeof p === 'number' ? scalarJson(p) : typeof p === 'string' ? quote(p) : undefined;
  if (
    v === undefined ||
    ps === undefined ||
    Object.getPrototypeOf(op) !== Object.prototype ||
    typeof op.index !== 'number' ||
    !Number.isFinite(op.index) ||
    typeof op.time !== 'number' ||
    !Number.isFinite(op.time) ||
    typeof op.type !== 'string' ||
    typeof op.f !== 'string'
  )
    return stringifyExact(op);
  // For a plain object for-in lists exactly its own enumerable keys, in JSON.stringify's order: the
  // plain keys must come first and in the plain order; extra keys follow with scalar values.
  let i = 0;
  let extra = '';
  for (const k in op) {
    if (i < PLAIN_ORDER.length) {
      if (k !== PLAIN_ORDER[i]) return stringifyExact(op);
    } else {
      const x = scalarJson((op as unknown as Record<string, unknown>)[k]);
      if (x === undefined) return stringifyExact(op);
      extra += `,${quote(k)}:${x}`;
    }
    i++;
  }
  if (i < PLAIN_ORDER.length) return stringifyExact(op);
  return `{"index":${op.index},"time":${op.time},"type":${quote(op.type)},"process":${ps},"f":${quote(op.f)},"value":${v}${extra}}`;
}
