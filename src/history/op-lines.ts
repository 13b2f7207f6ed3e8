/**
 * history.jsonl lines encoded straight into a byte buffer. The journal writes every op the run records
 * (two per client op), and building each line as a JS string cost more than the rest of the runner's
 * work per op together: a template literal makes a rope of a dozen pieces that the write must flatten,
 * and all of it is garbage a moment later. Here a plain op is written digit by digit and with cached
 * bytes for the strings that recur (types, fs, nodes, keys); the bytes are exactly those of
 * `stringifyExact(op)` + "\n" in UTF-8, for every op (anything unusual goes through stringifyExact).
 */
import type { Op } from '../core/op.ts';
import { stringifyExact } from './values.ts';

/** The keys of a plain op, in the order the runner creates them (and JSON.stringify writes them). */
const PLAIN_ORDER = ['index', 'time', 'type', 'process', 'f', 'value'] as const;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const OPEN_INDEX = ascii('{"index":');
const TIME = ascii(',"time":');
const TYPE = ascii(',"type":');
const PROCESS = ascii(',"process":');
const F = ascii(',"f":');
const VALUE = ascii(',"value":');
const NULL = ascii('null');
const TRUE = ascii('true');
const FALSE = ascii('false');
const CLOSE = ascii('}\n');

// JSON bytes of the strings that recur in every op (types, fs, nodes, keys, common errors): quoted
// and encoded once. Bounded: past the limit new strings are encoded each time.
const QUOTED_MAX = 4096;
const quotedBytes = new Map<string, Uint8Array>();

/** The most bytes any number's JSON text takes ("-1.2345678901234567e-308" is 24). */
const NUMBER_MAX_BYTES = 25;
/** The most bytes of a JSON string literal of `len` UTF-16 units: \u00XX escapes are 6 bytes each. */
const stringMaxBytes = (len: number) => 6 * len + 2;
/** The fixed part of a plain line: the six keys, punctuation and newline. */
const PLAIN_FIXED_BYTES =
  OPEN_INDEX.length + TIME.length + TYPE.length + PROCESS.length + F.length + VALUE.length + CLOSE.length;

/** What `tryAppend` did. */
export type AppendResult = 'appended' | 'full';

/**
 * A fixed-size buffer of whole history.jsonl lines. `tryAppend` adds one op's line, or says `full` and
 * leaves the buffer as it was; a line bigger than the whole buffer never fits (the caller writes it
 * on its own: `lineBytes`). Not thread-safe, no I/O.
 */
export class OpLineBuffer {
  readonly bytes: Buffer;
  private pos = 0;
  private lines = 0;

  constructor(capacityBytes: number) {
    this.bytes = Buffer.allocUnsafe(capacityBytes);
  }

  /** Bytes in the buffer. */
  get byteLength(): number {
    return this.pos;
  }

  /** Lines in the buffer. */
  get lineCount(): number {
    return this.lines;
  }

  /** The buffered bytes (a view, valid until the next append or clear). */
  view(): Buffer {
    return this.bytes.subarray(0, this.pos);
  }

  clear(): void {
    this.pos = 0;
    this.lines = 0;
  }

  /** Appends the line of `op` if it fits in the space left. */
  tryAppend(op: Op): AppendResult {
    const bound = plainBound(op);
    if (bound >= 0) {
      if (bound > this.bytes.length - this.pos) return 'full';
      this.writePlain(op);
    } else {
      const line = `${stringifyExact(op)}\n`;
      // 3 bytes per UTF-16 unit at most (a surrogate pair is 4 bytes for 2 units).
      if (line.length * 3 > this.bytes.length - this.pos) {
        const n = Buffer.byteLength(line);
        if (n > this.bytes.length - this.pos) return 'full';
      }
      this.pos += this.bytes.write(line, this.pos, 'utf8');
    }
    this.lines++;
    return 'appended';
  }

  private writePlain(op: Op): void {
    this.raw(OPEN_INDEX);
    this.number(op.index);
    this.raw(TIME);
    this.number(op.time);
    this.raw(TYPE);
    this.quoted(op.type);
    this.raw(PROCESS);
    const p = op.process;
    if (typeof p === 'number') this.number(p);
    else this.quoted(p);
    this.raw(F);
    this.quoted(op.f);
    this.raw(VALUE);
    this.scalar(op.value, false);
    let i = 0;
    for (const k in op) {
      if (i++ < PLAIN_ORDER.length) continue;
      this.bytes[this.pos++] = 0x2c; // ,
      this.quoted(k);
      this.bytes[this.pos++] = 0x3a; // :
      this.scalar((op as unknown as Record<string, unknown>)[k], true);
    }
    this.raw(CLOSE);
  }

  private raw(b: Uint8Array): void {
    const out = this.bytes;
    let pos = this.pos;
    for (let i = 0; i < b.length; i++) out[pos++] = b[i]!;
    this.pos = pos;
  }

  /** A scalar plainBound accepted: null, a finite number, a boolean or a string. */
  private scalar(v: unknown, recurring: boolean): void {
    if (v === null) this.raw(NULL);
    else if (typeof v === 'number') this.number(v);
    else if (typeof v === 'boolean') this.raw(v ? TRUE : FALSE);
    else if (recurring) this.quoted(v as string);
    else this.pos += this.bytes.write(JSON.stringify(v), this.pos, 'utf8');
  }

  /** A string likely to recur (its JSON bytes are cached). */
  private quoted(s: string): void {
    let b = quotedBytes.get(s);
    if (b === undefined) {
      b = Buffer.from(JSON.stringify(s));
      if (quotedBytes.size < QUOTED_MAX) quotedBytes.set(s, b);
    }
    if (b.length > 32) {
      this.bytes.set(b, this.pos);
      this.pos += b.length;
    } else this.raw(b);
  }

  /** A finite number as JSON writes it: integers digit by digit, others through String (ASCII). */
  private number(n: number): void {
    if (!Number.isSafeInteger(n)) {
      this.pos += this.bytes.write(String(n), this.pos, 'latin1');
      return;
    }
    if (n < 0) {
      this.bytes[this.pos++] = 0x2d; // -
      n = -n;
    }
    // (-0 is not < 0 and is written as 0, as JSON does.)
    if (n < 1e8) this.digits(n);
    else {
      // Below 2^53, the part above 10^8 is below 10^8 too; the low part keeps its leading zeros.
      const hi = Math.floor(n / 1e8);
      this.digits(hi);
      this.eightDigits(n - hi * 1e8);
    }
  }

  /** 0 ≤ n < 10^8, without leading zeros. */
  private digits(n: number): void {
    let len = 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) len++;
    const out = this.bytes;
    let pos = this.pos + len;
    this.pos = pos;
    do {
      const q = (n / 10) | 0;
      out[--pos] = 0x30 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  /** 0 ≤ n < 10^8, as exactly eight digits. */
  private eightDigits(n: number): void {
    const out = this.bytes;
    let pos = this.pos + 8;
    this.pos = pos;
    for (let i = 0; i < 8; i++) {
      const q = (n / 10) | 0;
      out[--pos] = 0x30 + (n - q * 10);
      n = q;
    }
  }
}

/** JSON bytes of a scalar at most, or -1 when `v` is not a scalar this encoder writes. */
function scalarBound(v: unknown): number {
  if (v === null) return 4;
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? NUMBER_MAX_BYTES : -1;
    case 'boolean':
      return 5;
    case 'string':
      return stringMaxBytes(v.length);
    default:
      return -1;
  }
}

/**
 * The most bytes the line of `op` takes if it is a plain op (a plain object: the six plain keys first
 * and in order, then any extra keys; every value a scalar: null, a finite number, a boolean or a
 * string; process a number or a string), else -1.
 */
function plainBound(op: Op): number {
  if (Object.getPrototypeOf(op) !== Object.prototype) return -1;
  const { index, time, type, process: p, f } = op;
  if (typeof index !== 'number' || !Number.isFinite(index)) return -1;
  if (typeof time !== 'number' || !Number.isFinite(time)) return -1;
  if (typeof type !== 'string' || typeof f !== 'string') return -1;
  const pb = typeof p === 'number' || typeof p === 'string' ? scalarBound(p) : -1;
  const vb = scalarBound(op.value);
  if (pb < 0 || vb < 0) return -1;
  let bound =
    PLAIN_FIXED_BYTES +
    2 * NUMBER_MAX_BYTES +
    stringMaxBytes(type.length) +
    stringMaxBytes(f.length) +
    pb +
    vb;
  // For a plain object for-in lists exactly its own enumerable string keys, in JSON.stringify's order.
  let i = 0;
  for (const k in op) {
    if (i < PLAIN_ORDER.length) {
      if (k !== PLAIN_ORDER[i]) return -1;
    } else {
      const b = scalarBound((op as unknown as Record<string, unknown>)[k]);
      if (b < 0) return -1;
      bound += 2 + stringMaxBytes(k.length) + b;
    }
    i++;
  }
  return i < PLAIN_ORDER.length ? -1 : bound;
}
