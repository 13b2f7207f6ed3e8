/**
 * `faultline run … 2>&1 | head -1`: the reader closes the pipe after the first line. The run goes on
 * (its writes to the closed pipe are dropped, not an "unexpected error: write EPIPE"), finishes, stores
 * its results and exits with the verdict's code.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../../bin/faultline.js');

/** Runs the CLI in `cwd`, closing both output pipes once the first byte arrives; resolves to the exit code. */
function runWithClosedPipes(args: string[], cwd: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const close = () => {
      child.stdout.destroy();
      child.stderr.destroy();
    };
    child.stdout.once('data', close);
    child.stderr.once('data', close);
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('output to a closed pipe', () => {
  it('does not fail the run: exit code by verdict (0 VALID, 1 INVALID)', { timeout: 120_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'faultline-epipe-'));
    const args = ['run', '--system', 'memory', '--workload', 'set', '--time-limit', '2', '--seed', '1'];
    expect(await runWithClosedPipes(args, cwd)).toBe(0);
    expect(await runWithClosedPipes([...args, '--mode', 'lost-writes'], cwd)).toBe(1);
    // The run finished and stored its results, unaware its output went unread.
    const latest = join(cwd, 'results', 'latest');
    expect(existsSync(join(latest, 'report.html'))).toBe(true);
    expect(readFileSync(join(latest, 'faultline.log'), 'utf8')).not.toMatch(/EPIPE/);
  });
});
