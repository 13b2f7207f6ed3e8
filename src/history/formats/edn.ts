import { escapeLine } from '../../core/errors.ts';
import { ednSet, exactInteger, keyword } from '../values.ts';

/**
 * A strict EDN reader (https://github.com/edn-format/edn) producing the exact values of ../values.ts.
 * Written here rather than using `edn-data` because that parser rounds integers beyond 2^53 (parseInt),
 * reads `1.5M` as the double 1.5, reads `##NaN` as a tag, accepts mismatched delimiters (`[1 2)`) and
 * reports no positions. This one keeps every integer exact, keeps EDN types distinct and reports every
 * error as `line: what is wrong`.
 *
 * Supported: nil, booleans, strings, chars (`\a`, `\newline`, `\uXXXX`), integers (`N` suffix too),
 * doubles, `M` decimals, `##NaN`/`##Inf`/`##-Inf` (as JS NaN/±Infinity: callers decide whether to
 * accept them), keywords (namespaced too), symbols, lists, vectors, maps, namespaced maps `#:ns{…}`,
 * sets, `#_` discards, `;` comments, and tagged literals. `#jepsen.independent/tuple [k v]` reads as
 * the vector; every other tag `#t v` as `{$tag: "t", $value: v}`.
 */

/** A read error: the 1-based line it happened on and what is wrong (no file name; callers add it). */
export class EdnError extends Error {
  readonly line: number;
  /** True when the text ended inside a form (a truncated file). */
  readonly atEnd: boolean;
  constructor(line: number, what: string, atEnd = false) {
    // Messages quote the input: control characters and line separators are escaped so they stay one line.
    super(escapeLine(what));
    this.name = 'EdnError';
    this.line = line;
    this.atEnd = atEnd;
  }
}

const WS = new Set([' ', '\t', '\n', '\r', ',', '\f']);
const DELIM = new Set([...WS, '(', ')', '[', ']', '{', '}', '"', ';']);
/** Char-code classes for the hot loops: 1 = whitespace or comma, 2 = other delimiter. */
const CLASS = new Uint8Array(128);
for (const c of WS) CLASS[c.charCodeAt(0)] = 1;
for (const c of DELIM) if (!WS.has(c)) CLASS[c.charCodeAt(0)] = 2;
const MAX_DEPTH = 1000;
const SEMI = 59;
const NL = 10;
const HASH = 35;
const UNDERSCORE = 95;
const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const NAMED_CHARS: Record<string, string> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  return: '\r',
  formfeed: '\f',
  backspace: '\b',
};
const STRING_ESCAPES: Record<string, string> = {
  t: '\t',
  r: '\r',
  n: '\n',
  b: '\b',
  f: '\f',
  '\\': '\\',
  '"': '"',
};
const INT = /^[-+]?(0|[1-9]\d*)N?$/;
/** Integers of at most 15 digits are exact as doubles: no BigInt needed. */
const SMALL_INT = /^-?(0|[1-9]\d{0,14})$/;
const FLOAT = /^[-+]?(0|[1-9]\d*)(\.\d*)?([eE][-+]?\d+)?M?$/;
const SYMBOL = /^[^\d:#][^\s,;()[\]{}"]*$|^[-+.]$/;

/** Reads EDN forms from a string, one at a time, tracking the line. */
export class EdnReader {
  private pos = 0;
  private depth = 0;
  /** 1-based line of the reading position. */
  line = 1;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  /** Skips whitespace, commas, comments and `#_` discards; false at the end of the text. */
  skip(): boolean {
    for (;;) {
      const t = this.text;
      const n = t.length;
      let pos = this.pos;
      while (pos < n) {
        const c = t.charCodeAt(pos);
        if (c === NL) this.line++;
        else if (c === SEMI) {
          while (pos < n && t.charCodeAt(pos) !== NL) pos++;
          continue;
        } else if (c >= 128 || CLASS[c] !== 1) break;
        pos++;
      }
      this.pos = pos;
      if (t.charCodeAt(pos) === HASH && t.charCodeAt(pos + 1) === UNDERSCORE) {
        this.pos += 2;
        this.readForm();
        continue;
      }
      return this.pos < t.length;
    }
  }

  /** The next non-blank character, without consuming it (undefined at the end). */
  peek(): string | undefined {
    return this.skip() ? this.text[this.pos] : undefined;
  }

  /** Consumes one character (after peek). */
  take(): string {
    return this.text[this.pos++]!;
  }

  /** Reads the next form; throws EdnError at the end of text or on a syntax error. */
  readForm(): unknown {
    if (!this.skip()) throw new EdnError(this.line, 'the text ended where a value was expected', true);
    const start = this.line;
    const c = this.text[this.pos]!;
    if (c === '(' || c === '[') {
      this.pos++;
      return this.readSeq(CLOSER[c]!, start);
    }
    if (c === '{') {
      this.pos++;
      return this.readMap(start, '');
    }
    if (c === ')' || c === ']' || c === '}')
      throw new EdnError(this.line, `unexpected "${c}" with nothing open; delete it or add its opener`);
    if (c === '"') return this.readString();
    if (c === '\\') return this.readChar();
    if (c === '#') return this.readDispatch(start);
    return this.readAtom(this.token());
  }

  private token(): string {
    const t = this.text;
    const from = this.pos;
    let pos = from;
    for (let c = t.charCodeAt(pos); pos < t.length && (c >= 128 || CLASS[c] === 0); c = t.charCodeAt(++pos));
    this.pos = pos;
    return t.slice(from, pos);
  }

  /** Reads elements up to `close`; the opener is consumed. */
  readSeq(close: string, start: number): unknown[] {
    const out: unknown[] = [];
    // Recursion bound: a deeper file would overflow the stack instead of getting a one-line error.
    if (++this.depth > MAX_DEPTH)
      throw new EdnError(this.line, `collections nested deeper than ${MAX_DEPTH}`);
    for (;;) {
      const c = this.peek();
      if (c === undefined)
        throw new EdnError(
          start,
          `"${close}" missing: the collection opened here never closes (the text ends on line ${this.line})`,
          true,
        );
      if (c === close) {
        this.pos++;
        this.depth--;
        return out;
      }
      if (c === ')' || c === ']' || c === '}')
        throw new EdnError(
          this.line,
          `"${c}" closes the collection opened on line ${start}, which needs "${close}"`,
        );
      out.push(this.readForm());
    }
  }

  private readMap(start: number, ns: string): Record<string, unknown> {
    const items = this.readSeq('}', start);
    if (items.length % 2 !== 0)
      throw new EdnError(this.line, `the map opened on line ${start} has a key with no value`);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < items.length; i += 2) {
      const k = mapKey(items[i], ns);
      if (k === undefined)
        throw new EdnError(start, 'a map key must be a keyword, string, symbol or integer');
      if (Object.hasOwn(out, k)) throw new EdnError(start, `the map opened here has the key ${k} twice`);
      // defineProperty: a key named __proto__ must be a key, not a prototype
      if (k !== '__proto__') out[k] = items[i + 1];
      else
        Object.defineProperty(out, k, {
          value: items[i + 1],
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return out;
  }

  private readString(): string {
    const t = this.text;
    const start = this.line;
    this.pos++;
    let s = '';
    for (;;) {
      if (this.pos >= t.length) throw new EdnError(start, `the string opened here never closes`, true);
      const c = t[this.pos++]!;
      if (c === '"') return s;
      if (c === '\n') this.line++;
      if (c !== '\\') {
        s += c;
        continue;
      }
      const e = t[this.pos++];
      if (e === 'u') {
        const hex = t.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new EdnError(this.line, `bad string escape \\u${hex}`);
        s += String.fromCharCode(Number.parseInt(hex, 16));
        this.pos += 4;
      } else if (e !== undefined && STRING_ESCAPES[e] !== undefined) s += STRING_ESCAPES[e];
      else throw new EdnError(this.line, `bad string escape \\${e ?? ''}`, e === undefined);
    }
  }

  private readChar(): { $char: string } {
    this.pos++;
    const first = this.text[this.pos++];
    if (first === undefined) throw new EdnError(this.line, 'a \\ with no character after it', true);
    const rest = DELIM.has(first) ? '' : this.token();
    const name = first + rest;
    if (name.length === 1) return { $char: name };
    const named = NAMED_CHARS[name];
    if (named !== undefined) return { $char: named };
    if (/^u[0-9a-fA-F]{4}$/.test(name))
      return { $char: String.fromCharCode(Number.parseInt(name.slice(1), 16)) };
    throw new EdnError(this.line, `unknown character literal \\${name}`);
  }

  private readDispatch(start: number): unknown {
    const t = this.text;
    const next = t[this.pos + 1];
    if (next === '{') {
      this.pos += 2;
      return ednSet(this.readSeq('}', start));
    }
    if (next === '#') {
      this.pos += 2;
      const sym = this.token();
      if (sym === 'NaN') return Number.NaN;
      if (sym === 'Inf') return Number.POSITIVE_INFINITY;
      if (sym === '-Inf') return Number.NEGATIVE_INFINITY;
      throw new EdnError(this.line, `unknown symbolic value ##${sym}; EDN has ##NaN, ##Inf, ##-Inf`);
    }
    if (next === ':') {
      // namespaced map #:ns{:a 1} = {:ns/a 1}
      this.pos += 2;
      const ns = this.token();
      if (this.text[this.pos] !== '{') throw new EdnError(this.line, `#:${ns} must be followed by a map`);
      this.pos++;
      return this.readMap(start, ns);
    }
    this.pos++;
    const tag = this.token();
    if (tag === '' || !/^[a-zA-Z]/.test(tag))
      throw new EdnError(this.line, `"#${tag}" is not a tag; tags look like #name or #ns/name`);
    const value = this.readForm();
    if (tag === 'jepsen.independent/tuple') return value;
    return { $tag: tag, $value: value };
  }

  private readAtom(tok: string): unknown {
    if (tok === 'nil') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (tok.startsWith(':')) {
      if (tok.length === 1 || tok.startsWith('::') || tok.endsWith('/'))
        throw new EdnError(this.line, `"${tok}" is not a keyword`);
      return keyword(tok.slice(1));
    }
    if (SMALL_INT.test(tok)) return Number(tok);
    if (INT.test(tok)) {
      const digits = tok.endsWith('N') ? tok.slice(0, -1) : tok;
      return exactInteger(BigInt(digits.startsWith('+') ? digits.slice(1) : digits));
    }
    if (FLOAT.test(tok)) {
      if (tok.endsWith('M')) return { $bigdec: tok.slice(0, -1).replace(/^\+/, '') };
      const n = Number(tok);
      if (!Number.isFinite(n)) throw new EdnError(this.line, `the number ${tok} is out of range`);
      return n;
    }
    if (/^[-+]?\d/.test(tok))
      throw new EdnError(this.line, `"${tok}" is not a number EDN can read (ratios and radixes are not EDN)`);
    if (SYMBOL.test(tok)) return { $sym: tok };
    throw new EdnError(this.line, `cannot read "${tok.slice(0, 40)}"`);
  }
}

function mapKey(k: unknown, ns: string): string | undefined {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' && Number.isInteger(k)) return String(k);
  if (typeof k === 'bigint') return k.toString();
  if (k !== null && typeof k === 'object') {
    const o = k as { $kw?: unknown; $sym?: unknown };
    if (typeof o.$kw === 'string') return ns && !o.$kw.includes('/') ? `${ns}/${o.$kw}` : o.$kw;
    if (typeof o.$sym === 'string') return o.$sym;
  }
  return undefined;
}
