/**
 * The transactional workloads through the real CLI (bin/faultline.js), memory system, no Docker: a
 * snapshot-isolation store fails `--consistency-models serializable` with an explained G2-item cycle
 * (exit 1), a serializable one passes (exit 0), `analyze` re-checks the run under other models, and a
 * misused `--consistency-models` is one line, exit 254.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The output with its wrapped explanation lines joined (the terminal wraps long explanations). */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ');

const BIN = join(import.meta.dirname, '../../../bin/faultline.js');
const tmp = () => mkdtempSync(join(tmpdir(), 'faultline-txn-cli-'));

function cli(args: string[], cwd = tmp()) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, cwd };
}

/** A user error is exactly one line on stderr, no stack trace, exit 254. */
function expectOneLineError(r: ReturnType<typeof cli>, pattern: RegExp) {
  expect(r.code, r.stdout + r.stderr).toBe(254);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

// 10 s at the default rate: a 30 s run shows ~38 write skews, a 3 s one none about 2 % of the time.
const RUN = ['run', '--system', 'memory', '--workload', 'list-append', '--time-limit', '10'];
const QUICK = ['--recovery-time', '0', '--no-dashboard', '--seed', '7'];

describe('faultline run/analyze with a txn workload on the memory system', () => {
  it('snapshot-isolation under --consistency-models serializable: exit 1, a G2-item explained; analyze re-checks under other models', () => {
    const r = cli([...RUN, '--mode', 'snapshot-isolation', '--consistency-models', 'serializable', ...QUICK]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/elle\s+INVALID\s+not serializable: G2-item/);
    // The cycle, step by step, ending in the contradiction.
    expect(oneLine(r.stdout)).toMatch(/G2-item cycle of \d+ txns\. Let T1 = #\d+/);
    expect(oneLine(r.stdout)).toMatch(
      /T1 < T2 because T1 read key \S+ = \[[^\]]*\] without T2's append of \d+/,
    );
    expect(r.stdout).toMatch(/: a contradiction\./);
    const test = JSON.parse(readFileSync(join(r.cwd, 'results', 'latest', 'test.json'), 'utf8'));
    expect(test.consistencyModels).toEqual(['serializable']);
    expect(test.workload).toBe('list-append');

    // Snapshot isolation allows write skew: the same history is valid under it.
    const si = cli(['analyze', 'results/latest', '--consistency-models', 'snapshot-isolation'], r.cwd);
    expect(si.code, si.stdout + si.stderr).toBe(0);
    expect(si.stdout).toMatch(/elle\s+VALID\s+snapshot-isolation/);
    // Without the flag, analyze keeps the run's models.
    const again = cli(['analyze', 'results/latest'], r.cwd);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/G2-item/);
  });

  it('serializable: exit 0 under strict-serializable (the default model)', () => {
    const r = cli([...RUN, '--mode', 'serializable', ...QUICK]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/elle\s+VALID\s+strict-serializable: \d+ committed txns/);
  });

  it('--consistency-models misused: one line, exit 254', () => {
    expectOneLineError(
      cli(['run', '--system', 'memory', '--workload', 'set', '--consistency-models', 'serializable']),
      /--consistency-models applies to the transactional workloads \(list-append, rw-register\), not set/,
    );
    expectOneLineError(
      cli([...RUN, '--consistency-models', 'serializable,serialisable']),
      /unknown consistency model serialisable; known models: .*snapshot-isolation.*strict-serializable/,
    );
    expectOneLineError(cli([...RUN, '--consistency-models', ',']), /--consistency-models/);
    expectOneLineError(
      cli([...RUN, '--mode', 'snapshot-isolation', '--workload', 'set']),
      /system 'memory' in mode 'snapshot-isolation' does not support workload 'set': choose one of list-append, rw-register/,
    );
    expectOneLineError(
      cli([...RUN, '--opt', 'maxTxnLength=2', '--opt', 'minTxnLength=3']),
      /workload list-append: minTxnLength 3 is above maxTxnLength 2/,
    );
  });
});
