import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizableSync } from '../../../checkers/linearizable/index.ts';
import type { Op } from '../../../src/core/op.ts';
import {
  detectFormat,
  HistoryFormatError,
  parseEtcdLog,
  parseJepsenEdn,
  parseJsonl,
  readHistoryFile,
} from '../../../src/history/formats/index.ts';
import { Journal } from '../../../src/history/journal.ts';
import {
  ednSet,
  keyword,
  parseJsonExact,
  sameValue,
  stringifyExact,
  valueKey,
} from '../../../src/history/values.ts';
import { compactValue } from '../../../src/report/data.ts';
import { scriptJson } from '../../../src/report/escape.ts';

/** The error a reader throws on `text`, asserting it is one HistoryFormatError line. */
function readError(text: string): string {
  try {
    parseJepsenEdn(text, 'h.edn');
  } catch (e) {
    expect(e).toBeInstanceOf(HistoryFormatError);
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    return m;
  }
  throw new Error('expected a read error');
}

describe('EDN read as EDN', () => {
  it('a top-level list with comments inside and multi-line maps', () => {
    const { history, lines } = parseJepsenEdn(
      `; a Knossos history
(
 {:type :invoke, :f :write, :value 1, :process 0}
 ; between ops
 {:type :ok,
  :f :write, ; inside a map
  :value 1, :process 0}
)
`,
      'h.edn',
    );
    expect(history.map((o) => [o.type, o.f, o.value, o.process])).toEqual([
      ['invoke', 'write', 1, 0],
      ['ok', 'write', 1, 0],
    ]);
    expect(lines).toEqual([3, 5]);
    expect(history[1]!.index).toBe(1);
  });

  it('a top-level vector spread over lines, and op maps one after another without a collection', () => {
    const v = parseJepsenEdn(
      '[{:type :invoke :f :read :process 0}\n {:type :ok :f :read :value 3 :process 0}]',
    );
    expect(v.history[1]!.value).toBe(3);
    const bare = parseJepsenEdn(
      '{:type :invoke :f :read\n :process 0} {:type :ok :f :read :value 3 :process 0}\n',
    );
    expect(bare.history).toHaveLength(2);
    expect(bare.lines).toEqual([1, 2]);
  });

  it('#_ discards, sets, namespaced keywords, chars, tagged records, N integers, M decimals', () => {
    const { history } = parseJepsenEdn(
      `#_{:type :invoke :f :gone :process 9}
#jepsen.history.Op{:index 0, :time 5, :type :invoke, :process 0, :f :txn,
  :value [#{1 2 3} :ns/key \\a \\newline 12345678901234567890N 7N 1.5M 1.5 #inst "2020-01-01" #_ 99]}
{:type :ok, :process 0, :f :txn, :value #jepsen.independent/tuple [:k #:a{:b 1 :c/d 2}]}`,
    );
    expect(history).toHaveLength(2);
    expect(history[0]!.time).toBe(5);
    expect(history[0]!.value).toEqual([
      { $set: [1, 2, 3] },
      { $kw: 'ns/key' },
      { $char: 'a' },
      { $char: '\n' },
      12345678901234567890n,
      7,
      { $bigdec: '1.5' },
      1.5,
      { $tag: 'inst', $value: '2020-01-01' },
    ]);
    expect(history[1]!.value).toEqual([{ $kw: 'k' }, { 'a/b': 1, 'c/d': 2 }]);
  });

  it('keeps EDN types distinct: :a ≠ "a", #{1 2} ≠ [1 2], 1.5M ≠ 1.5, 2^53+1 ≠ 2^53', () => {
    const v = parseJepsenEdn(
      '{:type :ok :f :read :process 0 :value [:a "a" #{2 1} [1 2] 1.5M 1.5 9007199254740993 9007199254740992]}',
    ).history[0]!.value as unknown[];
    expect(sameValue(v[0], v[1])).toBe(false);
    expect(sameValue(v[2], v[3])).toBe(false);
    expect(sameValue(v[2], ednSet([1, 2]))).toBe(true);
    expect(sameValue(v[4], v[5])).toBe(false);
    expect(v[6]).toBe(9007199254740993n);
    expect(sameValue(v[6], v[7])).toBe(false);
  });

  it('f, type, process and error keywords become plain strings', () => {
    const op = parseJepsenEdn('{:type :info :f :cas :process :nemesis :error [:timeout 3]}').history[0]!;
    expect(op).toMatchObject({ type: 'info', f: 'cas', process: 'nemesis', error: '[:timeout 3]' });
  });

  it('detects EDN after comments, as a list, as a tagged record', () => {
    expect(detectFormat('; comment\n(\n{:type :ok}')).toBe('jepsen-edn');
    expect(detectFormat('#jepsen.history.Op{:type :ok}')).toBe('jepsen-edn');
    expect(detectFormat('\n  [\n')).toBe('jepsen-edn');
  });

  it('a truncated last op is skipped with a warning; a truncated collection is an error', () => {
    const r = parseJepsenEdn('{:type :invoke :f :read :process 0}\n{:type :ok :f :re', 'h.edn');
    expect(r.history).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/h\.edn:2: the last op is truncated/);
    expect(readError('[{:type :invoke :f :read :process 0}\n')).toMatch(/^h\.edn:1: .*never closes/);
    // an unclosed map further up is an error, not a truncation that drops every later op
    expect(
      readError(
        '{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0\n{:type :invoke :f :read :process 1}\n\n',
      ),
    ).toMatch(/^h\.edn:2: .*never closes/);
  });

  it('bad input: one line naming file:line and what is wrong', () => {
    expect(readError('{:type :ok :f :read :process 0}\n[1 2)')).toMatch(/^h\.edn:2: .*needs "\]"/);
    expect(readError('{:type :ok :f :read :process 0 :value ##NaN}')).toMatch(
      /^h\.edn:1: op's :value ##NaN|NaN.*not equal to itself/,
    );
    expect(readError('\n\n{:type :ok :f :read :process 0 :value [1 ##Inf]}')).toMatch(/^h\.edn:3: .*##Inf/);
    expect(readError('{:type :ok :f :read :process 1/2}')).toMatch(/^h\.edn:1: .*ratios/);
    expect(readError('{:type :ok :f :read :process 0 :value "abc}')).toMatch(/never closes/);
    expect(readError('{:type :ok :f :read :process}')).toMatch(/key with no value/);
    expect(readError('{:type :ok :f :read :process "zero"}')).toMatch(/bad :process "zero"/);
    expect(readError('{:type :ok :f :read :process 0 :index 2.5}')).toMatch(/bad :index 2\.5/);
    expect(readError(')')).toMatch(/unexpected "\)"/);
    expect(readError(`{:type :ok :f :read :process 0 :value ${'['.repeat(100_000)}}`)).toMatch(
      /nested deeper than 1000/,
    );
  });

  it('a UTF-8 byte order mark before the history is skipped (EDN and JSONL)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-bom-'));
    const edn = join(dir, 'h.edn');
    writeFileSync(
      edn,
      '\uFEFF{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 4}\n',
    );
    expect(readHistoryFile(edn).history.map((o) => o.type)).toEqual(['invoke', 'ok']);
    const jsonl = join(dir, 'history.jsonl');
    writeFileSync(jsonl, '\uFEFF{"index":0,"time":0,"type":"invoke","process":0,"f":"read","value":null}\n');
    expect(readHistoryFile(jsonl).history).toHaveLength(1);
  });

  it('an error quoting a newline, NEL or line separator from the input stays on one line', () => {
    // The fuzz below found `"\` + newline: a bad string escape whose message quoted the raw newline.
    for (const text of ['"\\\n', '"\\\u2028', '"\\u12\n4"', '"\\\u0085']) {
      let message = '';
      try {
        parseJepsenEdn(text, 'f.edn');
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/not valid EDN|bad string escape/);
      expect(message).not.toMatch(/[\n\r\u0085\u2028\u2029]/);
    }
  });

  it('fuzz: any text either reads or fails with one HistoryFormatError line', () => {
    const pieces = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      '(',
      ')',
      '#{',
      '#_',
      '##NaN',
      ':type',
      ':ok',
      ':invoke',
      ':f',
      ':process',
      ':value',
      '0',
      '12345678901234567890N',
      '1.5M',
      '"s"',
      '"',
      '\\a',
      ';',
      '\n',
      ' ',
      '#tag',
      'nil',
      ':nemesis',
      '#:a{',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 3 })), { maxLength: 30 }), (parts) => {
        try {
          parseJepsenEdn(parts.join(''), 'f.edn');
        } catch (e) {
          if (!(e instanceof HistoryFormatError)) throw e;
          expect(e.message).toMatch(/^f\.edn:\d+: /);
          expect(e.message).not.toContain('\n');
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/** Values as the readers produce them: exact integers, doubles, strings, and the EDN tagged shapes. */
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc
    .bigInt({ min: -(2n ** 80n), max: 2n ** 80n })
    .map((b) => (Number.isSafeInteger(Number(b)) && BigInt(Number(b)) === b ? Number(b) : b)),
  // An integral double beyond 2^53 is written as digits and read back exactly as a bigint (same key).
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((d) => !Object.is(d, -0) && (!Number.isInteger(d) || Number.isSafeInteger(d))),
  fc.string(),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,6}(\/[a-z]{1,4})?$/).map(keyword),
  fc.stringMatching(/^-?(0|[1-9]\d{0,4})\.\d{1,4}$/).map(($bigdec) => ({ $bigdec })),
  fc.constantFrom('a', 'Z', '\n', ' ', '(').map(($char) => ({ $char })),
);
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.array(tie('v'), { maxLength: 4 }).map(ednSet),
    fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), tie('v'), { maxKeys: 3 }),
    fc.record({ $tag: fc.constantFrom('inst', 'my.ns/Rec'), $value: tie('v') }),
  ),
})).v;

/** An EDN printer independent of the reader, for the round-trip property. */
function edn(v: unknown): string {
  if (v === null) return 'nil';
  if (typeof v === 'bigint') return `${v}N`;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toExponential();
  if (typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(edn).join(' ')}]`;
  const o = v as Record<string, unknown>;
  if ('$kw' in o) return `:${o.$kw}`;
  if ('$set' in o) return `#{${(o.$set as unknown[]).map(edn).join(' ')}}`;
  if ('$bigdec' in o) return `${o.$bigdec}M`;
  if ('$char' in o) return o.$char === '\n' ? '\\newline' : o.$char === ' ' ? '\\space' : `\\${o.$char}`;
  if ('$tag' in o) return `#${o.$tag} ${edn(o.$value)}`;
  return `{${Object.entries(o)
    .map(([k, x]) => `${JSON.stringify(k)} ${edn(x)}`)
    .join(', ')}}`;
}

const ops = fc.array(value, { maxLength: 6 }).map((vs) =>
  vs.map(
    (v, i): Op => ({
      index: i,
      time: i * 10,
      type: i % 2 ? 'ok' : 'invoke',
      process: 0,
      f: 'op',
      value: v,
    }),
  ),
);

describe('exact values round-trip', () => {
  it('history.jsonl: write (as the journal does) → read is exact, bigints and EDN shapes included', () => {
    fc.assert(
      fc.property(ops, (history) => {
        const text = history.map((o) => stringifyExact(o)).join('\n');
        const back = parseJsonl(text).history;
        expect(back).toEqual(history);
        for (let i = 0; i < history.length; i++)
          expect(valueKey(back[i]!.value)).toBe(valueKey(history[i]!.value));
      }),
      { numRuns: 500 },
    );
  });

  it('EDN: print → read gives the same values', () => {
    fc.assert(
      fc.property(ops, (history) => {
        const text = history
          .map(
            (o) =>
              `{:index ${o.index}, :time ${o.time}, :type :${o.type}, :process 0, :f :op, :value ${edn(o.value)}}`,
          )
          .join('\n');
        const back = parseJepsenEdn(text).history;
        for (let i = 0; i < history.length; i++)
          expect(sameValue(back[i]!.value, history[i]!.value)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('JSON.parse would round 2^53+1; parseJsonExact keeps it, and floats stay floats', () => {
    expect(parseJsonExact('[9007199254740993, 1e300, 2.5, -9007199254740993]')).toEqual([
      9007199254740993n,
      1e300,
      2.5,
      -9007199254740993n,
    ]);
    expect(stringifyExact({ v: 9007199254740993n })).toBe('{"v":9007199254740993}');
  });
});

describe('exact values through the checkers', () => {
  it('a read of 2^53 after a write of 2^53+1 is not linearizable', () => {
    const { history } = parseJepsenEdn(`{:process 0, :type :invoke, :f :write, :value 9007199254740993}
{:process 0, :type :ok, :f :write, :value 9007199254740993}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 9007199254740992}`);
    expect(checkLinearizableSync(history, 'register').valid).toBe(false);
    const good = history.map((o) => (o.index === 3 ? { ...o, value: 9007199254740993n } : o));
    expect(checkLinearizableSync(good, 'register').valid).toBe(true);
  });

  it('a read of the keyword :a does not match a write of the string "a"; #{1 2} matches #{2 1}', () => {
    const h = (w: string, r: string) =>
      parseJepsenEdn(`{:process 0, :type :invoke, :f :write, :value ${w}}
{:process 0, :type :ok, :f :write, :value ${w}}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value ${r}}`).history;
    expect(checkLinearizableSync(h('"a"', ':a'), 'register').valid).toBe(false);
    expect(checkLinearizableSync(h('#{1 2}', '#{2 1}'), 'register').valid).toBe(true);
    expect(checkLinearizableSync(h('#{1 2}', '[1 2]'), 'register').valid).toBe(false);
    expect(checkLinearizableSync(h('1.5M', '1.5'), 'register').valid).toBe(false);
  });
});

describe('exact values in what faultline writes', () => {
  it('the journal writes bigints and EDN shapes; history.jsonl reads them back exactly', () => {
    const p = join(mkdtempSync(join(tmpdir(), 'faultline-exact-')), 'history.jsonl');
    const j = new Journal(p);
    const value = [9007199254740993n, keyword('k'), ednSet([2n ** 70n, 1]), { $bigdec: '1.50' }];
    j.append({ index: 0, time: 0, type: 'invoke', process: 0, f: 'add', value });
    j.close();
    expect(readHistoryFile(p).history[0]!.value).toEqual(value);
  });

  it('the report embeds a value holding a bigint as its exact text, and scriptJson never throws on one', () => {
    expect(compactValue(9007199254740993n)).toEqual({ $truncated: '9007199254740993' });
    expect(compactValue([1, 9007199254740993n])).toEqual({ $truncated: '[1,9007199254740993]' });
    expect(compactValue([1, 2])).toEqual([1, 2]);
    expect(scriptJson({ v: 2n ** 64n })).toBe('{"v":18446744073709551616}');
  });

  it("Porcupine's etcd logs keep integers exact", () => {
    const h = parseEtcdLog('INFO  jepsen.util - 0\t:invoke\t:write\t9007199254740993\n').history;
    expect(h[0]!.value).toBe(9007199254740993n);
  });
});
