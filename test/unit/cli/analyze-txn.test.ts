/**
 * `faultline analyze` on transactional histories (Elle's list-append and rw-register, Jepsen's bank as
 * txns), through bin/faultline.js: a txn history under a non-txn model or workload is one line (exit
 * 254) naming the workloads that fit, never "NOT linearizable" and never a crash.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The output with its wrapped explanation lines joined (the terminal wraps long explanations). */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ');

const BIN = join(import.meta.dirname, '../../../bin/faultline.js');

function analyze(name: string, text: string, args: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), 'faultline-txn-'));
  writeFileSync(join(cwd, name), text);
  const r = spawnSync(process.execPath, [BIN, 'analyze', name, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(r: ReturnType<typeof analyze>, pattern: RegExp) {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(254);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

const APPEND_EDN = `; Elle list-append
{:type :invoke, :f :txn, :value [[:append :x 1] [:r :y nil]], :process 0, :time 10, :index 0}
{:type :ok, :f :txn, :value [[:append :x 1] [:r :y [1 2]]], :process 0, :time 20, :index 1}
`;
const RW_JSONL = `${[
  { type: 'invoke', process: 0, f: 'txn', value: [['w', 1, 2]] },
  { type: 'ok', process: 0, f: 'txn', value: [['w', 1, 2]] },
  { type: 'invoke', process: 1, f: 'txn', value: [['r', 1, null]] },
  { type: 'ok', process: 1, f: 'txn', value: [['r', 1, 2]] },
]
  .map((o, index) => JSON.stringify({ index, time: index, ...o }))
  .join('\n')}\n`;

describe('a txn history under a non-txn model or workload: one line naming the txn workloads', () => {
  it('--model register, cas-register, multi-register on list-append txns', () => {
    for (const model of ['register', 'cas-register', 'multi-register'])
      expectOneLineError(
        analyze('h.edn', APPEND_EDN, ['--model', model]),
        new RegExp(
          `^faultline: h\\.edn:2: op 0 \\(txn \\[\\[:append :x 1\\] \\[:r :y \\[1 2\\]\\]\\]\\): the ${model} model cannot check txn ops .*; check it with --workload list-append$`,
        ),
      );
  });

  it('--workload set, register, counter, bank on list-append txns', () => {
    for (const workload of ['set', 'register', 'counter', 'bank'])
      expectOneLineError(
        analyze('h.edn', APPEND_EDN, ['--workload', workload]),
        new RegExp(
          `^faultline: h\\.edn:2: op 0 .*the ${workload} workload cannot check it .*; check it with --workload list-append$`,
        ),
      );
  });

  it('rw-register txns in JSONL: --model register names rw-register first', () =>
    expectOneLineError(
      analyze('h.jsonl', RW_JSONL, ['--model', 'register']),
      /^faultline: h\.jsonl:1: op 0 \(txn \[\["w" 1 2\]\]\): the register model cannot check txn ops \(it takes read, write v\); check it with --workload rw-register or --workload bank or --model multi-register$/,
    ));

  it('with neither flag: the choices that take every op', () => {
    expectOneLineError(
      analyze('h.edn', APPEND_EDN, []),
      /^faultline: cannot tell how to check h\.edn: pass --workload list-append \(the choices that take every op of it\)$/,
    );
    expectOneLineError(
      analyze('h.jsonl', RW_JSONL, []),
      /pass --workload rw-register or --workload bank or --model multi-register/,
    );
  });
});

describe("Jepsen's bank as txns of reads and writes", () => {
  const bank = (secondRead: string) => `{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil]], :process 0}
{:type :ok, :f :txn, :value [[:r 0 10] [:r 1 10]], :process 0}
{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil] [:w 0 8] [:w 1 12]], :process 1}
{:type :ok, :f :txn, :value [[:r 0 10] [:r 1 10] [:w 0 8] [:w 1 12]], :process 1}
{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil]], :process 0}
{:type :ok, :f :txn, :value ${secondRead}, :process 0}
`;

  it('--workload bank: snapshots summing to the total are VALID (exit 0)', () => {
    const r = analyze('bank.edn', bank('[[:r 0 8] [:r 1 12]]'), ['--workload', 'bank']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^VALID/);
    expect(r.code).toBe(0);
  });

  it('--workload bank: a snapshot with half a transfer is INVALID, wrong-total (exit 1)', () => {
    const r = analyze('bank.edn', bank('[[:r 0 8] [:r 1 10]]'), ['--workload', 'bank', '--opt', 'total=20']);
    expect(r.stdout).toMatch(/^INVALID/);
    expect(r.stdout).toMatch(/bank: wrong-total \(1\)/);
    expect(r.stdout).toMatch(/#5 .*sum 18 ≠ 20/);
    expect(r.code).toBe(1);
  });
});

/** Write skew in list-append (Elle's G2-item): each txn reads the key the other appends to, both commit. */
const WRITE_SKEW = `{:type :invoke, :f :txn, :value [[:r :x nil] [:append :y 1]], :process 0, :time 1000000, :index 0}
{:type :invoke, :f :txn, :value [[:r :y nil] [:append :x 1]], :process 1, :time 1100000, :index 1}
{:type :ok, :f :txn, :value [[:r :x []] [:append :y 1]], :process 0, :time 2000000, :index 2}
{:type :ok, :f :txn, :value [[:r :y []] [:append :x 1]], :process 1, :time 2100000, :index 3}
{:type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil]], :process 0, :time 3000000, :index 4}
{:type :ok, :f :txn, :value [[:r :x [1]] [:r :y [1]]], :process 0, :time 3500000, :index 5}
`;

describe('--workload list-append on Elle EDN and faultline JSONL', () => {
  it('write skew under serializable: INVALID (exit 1), G2-item explained', () => {
    const r = analyze('h.edn', WRITE_SKEW, [
      '--workload',
      'list-append',
      '--consistency-models',
      'serializable',
    ]);
    expect(r.stdout).toMatch(/^INVALID/);
    expect(r.stdout).toMatch(/elle +INVALID +not serializable: G2-item ×1/);
    expect(oneLine(r.stdout)).toMatch(
      /G2-item cycle of 2 txns\. Let T1 = #0–#2, process 0, .*: \[r :x \[\]\] \[append :y 1\]; .*T1 < T2 because T1 read key :x = \[\] without T2's append of 1, which came next; .*: a contradiction\./,
    );
    expect(r.code).toBe(1);
  });

  it('the same history under read-committed, which allows write skew: VALID (exit 0)', () => {
    const r = analyze('h.edn', WRITE_SKEW, [
      '--workload',
      'list-append',
      '--consistency-models',
      'read-committed',
    ]);
    expect(r.stdout).toMatch(/^VALID/);
    expect(r.stdout).toMatch(/allowed by read-committed: G2-item/);
    expect(r.code).toBe(0);
  });

  it('a serial JSONL history: VALID (exit 0)', () => {
    const ops = [
      {
        type: 'invoke',
        process: 0,
        f: 'txn',
        value: [
          ['append', 1, 1],
          ['r', 2, null],
        ],
      },
      {
        type: 'ok',
        process: 0,
        f: 'txn',
        value: [
          ['append', 1, 1],
          ['r', 2, []],
        ],
      },
      {
        type: 'invoke',
        process: 1,
        f: 'txn',
        value: [
          ['r', 1, null],
          ['append', 2, 1],
        ],
      },
      {
        type: 'ok',
        process: 1,
        f: 'txn',
        value: [
          ['r', 1, [1]],
          ['append', 2, 1],
        ],
      },
    ].map((o, index) => JSON.stringify({ index, time: index * 1000, ...o }));
    const r = analyze('h.jsonl', `${ops.join('\n')}\n`, ['--workload', 'list-append']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^VALID/);
    expect(r.code).toBe(0);
  });
});

describe('--workload rw-register', () => {
  it('a JSONL history whose read saw the write: VALID (exit 0)', () => {
    const r = analyze('h.jsonl', RW_JSONL, ['--workload', 'rw-register']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^VALID/);
    expect(r.code).toBe(0);
  });
});

describe('txn input the checker cannot interpret: one line with file:line (exit 254)', () => {
  it('a micro-op that is not [f k v]', () =>
    expectOneLineError(
      analyze('h.edn', `${WRITE_SKEW}{:type :invoke, :f :txn, :value [[:append :x]], :process 3}\n`, [
        '--workload',
        'list-append',
      ]),
      /^faultline: h\.edn:7: op 6 \(txn \[\[:append :x\]\]\): the list-append workload cannot check it \(micro-op 1 \[:append :x\] writes no value; it takes txn /,
    ));

  it('an rw-register micro-op in a list-append history names rw-register', () =>
    expectOneLineError(
      analyze('h.edn', `${WRITE_SKEW}{:type :invoke, :f :txn, :value [[:w :x 5]], :process 3}\n`, [
        '--workload',
        'list-append',
      ]),
      /^faultline: h\.edn:7: op 6 .*micro-op 1 \[:w :x 5\]: :w is not :append or :r;/,
    ));

  it('a list-append read that returned a number', () =>
    expectOneLineError(
      analyze(
        'h.edn',
        `{:type :invoke, :f :txn, :value [[:r :x nil]], :process 0}\n{:type :ok, :f :txn, :value [[:r :x 3]], :process 0}\n`,
        ['--workload', 'list-append'],
      ),
      /^faultline: h\.edn:2: op 1 \(txn \[\[:r :x 3\]\]\): .*a list-append read returns a list, not 3/,
    ));

  it('a value appended twice to one key', () =>
    expectOneLineError(
      analyze(
        'h.edn',
        `${WRITE_SKEW}{:type :invoke, :f :txn, :value [[:append :x 1]], :process 3}\n{:type :ok, :f :txn, :value [[:append :x 1]], :process 3}\n`,
        ['--workload', 'list-append'],
      ),
      /^faultline: h\.edn:7: op #6: appends 1 to key :x, which op #1 already appended: values must be unique per key/,
    ));

  it('a bank history under rw-register: balances repeat, so it points to --workload bank', () => {
    const bank = `{:type :invoke, :f :txn, :value [[:w 0 10] [:w 1 10]], :process 0}
{:type :ok, :f :txn, :value [[:w 0 10] [:w 1 10]], :process 0}
{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil] [:w 0 8] [:w 1 12]], :process 1}
{:type :ok, :f :txn, :value [[:r 0 10] [:r 1 10] [:w 0 8] [:w 1 12]], :process 1}
{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil] [:w 0 10] [:w 1 10]], :process 1}
{:type :ok, :f :txn, :value [[:r 0 8] [:r 1 12] [:w 0 10] [:w 1 10]], :process 1}
`;
    expectOneLineError(
      analyze('bank.edn', bank, ['--workload', 'rw-register']),
      /^faultline: bank\.edn:5: op #4: writes 10 to key 0, which op #0 already wrote: values must be unique per key \(every version needs one writer\); check it with --workload bank or --model multi-register$/,
    );
    const r = analyze('bank.edn', bank, ['--workload', 'bank']);
    expect(r.stdout).toMatch(/^UNKNOWN/);
    expect(r.stdout).toMatch(/no read succeeded/);
  });
});

describe('a bank history whose writes happen to be unique: rw-register checks it too', () => {
  // Two transfers read the same balances (10, 10) and both commit: a lost update; the last snapshot
  // shows one of each (8 + 15 = 23, not 20).
  const BANK = `{:type :invoke, :f :txn, :value [[:w 0 10] [:w 1 10]], :process 0}
{:type :ok, :f :txn, :value [[:w 0 10] [:w 1 10]], :process 0}
{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil] [:w 0 8] [:w 1 12]], :process 1}
{:type :ok, :f :txn, :value [[:r 0 10] [:r 1 10] [:w 0 8] [:w 1 12]], :process 1}
{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil] [:w 0 5] [:w 1 15]], :process 2}
{:type :ok, :f :txn, :value [[:r 0 10] [:r 1 10] [:w 0 5] [:w 1 15]], :process 2}
{:type :invoke, :f :txn, :value [[:r 0 nil] [:r 1 nil]], :process 0}
{:type :ok, :f :txn, :value [[:r 0 8] [:r 1 15]], :process 0}
`;

  it("--workload rw-register: the lost update, by Elle's name (exit 1)", () => {
    const r = analyze('bank.edn', BANK, [
      '--workload',
      'rw-register',
      '--consistency-models',
      'serializable',
    ]);
    expect(r.stdout).toMatch(/elle +INVALID +not serializable: lost-update ×2/);
    expect(r.stdout).toMatch(/#3, #5 all read key 0 = 10 and wrote it, and all committed/);
    expect(r.code).toBe(1);
  });

  it('--workload bank --opt total=20: the snapshot that shows it, wrong-total (exit 1)', () => {
    const r = analyze('bank.edn', BANK, ['--workload', 'bank', '--opt', 'total=20']);
    expect(r.stdout).toMatch(/bank: wrong-total \(1\)/);
    expect(r.stdout).toMatch(/#7 .*sum 23 ≠ 20/);
    expect(r.code).toBe(1);
  });
});

describe("Elle's paper example as Elle's tools pass it around: no :f, no :time, one process", () => {
  // The history of Elle's paper (Kingsbury & Alvaro 2020, its G-single figure), as op maps without :f.
  const PAPER = `{:index 0 :process 1 :type :invoke :value [[:append 253 1] [:append 253 3] [:append 253 4] [:append 255 2] [:append 255 3] [:append 255 4] [:append 255 5] [:append 256 1] [:append 256 2]]}
{:index 1 :process 1 :type :ok :value [[:append 253 1] [:append 253 3] [:append 253 4] [:append 255 2] [:append 255 3] [:append 255 4] [:append 255 5] [:append 256 1] [:append 256 2]]}
{:index 2 :process 1 :type :invoke :value [[:append 255 8] [:r 253 nil]]}
{:index 3 :process 1 :type :ok :value [[:append 255 8] [:r 253 [1 3 4]]]}
{:index 4 :process 1 :type :invoke :value [[:append 256 4] [:r 255 nil] [:r 256 nil] [:r 253 nil]]}
{:index 5 :process 1 :type :ok :value [[:append 256 4] [:r 255 [2 3 4 5 8]] [:r 256 [1 2 4]] [:r 253 [1 3 4]]]}
{:index 6 :process 1 :type :invoke :value [[:append 250 10] [:r 253 nil] [:r 255 nil] [:append 256 3]]}
{:index 7 :process 1 :type :ok :value [[:append 250 10] [:r 253 [1 3 4]] [:r 255 [2 3 4 5]] [:append 256 3]]}
`;

  it("ops without :f are txns under a txn workload; Elle's answer: G-single, not consistent-view or repeatable-read", () => {
    const r = analyze('paper.edn', PAPER, [
      '--workload',
      'list-append',
      '--consistency-models',
      'serializable',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /not serializable: G-single ×1.*\(not consistent-view, repeatable-read; also not forward-consistent-view, serializable, snapshot-isolation, strict-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation, update-serializable\)/,
    );
    expect(oneLine(r.stdout)).toMatch(
      /G-single cycle of 3 txns\. .*T3 < T1 because T3 read key 255 = \[2 3 4 5\] without T1's append of 8, which came next: a contradiction\./,
    );
    expect(r.code).toBe(1);
  });

  it('with neither flag, list-append is suggested', () =>
    expectOneLineError(
      analyze('paper.edn', PAPER, []),
      /^faultline: cannot tell how to check paper\.edn: pass --workload list-append \(/,
    ));
});

describe('--allow-malformed on a txn history: the txns that pair are checked, as other checkers do', () => {
  /** An ok completion of process 9 with no invoke, before the write skew. */
  const ORPHAN = `{:type :ok, :f :txn, :value [[:append :z 7]], :process 9, :time 10, :index 0}\n${WRITE_SKEW}`;
  /** Process 2 invokes twice; the first invoke never completes (so it may have taken effect, as info). */
  const DOUBLE = `{:type :invoke, :f :txn, :value [[:append :z 1]], :process 2, :time 1, :index 0}
{:type :invoke, :f :txn, :value [[:append :z 2]], :process 2, :time 2, :index 1}
{:type :ok, :f :txn, :value [[:append :z 2]], :process 2, :time 3, :index 2}
{:type :invoke, :f :txn, :value [[:r :z nil]], :process 3, :time 4, :index 3}
{:type :ok, :f :txn, :value [[:r :z [1 2]]], :process 3, :time 5, :index 4}
`;
  const la = ['--workload', 'list-append', '--consistency-models', 'serializable'];

  it('without it: UNKNOWN (exit 2), checkers not run', () => {
    for (const h of [ORPHAN, DOUBLE]) {
      const r = analyze('h.edn', h, la);
      expect(r.stdout).toMatch(/^UNKNOWN/);
      expect(r.stdout).toMatch(/checkers not run \(pass --allow-malformed/);
      expect(r.code).toBe(2);
    }
  });

  it('an orphan completion is left out: the write skew is still found (exit 1), no crash', () => {
    const r = analyze('h.edn', ORPHAN, [...la, '--allow-malformed']);
    expect(r.stdout).not.toMatch(/crashed/);
    expect(r.stdout).toMatch(/elle +INVALID +not serializable: G2-item ×1/);
    expect(r.stdout).toMatch(/completes with no invoke/);
    expect(r.code).toBe(1);
  });

  it('a double invoke: the first stays open (info, may have happened), so reading its append is fine (exit 0)', () => {
    const r = analyze('h.edn', DOUBLE, [...la, '--allow-malformed']);
    expect(r.stdout).not.toMatch(/crashed/);
    expect(r.stdout).toMatch(/elle +VALID +serializable: 2 committed txns/);
    expect(r.stdout).toMatch(/invokes txn while its op 0/);
    expect(r.code).toBe(0);
  });

  it('a read of a value nobody appended is still garbage among the ops that pair (exit 1)', () => {
    const r = analyze('h.edn', DOUBLE.replace('[1 2]', '[1 2 3]'), [...la, '--allow-malformed']);
    expect(r.stdout).toMatch(/elle +INVALID .*garbage-read ×1/);
    expect(r.code).toBe(1);
  });

  it('input the checker cannot interpret is still refused in one line (exit 254)', () =>
    expectOneLineError(
      analyze(
        'h.edn',
        `${ORPHAN}{:type :invoke, :f :txn, :value [[:append :x 1]], :process 3}\n{:type :ok, :f :txn, :value [[:append :x 1]], :process 3}\n`,
        [...la, '--allow-malformed'],
      ),
      /^faultline: h\.edn:8: op #7: appends 1 to key :x, which op #1 already appended: values must be unique per key/,
    ));
});
