/**
 * Transactional histories as Jepsen/Elle write them (history.edn: op maps or `#jepsen.history.Op{…}`
 * records, `:f :txn`, micro-ops `[:append k v]` / `[:r k [v…]]` / `[:w k v]`) and as faultline writes
 * them (JSONL, `["append", k, v]`): the values come through exactly, and the txn workloads take both.
 */
import { describe, expect, it } from 'vitest';
import { detectFormat, parseJepsenEdn, parseJsonl } from '../../../src/history/formats/index.ts';
import { sameValue, stringifyExact, valueKey } from '../../../src/history/values.ts';
import { findOpWorkloadCannotCheck, fittingChecks } from '../../../workloads/accepts.ts';

const kw = (s: string) => ({ $kw: s });

/** A list-append history as Jepsen 0.3 writes it: records, numeric keys, an info with an :error. */
const ELLE_APPEND = `#jepsen.history.Op{:index 0, :time 18733522, :type :invoke, :process 0, :f :txn, :value [[:append 9 1] [:r 8 nil]]}
#jepsen.history.Op{:index 1, :time 18812000, :type :invoke, :process 1, :f :txn, :value [[:r 9 nil] [:append 8 1] [:r 9 nil]]}
#jepsen.history.Op{:index 2, :time 21455132, :type :ok, :process 0, :f :txn, :value [[:append 9 1] [:r 8 []]]}
#jepsen.history.Op{:index 3, :time 22001700, :type :info, :process 1, :f :txn, :value [[:r 9 nil] [:append 8 1] [:r 9 nil]], :error [:timeout "read timed out"]}
#jepsen.history.Op{:index 4, :time 23101441, :type :invoke, :process 0, :f :txn, :value [[:r 8 nil] [:r 9 nil]]}
#jepsen.history.Op{:index 5, :time 24913003, :type :ok, :process 0, :f :txn, :value [[:r 8 [1]] [:r 9 (1)]]}
`;

/** An rw-register history as op maps (Elle's README style): keyword keys, a bigint value, a fail. */
const ELLE_RW = `{:type :invoke, :f :txn, :value [[:w :x 1] [:w :y 12345678901234567890N]], :process 0, :time 10, :index 0}
{:type :ok, :f :txn, :value [[:w :x 1] [:w :y 12345678901234567890N]], :process 0, :time 20, :index 1}
{:type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil]], :process 1, :time 30, :index 2}
{:type :ok, :f :txn, :value [[:r :x 1] [:r :y 12345678901234567890N]], :process 1, :time 40, :index 3}
{:type :invoke, :f :txn, :value [[:w "x" 2]], :process 2, :time 50, :index 4}
{:type :fail, :f :txn, :value [[:w "x" 2]], :process 2, :time 60, :index 5, :error :aborted}
`;

describe('Elle EDN txn histories come through exactly', () => {
  it('list-append records: keyword micro-op names, numeric keys, vector and list reads', () => {
    const { history, lines } = parseJepsenEdn(ELLE_APPEND, 'h.edn');
    expect(history).toHaveLength(6);
    expect(lines).toEqual([1, 2, 3, 4, 5, 6]);
    expect(history[0]).toEqual({
      index: 0,
      time: 18733522,
      type: 'invoke',
      process: 0,
      f: 'txn',
      value: [
        [kw('append'), 9, 1],
        [kw('r'), 8, null],
      ],
    });
    expect(history[2]!.value).toEqual([
      [kw('append'), 9, 1],
      [kw('r'), 8, []],
    ]);
    expect(history[3]!.type).toBe('info');
    expect(history[3]!.error).toBe('[:timeout "read timed out"]');
    // An EDN list `(1)` reads as the same list as the vector `[1]`.
    const read = history[5]!.value as unknown[][];
    expect(read[0]![2]).toEqual([1]);
    expect(sameValue(read[0]![2], read[1]![2])).toBe(true);
  });

  it('rw-register maps: keyword keys stay distinct from string keys, bigints stay exact', () => {
    const { history } = parseJepsenEdn(ELLE_RW, 'h.edn');
    const w = history[1]!.value as unknown[][];
    expect(w[1]).toEqual([kw('w'), kw('y'), 12345678901234567890n]);
    const r = history[3]!.value as unknown[][];
    expect(sameValue(r[1]![2], w[1]![2])).toBe(true);
    const fail = history[5]!.value as unknown[][];
    expect(fail[0]![1]).toBe('x');
    expect(valueKey(fail[0]![1])).not.toBe(valueKey(w[0]![1]));
    expect(history[5]!.error).toBe('aborted');
  });

  it('the txn workloads take them, chosen by the micro-op names', () => {
    expect(fittingChecks(parseJepsenEdn(ELLE_APPEND).history)).toEqual(['--workload list-append']);
    const rw = parseJepsenEdn(ELLE_RW).history;
    expect(findOpWorkloadCannotCheck(rw, 'rw-register')).toBeUndefined();
    // bank cannot add a bigint balance exactly, so it is not offered
    expect(fittingChecks(rw)).toEqual(['--workload rw-register', '--model multi-register']);
  });
});

describe('faultline JSONL txn histories', () => {
  const JSONL = [
    {
      type: 'invoke',
      process: 0,
      f: 'txn',
      value: [
        ['append', 1, 2],
        ['r', 3, null],
      ],
    },
    {
      type: 'ok',
      process: 0,
      f: 'txn',
      value: [
        ['append', 1, 2],
        ['r', 3, [1, 2]],
      ],
    },
    { type: 'invoke', process: 1, f: 'txn', value: [['append', { $kw: 'k' }, 9007199254740993n]] },
  ]
    .map((o, index) => stringifyExact({ index, time: index * 1000, ...o }))
    .join('\n');

  it('string micro-op names, keyword keys as {"$kw"}, integers past 2^53 as bigints', () => {
    const { history } = parseJsonl(JSONL, 'h.jsonl');
    expect(history[1]!.value).toEqual([
      ['append', 1, 2],
      ['r', 3, [1, 2]],
    ]);
    expect(history[2]!.value).toEqual([['append', kw('k'), 9007199254740993n]]);
    expect(fittingChecks(history)).toEqual(['--workload list-append']);
  });

  it('the same txn in EDN and JSONL differs only in how the micro-op names are spelt', () => {
    const edn = parseJepsenEdn('{:type :ok, :f :txn, :value [[:append 1 2] [:r 3 [1 2]]], :process 0}')
      .history[0]!.value as unknown[][];
    const json = parseJsonl(JSONL).history[1]!.value as unknown[][];
    expect(edn.map((m) => m.slice(1))).toEqual(json.map((m) => m.slice(1)));
    expect(edn.map((m) => (m[0] as { $kw: string }).$kw)).toEqual(json.map((m) => m[0]));
  });
});

describe('a JSON array of ops (elle-cli writes histories so)', () => {
  const ARRAY = `[{"type":"invoke","f":"txn","value":[["w","x",2]],"process":0,"index":1},
{"type":"ok","f":"txn","value":[["w","x",2]],"process":0,"index":2},
  {"type":"invoke","f":"txn","value":[["r","x",null]],"process":0,"index":3}, {"type":"ok","f":"txn",
   "value":[["r","x",{"$kw":"a"}]],"process":0,"index":4,"note":"a ] and a { in a string"},
{"type":"ok","f":"txn","value":[["r","x",9007199254740993]],"process":1}]
`;

  it('is detected as jsonl and read with each op’s line, exact values, index/time defaults', () => {
    expect(detectFormat(ARRAY, 'h.json')).toBe('jsonl');
    expect(detectFormat(' [\n  {"type":"ok"}]', 'h')).toBe('jsonl');
    expect(detectFormat('[{:type :ok}]', 'h')).toBe('jepsen-edn');
    const { history, lines } = parseJsonl(ARRAY, 'h.json');
    expect(history).toHaveLength(5);
    expect(lines).toEqual([1, 2, 3, 3, 5]);
    expect(history[3]!.value).toEqual([['r', 'x', kw('a')]]);
    expect(history[4]).toMatchObject({ index: 4, time: 4, value: [['r', 'x', 9007199254740993n]] });
    expect(fittingChecks(history.slice(0, 4))).toContain('--workload rw-register');
  });

  it('an element that is not an op names its line; a cut-off array is one line of error', () => {
    expect(() =>
      parseJsonl('[{"type":"invoke","f":"txn","process":0},\n{"type":"done","process":0}]', 'h.json'),
    ).toThrow(/^h\.json:2: not an Op/);
    expect(() => parseJsonl('[{"type":"invoke","f":"txn","process":0},\n{"type":', 'h.json')).toThrow(
      /^h\.json: not valid JSON .*; a file starting with \[ must be one JSON array of ops/,
    );
    expect(parseJsonl('[]', 'h.json').history).toEqual([]);
  });
});
