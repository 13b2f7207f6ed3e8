import { type Call, Illegal, type Model, show } from '../model.ts';
import { acceptsTable, anyValue, isPair } from './accepts.ts';
import { splitKeyed } from './kv.ts';

/**
 * A string built by puts and appends, kept as the chain of its pieces. A JS string here cost the kv
 * checks their largest allocation: each append is a V8 cons string, and comparing one with a get's
 * value of the same length (the tokens "x 6 0 y", "x 7 0 y" make many) flattens it into a fresh copy,
 * ≈20 MB per kv/c50-ok check. A chain compares with a string piece by piece, in place, from the end.
 */
export class PieceString {
  /** The string before `tail` was appended; null for a put's value and the initial "". */
  readonly prev: PieceString | null;
  readonly tail: string;
  readonly length: number;

  constructor(prev: PieceString | null, tail: string) {
    this.prev = prev;
    this.tail = tail;
    this.length = (prev === null ? 0 : prev.length) + tail.length;
  }

  static readonly EMPTY = new PieceString(null, '');

  /** Exactly `this.text() === s`, without building the text. */
  equalsText(s: string): boolean {
    if (s.length !== this.length) return false;
    let end = s.length;
    for (let n: PieceString | null = this; n !== null; n = n.prev) {
      const t = n.tail;
      end -= t.length;
      // char by char: startsWith(t, end) allocated on every call (most of the check's garbage)
      for (let k = t.length - 1; k >= 0; k--) if (s.charCodeAt(end + k) !== t.charCodeAt(k)) return false;
    }
    return true;
  }

  /** The whole text: for explanations, and for interning a put's state (not on the search's hot path). */
  text(): string {
    if (this.prev === null) return this.tail;
    const parts: string[] = [];
    for (let n: PieceString | null = this; n !== null; n = n.prev) parts.push(n.tail);
    return parts.reverse().join('');
  }
}

/**
 * A get that returned another string than the key holds. Most model steps of a kv search are such
 * refusals (520 K of 690 K on kv/c50-ok), so the refusal is one small object whose text is built only
 * when an explanation asks: a closure-based Illegal cost three allocations each.
 */
class GetMismatch extends Illegal {
  private readonly got: unknown;
  private readonly held: PieceString;
  constructor(got: unknown, held: PieceString) {
    super('');
    this.got = got;
    this.held = held;
  }
  override get reason(): string {
    return `get returned ${show(this.got)}, but the key holds ${show(this.held.text())}`;
  }
}

/** String hash (31-polynomial, 32 bits) of a state's text. */
function textHash(s: PieceString): number {
  const t = s.text();
  let h = 0;
  for (let i = 0; i < t.length; i++) h = (Math.imul(h, 31) + t.charCodeAt(i)) | 0;
  return h;
}

/**
 * Porcupine's kv test model: per key a string, initially ""; get → s, put s, append s. Values `[key, s]`.
 * States are PieceStrings, compared by their text.
 */
export function appendStringModel(): Model<unknown> {
  const model: Model<PieceString> = {
    name: 'append-string',
    init: () => PieceString.EMPTY,
    step(state, c) {
      if (c.f === 'get') return model.legal!(state, c) ? state : new GetMismatch(c.value, state);
      if (c.f === 'put') return new PieceString(null, String(c.value));
      if (c.f === 'append') return new PieceString(state, String(c.value));
      return new Illegal(() => `kv has no operation ${c.f}`);
    },
    // Only states the search interns meet these: puts' values and "" (appends are fresh states).
    equal: (a, b) => a === b || (a.length === b.length && a.text() === b.text()),
    hash: textHash,
    describeState: (s) => show(s.text()),
    accepts: acceptsTable({ get: anyValue, put: anyValue, append: anyValue }),
    takes: 'get, put s, append s',
    // Porcupine's appends carry unique tokens ("x 3 17 y"), so each append makes a new string.
    freshState: (c) => c.f === 'append',
    readOnly: (c) => c.f === 'get',
    legal: (state, c) => c.outcome !== 'ok' || (typeof c.value === 'string' && state.equalsText(c.value)),
  };
  return model as Model<unknown>;
}

export function porcupineKvModel(): Model<unknown> {
  const inner = appendStringModel();
  const model: Model<Readonly<Record<string, PieceString>>> = {
    name: 'porcupine-kv',
    init: () => ({}),
    step(state, c: Call) {
      const { key, call } = splitKeyed(c);
      const next = inner.step(state[key] ?? PieceString.EMPTY, call);
      if (next instanceof Illegal) return new Illegal(() => `key ${key}: ${next.reason}`);
      return { ...state, [key]: next as PieceString };
    },
    // Unpartitioned use only (the checker splits by key): states compare by each key's text.
    equal: (a, b) => {
      const keys = Object.keys(a);
      return (
        keys.length === Object.keys(b).length &&
        keys.every((k) => b[k] !== undefined && a[k]!.text() === b[k]!.text())
      );
    },
    hash: (s) => Object.keys(s).reduce((h, k) => (h + textHash(s[k]!)) | 0, 0),
    describeState: (s) =>
      `{${Object.keys(s)
        .sort()
        .map((k) => `${show(k)} ${show(s[k]!.text())}`)
        .join(', ')}}`,
    describeOp(c) {
      const { key, call } = splitKeyed(c);
      return `[${key}] ${call.f} ${show(call.value)}`;
    },
    accepts: (c) => isPair(c.value) && inner.accepts!(splitKeyed(c).call),
    takes: '[key v] tuples of: get, put s, append s',
    partition: splitKeyed,
    partitionModel: inner,
  };
  return model as Model<unknown>;
}
