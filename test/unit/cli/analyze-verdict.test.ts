/**
 * `analyze` verdicts on histories from other tools and on run folders: impossible histories (kind 3),
 * the verdict the user asked for (kind 7), and workload options (kind 6). Runs the real CLI on temp files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../../bin/faultline.js');

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temp folder holding `name` with `text`. */
function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-analyze-'));
  writeFileSync(join(dir, name), text);
  return dir;
}

const ORPHAN = `{:index 0, :time 100, :type :invoke, :process 3, :f :write, :value 4}
{:index 1, :time 200, :type :ok, :process 3, :f :write, :value 4}
{:index 2, :time 300, :type :ok, :process 5, :f :read, :value 9}
{:index 3, :time 400, :type :invoke, :process 3, :f :read, :value nil}
{:index 4, :time 500, :type :ok, :process 3, :f :read, :value 4}
`;

describe('analyze: impossible histories never pass silently', () => {
  it('a completion with no invoke: UNKNOWN (exit 2), the problem in the text output', () => {
    const dir = file('h.edn', ORPHAN);
    const r = cli(['analyze', 'h.edn', '--model', 'register'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^UNKNOWN/);
    expect(r.stdout).toMatch(/history is malformed: 1 problem/);
    expect(r.stdout).toContain('op 2: ok read from process 5 completes with no invoke');
  });

  it('--json carries historyProblems too', () => {
    const dir = file('h.edn', ORPHAN);
    const r = cli(['analyze', 'h.edn', '--model', 'register', '--json'], dir);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.valid).toBe('unknown');
    expect(j.historyProblems).toEqual([
      {
        index: 2,
        kind: 'orphan-completion',
        message: 'op 2: ok read from process 5 completes with no invoke',
      },
    ]);
  });

  it('--allow-malformed checks what pairs and still shows the problems', () => {
    const dir = file('h.edn', ORPHAN);
    const r = cli(['analyze', 'h.edn', '--model', 'register', '--allow-malformed'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^VALID/);
    expect(r.stdout).toContain('op 2: ok read from process 5 completes with no invoke');
  });

  it('two invokes on one process and a completion of another f, in a JSONL history', () => {
    const ops = [
      { type: 'invoke', process: 0, f: 'add', value: 1 },
      { type: 'invoke', process: 0, f: 'add', value: 2 },
      { type: 'ok', process: 0, f: 'read', value: [1, 2] },
    ].map((o, index) => JSON.stringify({ index, time: index, ...o }));
    const dir = file('h.jsonl', `${ops.join('\n')}\n`);
    const r = cli(['analyze', 'h.jsonl', '--workload', 'set'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/history is malformed \(2 problems\)/);
    expect(r.stdout).toMatch(/op 1: process 0 invokes add while its op 0 \(add\) has not completed/);
    expect(r.stdout).toMatch(/op 2: ok read from process 0 completes op 1, which invoked add/);
  });

  it('an entirely unreadable history stays exit 254 with file:line', () => {
    const dir = file('h.edn', '{:type :invoke :process 0 :f :read}\n}}} nonsense\n{:type :ok}\n');
    const r = cli(['analyze', 'h.edn', '--model', 'register'], dir);
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/h\.edn:2:/);
  });

  it('a run folder: results.json historyProblems, summary.md and report.html list them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-analyze-'));
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(
      join(run, 'test.json'),
      JSON.stringify({ name: 'malformed', workload: 'set', concurrency: 2, nodes: ['n1'], options: {} }),
    );
    const ops = [
      { type: 'invoke', process: 0, f: 'add', value: 1 },
      { type: 'ok', process: 0, f: 'add', value: 1 },
      { type: 'ok', process: 7, f: 'add', value: 2 },
      { type: 'invoke', process: 0, f: 'read', value: null },
      { type: 'ok', process: 0, f: 'read', value: [1, 2] },
    ].map((o, index) => JSON.stringify({ index, time: index * 1000, ...o }));
    writeFileSync(join(run, 'history.jsonl'), `${ops.join('\n')}\n`);
    const r = cli(['analyze', 'run'], dir);
    expect(r.code).toBe(2);
    const message = 'op 2: ok add from process 7 completes with no invoke';
    expect(r.stdout).toContain(message);
    const results = JSON.parse(readFileSync(join(run, 'results.json'), 'utf8'));
    expect(results.valid).toBe('unknown');
    expect(results.reason).toBe('history is malformed: 1 problem');
    expect(results.historyProblems[0].message).toBe(message);
    const md = readFileSync(join(run, 'summary.md'), 'utf8');
    expect(md).toMatch(/UNKNOWN/);
    expect(md).toContain('**The history is malformed** (1 problem):');
    expect(md).toContain(`- ${message}`);
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).toContain(message);
    expect(html).toContain('history-problems');
  });
});

// A linearizable cas-register history in which no cas succeeded: stats says unknown.
const NO_CAS = `{:type :invoke, :f :write, :value 1, :process 0}
{:type :ok, :f :write, :value 1, :process 0}
{:type :invoke, :f :cas, :value [5 6], :process 1}
{:type :fail, :f :cas, :value [5 6], :process 1}
{:type :invoke, :f :read, :value nil, :process 0}
{:type :ok, :f :read, :value 1, :process 0}
`;

describe('analyze: the verdict the user asked for', () => {
  it("another tool's history: the model decides; stats is shown but does not gate", () => {
    const dir = file('h.edn', NO_CAS);
    const r = cli(['analyze', 'h.edn', '--model', 'cas-register'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^VALID/);
    expect(r.stdout).toMatch(/stats\s+UNKNOWN.*no cas op ever succeeded/);
  });

  it('a non-linearizable history from another tool is still INVALID (exit 1)', () => {
    const dir = file('h.edn', NO_CAS.replace(':ok, :f :read, :value 1', ':ok, :f :read, :value 2'));
    const r = cli(['analyze', 'h.edn', '--model', 'cas-register'], dir);
    expect(r.code).toBe(1);
  });

  it("faultline's own run folder keeps the stats gate", () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-analyze-'));
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(
      join(run, 'test.json'),
      JSON.stringify({ name: 'own', workload: 'register', concurrency: 2, nodes: ['n1'], options: {} }),
    );
    const ops = [
      { type: 'invoke', f: 'write', value: 1, process: 0 },
      { type: 'ok', f: 'write', value: 1, process: 0 },
      { type: 'invoke', f: 'cas', value: [5, 6], process: 1 },
      { type: 'fail', f: 'cas', value: [5, 6], process: 1 },
      { type: 'invoke', f: 'read', value: null, process: 0 },
      { type: 'ok', f: 'read', value: 1, process: 0 },
    ].map((o, index) => JSON.stringify({ index, time: index, ...o }));
    writeFileSync(join(run, 'history.jsonl'), `${ops.join('\n')}\n`);
    const r = cli(['analyze', 'run', '--model', 'cas-register'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^UNKNOWN/);
  });
});

describe('analyze: workloads on histories from other tools', () => {
  const bank = `{:index 0, :time 0, :type :invoke, :process 0, :f :read, :value nil}
{:index 1, :time 5, :type :ok, :process 0, :f :read, :value {0 10, 1 15, 2 10, 3 5, 4 20, 5 10, 6 20, 7 10}}
{:index 2, :time 6, :type :invoke, :process 1, :f :transfer, :value {:from 4, :to 3, :amount 5}}
{:index 3, :time 9, :type :ok, :process 1, :f :transfer, :value {:from 4, :to 3, :amount 5}}
{:index 4, :time 10, :type :invoke, :process 0, :f :read, :value nil}
{:index 5, :time 15, :type :ok, :process 0, :f :read, :value {0 10, 1 15, 2 10, 3 10, 4 15, 5 10, 6 20, 7 10}}
`;
  it('bank: accounts and total inferred; convergence skipped', () => {
    const r = cli(['analyze', 'h.edn', '--workload', 'bank'], file('h.edn', bank));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/bank\s+VALID.*total 100, 8 accounts, inferred/);
    expect(r.stdout).toMatch(/convergence\s+SKIPPED/);
  });

  it('bank: --opt total / accounts / negativeBalances are used; a bad value is one line, exit 254', () => {
    expect(
      cli(['analyze', 'h.edn', '--workload', 'bank', '--opt', 'total=90'], file('h.edn', bank)).code,
    ).toBe(1);
    expect(
      cli(['analyze', 'h.edn', '--workload', 'bank', '--opt', 'accounts=8'], file('h.edn', bank)).code,
    ).toBe(0);
    expect(
      cli(['analyze', 'h.edn', '--workload', 'bank', '--opt', 'accounts=7'], file('h.edn', bank)).code,
    ).toBe(1);
    const r = cli(
      ['analyze', 'h.edn', '--workload', 'bank', '--opt', 'negativeBalances=perhaps'],
      file('h.edn', bank),
    );
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/option negativeBalances=perhaps: expected true or false/);
  });

  it('counter with a negative delta that may not have applied: VALID', () => {
    const h = `{:type :invoke, :process 0, :f :add, :value 5}
{:type :ok, :process 0, :f :add, :value 5}
{:type :invoke, :process 1, :f :add, :value -3}
{:type :info, :process 1, :f :add, :value -3}
{:type :invoke, :process 0, :f :read, :value nil}
{:type :ok, :process 0, :f :read, :value 5}
`;
    expect(cli(['analyze', 'h.edn', '--workload', 'counter'], file('h.edn', h)).code).toBe(0);
    expect(
      cli(
        ['analyze', 'h.edn', '--workload', 'counter'],
        file('h.edn', h.replace(/:value 5}\n$/, ':value 4}\n')),
      ).code,
    ).toBe(1);
  });

  it('set with an element added after a failed attempt: VALID', () => {
    const h = `{:process 0, :type :invoke, :f :add, :value 3}
{:process 0, :type :fail, :f :add, :value 3}
{:process 1, :type :invoke, :f :add, :value 3}
{:process 1, :type :ok, :f :add, :value 3}
{:process 0, :type :invoke, :f :read, :value nil}
{:process 0, :type :ok, :f :read, :value #{3}}
`;
    expect(cli(['analyze', 'h.edn', '--workload', 'set'], file('h.edn', h)).code).toBe(0);
  });
});
