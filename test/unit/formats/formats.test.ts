import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLinearizableSync } from '../../../checkers/linearizable/index.ts';
import { detectFormat, parseJepsenEdn, readHistoryFile } from '../../../src/history/formats/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-formats-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const JEPSEN = `{:type :invoke, :f :write, :value [:x 1], :process 0, :time 100, :index 0}
{:type :invoke, :f :start, :value nil, :process :nemesis, :time 120, :index 1}
{:type :ok, :f :write, :value [:x 1], :process 0, :time 150, :index 2}
{:type :info, :f :start, :value {:n1 #{"n2" "n3"}}, :process :nemesis, :time 160, :index 3}
{:type :invoke, :f :read, :value [:x nil], :process 1, :time 200, :index 4}
{:type :ok, :f :read, :value [:x 1], :process 1, :time 250, :index 5}
{:type :invoke, :f :cas, :value [:x [1 2]], :process 2, :time 300, :index 6}
{:type :info, :f :cas, :value [:x [1 2]], :process 2, :time 900, :index 7, :error :timeout}
{:type :invoke, :f :read, :value [:x nil], :process 1, :time 950, :index 8}
{:type :ok, :f :read, :value [:x 2], :process 1, :time 990, :index 9}
`;

describe('Jepsen history.edn', () => {
  it('parses keywords (kept distinct from strings in values), nil, vectors, sets, nemesis, tuples', () => {
    const { history, format, model } = parseJepsenEdn(JEPSEN);
    expect(format).toBe('jepsen-edn');
    expect(model).toBeUndefined();
    expect(history).toHaveLength(10);
    expect(history[0]).toEqual({
      index: 0,
      time: 100,
      type: 'invoke',
      process: 0,
      f: 'write',
      value: [{ $kw: 'x' }, 1],
    });
    expect(history[1]!.process).toBe('nemesis');
    expect(history[3]!.value).toEqual({ n1: { $set: ['n2', 'n3'] } });
    expect(history[4]!.value).toEqual([{ $kw: 'x' }, null]);
    expect(history[6]!.value).toEqual([{ $kw: 'x' }, [1, 2]]);
    expect(history[7]!.error).toBe('timeout');
  });

  it('checks with the kv model (crashed cas took effect)', () => {
    const { history } = parseJepsenEdn(JEPSEN);
    expect(checkLinearizableSync(history, 'kv').valid).toBe(true);
    const bad = parseJepsenEdn(
      JEPSEN.replace('[:x 2], :process 1, :time 990', '[:x 3], :process 1, :time 990'),
    );
    expect(checkLinearizableSync(bad.history, 'kv').valid).toBe(false);
  });

  it('reads a file with a tagged independent tuple', () => {
    const p = file(
      'history.edn',
      '{:type :invoke, :f :read, :value #jepsen.independent/tuple [3 nil], :process 0}\n',
    );
    const r = readHistoryFile(p);
    expect(r.format).toBe('jepsen-edn');
    expect(r.history[0]!.value).toEqual([3, null]);
  });
});

describe('detectFormat', () => {
  it('recognises each format by its first line', () => {
    expect(detectFormat('{"index":0,"time":0,"type":"invoke","process":0,"f":"read","value":null}\n')).toBe(
      'jsonl',
    );
    expect(detectFormat(JEPSEN)).toBe('jepsen-edn');
    expect(detectFormat('INFO  jepsen.util - 0\t:invoke\t:read\tnil\n')).toBe('porcupine-etcd');
    expect(detectFormat('INFO  jepsen.util - 1   :invoke :write  3\n')).toBe('porcupine-etcd');
    expect(detectFormat('{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}\n')).toBe(
      'porcupine-kv',
    );
    expect(detectFormat('hello world\n')).toBeUndefined();
    expect(detectFormat('', 'history.jsonl')).toBe('jsonl');
  });
});

describe('readHistoryFile', () => {
  const op = (i: number, type: string, v: unknown) =>
    JSON.stringify({ index: i, time: i, type, process: 0, f: 'write', value: v });

  it('reads history.jsonl', () => {
    const r = readHistoryFile(file('a.jsonl', `${op(0, 'invoke', 1)}\n${op(1, 'ok', 1)}\n`));
    expect(r.format).toBe('jsonl');
    expect(r.history).toHaveLength(2);
    expect(r.warnings).toEqual([]);
  });

  it('skips a truncated last line with a warning', () => {
    const r = readHistoryFile(file('b.jsonl', `${op(0, 'invoke', 1)}\n${op(1, 'ok', 1).slice(0, 20)}`));
    expect(r.history).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/b\.jsonl:2: last line is truncated/);
  });

  it('names the line of garbage in the middle, in one line', () => {
    const p = file('c.jsonl', `${op(0, 'invoke', 1)}\nthis is not json\n${op(1, 'ok', 1)}\n`);
    expect(() => readHistoryFile(p)).toThrow(
      /c\.jsonl:2: not valid JSON: "this is not json"; .*fix or delete that line/,
    );
    try {
      readHistoryFile(p);
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('rejects a JSON line that is not an op', () => {
    const p = file('d.jsonl', `${op(0, 'invoke', 1)}\n{"hello":1}\n`);
    expect(() => readHistoryFile(p)).toThrow(/d\.jsonl:2: not an Op/);
  });

  it('an empty file is an empty, trivially linearizable history', () => {
    const r = readHistoryFile(file('e.jsonl', ''));
    expect(r.history).toEqual([]);
    const c = checkLinearizableSync(r.history, 'register');
    expect(c.valid).toBe(true);
    expect(c.summary).toContain('empty history');
  });

  it('a missing file and an unknown format are one-line errors', () => {
    expect(() => readHistoryFile(join(dir, 'nope.jsonl'))).toThrow(
      /nope\.jsonl: cannot read the history file \(ENOENT\)/,
    );
    expect(() => readHistoryFile(file('f.txt', 'hello\n'))).toThrow(
      /f\.txt:1: unrecognised history format; pass the format/,
    );
  });

  it('porcupine etcd logs: info keeps the invoke value, timed-out reads fail', () => {
    const p = file(
      'etcd.log',
      'INFO  jepsen.util - 1   :invoke :cas  [1 2]\nINFO  jepsen.util - 1   :info :cas  :timed-out\n' +
        'INFO  jepsen.util - 2   :invoke :read  nil\nINFO  jepsen.util - 2   :fail :read  :timed-out\n',
    );
    const r = readHistoryFile(p);
    expect(r.model).toBe('etcd');
    expect(r.history[1]).toMatchObject({ type: 'info', value: [1, 2], error: 'timed-out' });
    expect(r.history[3]).toMatchObject({ type: 'fail', f: 'read' });
  });

  it('porcupine kv logs become independent-key tuples', () => {
    const p = file(
      'kv.txt',
      '{:process 0, :type :invoke, :f :get, :key "4", :value nil}\n{:process 0, :type :ok, :f :get, :key "4", :value ""}\n',
    );
    const r = readHistoryFile(p);
    expect(r.model).toBe('porcupine-kv');
    expect(r.history[1]!.value).toEqual(['4', '']);
  });
});
