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
const NULL = ascii('null');
const TRUE = ascii('true');
const FALSE = ascii('false');
const CLOSE = ascii('}\n');

// Bytes that recur in every line, cached: `,"type":<type>,"process":` per type, `,"f":<f>,"value":`
// per f, `,<key>:` per extra key, and the JSON of recurring string values (nodes, errors). Bounded:
// past the limit new strings are encoded each time.
const CACHE_MAX = 4096;
class BytesCache {
  private readonly map = new Map<string, Uint8Array>();
  // The last string asked and its bytes: an op's f (or node) is usually the previous op's.
  private lastKey: string | undefined;
  private lastBytes: Uint8Array = new Uint8Array(0);
  private readonly make: (s: string) => string;
  constructor(make: (s: string) => string) {
    this.make = make;
  }
  get(s: string): Uint8Array {
    if (s === this.lastKey) return this.lastBytes;
    let b = this.map.get(s);
    if (b === undefined) {
      b = Buffer.from(this.make(s));
      if (this.map.size < CACHE_MAX) this.map.set(s, b);
    }
    this.lastKey = s;
    this.lastBytes = b;
    return b;
  }
}
const typeBytes = new BytesCache((t) => `,"type":${JSON.stringify(t)},"process":`);
const fBytes = new BytesCache((f) => `,"f":${JSON.stringify(f)},"value":`);
const keyBytes = new BytesCache((k) => `,${JSON.stringify(k)}:`);
const quotedBytes = new BytesCache((s) => JSON.stringify(s));

/** The most bytes any number's JSON text takes ("-1.2345678901234567e-308" is 24). */
const NUMBER_MAX_BYTES = 25;
/** The most bytes of a JSON string literal of `len` UTF-16 units: \u00XX escapes are 6 bytes each. */
const stringMaxBytes = (len: number) => 6 * len + 2;
/** The fixed part of a plain line: the six keys, punctuation and newline. */
const PLAIN_FIXED_BYTES = '{"index":,"time":,"type":,"process":,"f":,"value":}\n'.length;

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
      this.writePlain(op, plainHasExtraKeys);
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

  private writePlain(op: Op, extraKeys: boolean): void {
    this.raw(OPEN_INDEX);
    this.number(op.index);
    this.raw(TIME);
    this.number(op.time);
    this.raw(typeBytes.get(op.type));
    const p = op.process;
    if (typeof p === 'number') this.number(p);
    else this.raw(quotedBytes.get(p));
    this.raw(fBytes.get(op.f));
    this.scalar(op.value, false);
    if (extraKeys) {
      let i = 0;
      for (const k in op) {
        if (i++ < PLAIN_ORDER.length) continue;
        this.raw(keyBytes.get(k));
        this.scalar((op as unknown as Record<string, unknown>)[k], true);
      }
    }
    this.raw(CLOSE);
  }

  private raw(b: Uint8Array): void {
    const out = this.bytes;
    let pos = this.pos;
    // A native copy beats a byte loop from about 8 bytes on.
    if (b.length >= 8) {
      out.set(b, pos);
      this.pos = pos + b.length;
      return;
    }
    for (let i = 0; i < b.length; i++) out[pos++] = b[i]!;
    this.pos = pos;
  }

  /** A scalar plainBound accepted: null, a finite number, a boolean or a string. */
  private scalar(v: unknown, recurring: boolean): void {
    if (v === null) this.raw(NULL);
    else if (typeof v === 'number') this.number(v);
    else if (typeof v === 'boolean') this.raw(v ? TRUE : FALSE);
    else if (recurring) this.raw(quotedBytes.get(v as string));
    else this.pos += this.bytes.write(JSON.stringify(v), this.pos, 'utf8');
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
    const len =
      n < 100
        ? n < 10
          ? 1
          : 2
        : n < 10_000
          ? n < 1000
            ? 3
            : 4
          : n < 1_000_000
            ? n < 100_000
              ? 5
              : 6
            : n < 10_000_000
              ? 7
              : 8;
    this.pos += len;
    this.fill(n, this.pos, len);
  }

  /** 0 ≤ n < 10^8, as exactly eight digits. */
  private eightDigits(n: number): void {
    this.pos += 8;
    this.fill(n, this.pos, 8);
  }

  /** Writes the `len` low decimal digits of n (0 ≤ n < 10^8) ending before `end`, two at a time. */
  private fill(n: number, end: number, len: number): void {
    const out = this.bytes;
    let pos = end;
    while (len >= 2) {
      const q = (n / 100) | 0;
      const r = (n - q * 100) * 2;
      out[--pos] = DIGIT_PAIRS[r + 1]!;
      out[--pos] = DIGIT_PAIRS[r]!;
      n = q;
      len -= 2;
    }
    if (len === 1) out[--pos] = 0x30 + n;
  }
}

/** "00" "01" … "99" as bytes: digits are written two at a time. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) =>
  i % 2 === 0 ? 0x30 + Math.floor(i / 20) : 0x30 + (((i - 1) / 2) % 10),
);

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

/** Set by plainBound: the op it accepted has keys after the plain six (node, error, …). */
let plainHasExtraKeys = false;

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
  plainHasExtraKeys = i > PLAIN_ORDER.length;
  return i < PLAIN_ORDER.length ? -1 : bound;
}
