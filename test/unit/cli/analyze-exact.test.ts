import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `faultline analyze` on EDN from other tools: exact values, wrong models, one-line errors. */

const BIN = join(import.meta.dirname, '../../../bin/faultline.js');

function analyze(files: Record<string, string>, args: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), 'faultline-exact-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  const r = spawnSync(process.execPath, [BIN, 'analyze', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, cwd };
}

function expectOneLineError(r: ReturnType<typeof analyze>, pattern: RegExp) {
  expect(r.code).toBe(254);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

const TXN = `; an Elle-style transactional history
{:type :invoke, :f :txn, :value [[:w :x 1]], :process 0, :index 1}
{:type :ok, :f :txn, :value [[:w :x 1]], :process 0, :index 2}
{:type :invoke, :f :txn, :value [[:r :x nil]], :process 0, :index 3}
{:type :ok, :f :txn, :value [[:r :x 1]], :process 0, :index 4}
`;

const BIG_REGISTER = `{:process 0, :type :invoke, :f :write, :value 9007199254740993}
{:process 0, :type :ok, :f :write, :value 9007199254740993}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 9007199254740992}
`;

describe('wrong model: exit 254, one line naming the op and the models that fit', () => {
  it('txn ops with --model register, cas-register or kv', () => {
    for (const model of ['register', 'cas-register', 'kv'])
      expectOneLineError(
        analyze({ 'h.edn': TXN }, ['h.edn', '--model', model]),
        new RegExp(
          `h\\.edn:2: op 1 \\(txn .*the ${model} model cannot check txn ops.*--model multi-register`,
        ),
      );
  });

  it('the same history with --model multi-register is checked (valid, exit 0)', () => {
    const r = analyze({ 'h.edn': TXN }, ['h.edn', '--model', 'multi-register']);
    expect(r.stdout).toMatch(/^VALID/);
    expect(r.code).toBe(0);
  });

  it('txn ops with --workload set or register: the workloads refuse them the same way', () => {
    // (bank takes r/w txns of integer balances: Jepsen's bank written as txns, checkers/bank-txn.ts)
    for (const workload of ['set', 'register', 'counter'])
      expectOneLineError(
        analyze({ 'h.edn': TXN }, ['h.edn', '--workload', workload]),
        new RegExp(
          `h\\.edn:2: op 1 \\(txn .*the ${workload} workload cannot check it.*--model multi-register`,
        ),
      );
  });

  it('a counter delta beyond 2^53 or a keyword read: refused, not rounded or crashed', () => {
    expectOneLineError(
      analyze({ 'h.edn': '{:process 0 :type :invoke :f :add :value 12345678901234567890N}\n' }, [
        'h.edn',
        '--workload',
        'counter',
      ]),
      /h\.edn:1: op 0 \(add 12345678901234567890\): the counter workload cannot check it \(it takes add n, read n \(integers within ±2\^53\)\)/,
    );
    expectOneLineError(
      analyze(
        {
          'h.edn': `{:process 0 :type :invoke :f :read}
{:process 0 :type :ok :f :read :value :five}`,
        },
        ['h.edn', '--workload', 'counter'],
      ),
      /h\.edn:1: op 0 \(read :five\): the counter workload cannot check it/,
    );
  });

  it('counter and bank sums that could pass 2^53−1: refused (values too large), never VALID', () => {
    const ok = (f: string, v: string) =>
      `{:process 0, :type :invoke, :f ${f}, :value ${f === ':read' ? 'nil' : v}}\n{:process 0, :type :ok, :f ${f}, :value ${v}}\n`;
    const counter = [
      ok(':add', '4503599627370497'),
      ok(':add', '4503599627370496'),
      ok(':add', '-4503599627370496'),
      ok(':add', '-4503599627370496'),
      ok(':read', '0'),
    ].join('');
    expectOneLineError(
      analyze({ 'h.edn': counter }, ['h.edn', '--workload', 'counter']),
      /h\.edn:3: op 2 \(add 4503599627370496\): values too large to check exactly/,
    );
    const bank =
      ok(':read', '{0 4503599627370496, 1 4503599627370497}') +
      ok(':read', '{0 4503599627370496, 1 4503599627370496}');
    expectOneLineError(
      analyze({ 'h.edn': bank }, ['h.edn', '--workload', 'bank']),
      /h\.edn:2: op 1 \(read .*\): values too large to check exactly/,
    );
  });

  it('bank: a nil balance and an unexpected account are INVALID verdicts, not refusals', () => {
    const read = (v: string) =>
      `{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value ${v}}\n`;
    const nil = analyze({ 'h.edn': read('{0 50, 1 50}') + read('{0 50, 1 nil}') }, [
      'h.edn',
      '--workload',
      'bank',
    ]);
    expect(nil.code).toBe(1);
    expect(nil.stdout).toMatch(/bank: nil-balance \(1\)/);
    const keys = analyze({ 'h.edn': read('{0 50, 1 50}') + read('{0 50, 7 50}') + read('{0 50, 1 50}') }, [
      'h.edn',
      '--workload',
      'bank',
    ]);
    expect(keys.code).toBe(1);
    expect(keys.stdout).toMatch(/bank: unexpected-key \(1\)/);
  });

  it('an unknown --model lists the models', () =>
    expectOneLineError(
      analyze({ 'h.edn': TXN }, ['h.edn', '--model', 'nosuch']),
      /unknown --model nosuch: use one of register, cas-register, .*multi-register/,
    ));
});

describe('EDN from Jepsen and Knossos, read as EDN', () => {
  it('a top-level list with a comment inside: NOT linearizable, the read of 7', () => {
    const r = analyze(
      {
        'h.edn': `({:type :invoke, :f :write, :value 1, :process 0}
 {:type :ok, :f :write, :value 1, :process 0}
 ; nobody wrote 7
 {:type :invoke, :f :read, :value nil, :process 1}
 {:type :invoke, :f :write, :value 2, :process 2}
 {:type :ok, :f :read, :value 7, :process 1}
 {:type :ok, :f :write, :value 2, :process 2})`,
      },
      ['h.edn', '--model', 'cas-register'],
    );
    expect(r.stdout).toMatch(/NOT linearizable: read 7/);
    expect(r.code).toBe(1);
  });

  it('##NaN: one line about the value and where it is', () =>
    expectOneLineError(
      analyze({ 'h.edn': '{:type :invoke, :f :write, :value ##NaN, :process 0}\n' }, [
        'h.edn',
        '--model',
        'register',
      ]),
      /h\.edn:1: op's :value ##NaN: ##NaN is not equal to itself/,
    ));
});

describe('integers beyond 2^53 stay exact', () => {
  it('a read of 2^53 after a write of 2^53+1 is NOT linearizable (exit 1)', () => {
    const r = analyze({ 'h.edn': BIG_REGISTER }, ['h.edn', '--model', 'register']);
    expect(r.stdout).toMatch(/NOT linearizable: read 9007199254740992/);
    expect(r.code).toBe(1);
  });

  it('an acknowledged add of 2^53+1 missing from the final read is lost, written exactly in --json', () => {
    const r = analyze(
      {
        'h.edn': `{:process 0, :type :invoke, :f :add, :value 9007199254740993}
{:process 0, :type :ok, :f :add, :value 9007199254740993}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value #{9007199254740992 12345678901234567890123N}}`,
      },
      ['h.edn', '--workload', 'set', '--json'],
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/"lost": \[\s*9007199254740993\s*\]/);
    expect(r.stdout).toContain('12345678901234567890123');
  });

  it('a run folder: results.json, report.html, summary.md and junit.xml keep the exact integers', () => {
    const line = (i: number, type: string, f: string, v: string) =>
      `{"index":${i},"time":${i},"type":"${type}","process":${i < 2 ? 0 : 1},"f":"${f}","value":${v}}`;
    const history = [
      line(0, 'invoke', 'write', '9007199254740993'),
      line(1, 'ok', 'write', '9007199254740993'),
      line(2, 'invoke', 'read', 'null'),
      line(3, 'ok', 'read', '9007199254740992'),
    ].join('\n');
    const r = analyze({ 'history.jsonl': `${history}\n` }, ['.', '--model', 'register']);
    expect(r.code).toBe(1);
    const results = readFileSync(join(r.cwd, 'results.json'), 'utf8');
    expect(results).toContain('9007199254740993');
    expect(results).toContain('9007199254740992');
    for (const f of ['report.html', 'summary.md', 'junit.xml'])
      expect(readFileSync(join(r.cwd, f), 'utf8')).toContain('9007199254740992');
    // the report embeds values as text the page cannot round
    expect(readFileSync(join(r.cwd, 'report.html'), 'utf8')).toContain('9007199254740993');
  });
});
