/**
 * The run lifecycle end to end through the CLI, on the in-process memory system: unexpected errors are
 * run failures (exit 255, one line, teardown ran, history kept), and a signal in every phase is recorded
 * with that phase. Event-driven: signals are sent when the phase's progress line appears, never after a
 * fixed sleep, and the phases that would be too quick to hit are made slow by the fixture's knobs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistoryFile } from '../../../src/history/formats/index.ts';
import { pairOps } from '../../../src/history/pairs.ts';

const BIN = join(import.meta.dirname, '../../../bin/faultline.js');
const FIXTURE = join(import.meta.dirname, '../../fixtures/lifecycle/misbehaving.ts');

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  dir: string;
}

/**
 * Runs `faultline run <fixture> --no-dashboard` with the env knobs; each time a stderr progress line
 * matches the next pattern of `signalAt`, sends SIGINT.
 */
function runFixture(env: Record<string, string>, signalAt: RegExp[] = [], extra: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-lifecycle-'));
  return new Promise<Result>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', FIXTURE, '--no-dashboard', ...extra], {
      cwd: dir,
      env: { ...process.env, CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let next = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 50 s; stderr:\n${stderr}`));
    }, 50_000);
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      while (next < signalAt.length && signalAt[next]!.test(stderr)) {
        next++;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, dir });
    });
  });
}

const results = (r: Result) =>
  JSON.parse(readFileSync(join(r.dir, 'results/latest/results.json'), 'utf8')) as Record<string, unknown>;
const testJson = (r: Result) =>
  JSON.parse(readFileSync(join(r.dir, 'results/latest/test.json'), 'utf8')) as Record<string, unknown>;
const history = (r: Result) => readHistoryFile(join(r.dir, 'results/latest/history.jsonl')).history;
const STACK = /\n\s+at .+:\d+:\d+/;

describe('an unexpected error is a run failure, not an anomaly', () => {
  it.each([
    ['a throw in a client timer', 'invoke-timer', /unexpected error: client library blew up in a timer/],
    ['an unhandled rejection', 'invoke-reject', /unexpected error: client library rejected/],
  ])('%s: exit 255, one line, teardown ran, history kept', async (_what, throwIn, message) => {
    const r = await runFixture({ THROW_IN: throwIn, THROW_AFTER: '20', TIME_LIMIT: '20' });
    expect(r.code, r.stderr).toBe(255);
    expect(r.stdout).toMatch(new RegExp(`RUN FAILED: ${message.source}`));
    expect(`${r.stdout}${r.stderr}`).not.toMatch(STACK);
    expect(r.stderr).toMatch(/phase teardown/);
    expect(results(r).runError).toMatch(message);
    const h = history(r);
    expect(h.length).toBeGreaterThanOrEqual(20);
    expect(pairOps(h).problems).toEqual([]);
    // It stopped at the error, not at the 20 s time limit.
    expect(h.at(-1)!.time).toBeLessThan(15e9);
  });

  it('--verbose adds the stack', async () => {
    const r = await runFixture({ THROW_IN: 'invoke-timer', TIME_LIMIT: '20' }, [], ['--verbose']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Error: client library blew up in a timer\n\s+at /);
  });

  it('setup throwing: exit 255, one line, teardown still runs', async () => {
    const r = await runFixture({ THROW_IN: 'setup' });
    expect(r.code).toBe(255);
    expect(r.stdout).toMatch(/RUN FAILED: setup exploded on n\d/);
    expect(r.stderr).toMatch(/phase teardown/);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(STACK);
    expect(history(r)).toEqual([]);
  });
});

describe('a signal in any phase is recorded with the phase', () => {
  it.each([
    ['setup', { SLOW_SETUP_MS: '4000' }],
    ['running', { TIME_LIMIT: '30' }],
    ['recovering', { RECOVERY_TIME: '30' }],
    ['teardown', { SLOW_TEARDOWN_MS: '3000' }],
    ['checking', { SLOW_CHECK_MS: '3000' }],
  ])('SIGINT during %s: exit 255, results.json says so, the output too', async (phase, env) => {
    const r = await runFixture({ TIME_LIMIT: '1', ...env }, [new RegExp(`phase ${phase}\\n`)]);
    expect(r.code, r.stderr).toBe(255);
    expect(r.stdout).toContain(`RUN INTERRUPTED during ${phase} (exit 255)`);
    const res = results(r);
    expect(res.interrupted).toBe(true);
    expect(res.interruptedPhase).toBe(phase);
    expect(testJson(r).interruptedPhase).toBe(phase);
    expect(readFileSync(join(r.dir, 'results/latest/summary.md'), 'utf8')).toContain(
      `run interrupted during ${phase}`,
    );
    expect(pairOps(history(r)).problems).toEqual([]);
    if (phase === 'checking') expect(res.valid).toBe(true); // one Ctrl-C lets the check finish
  });

  it('a second SIGINT during the check cancels it: verdict unknown', async () => {
    const r = await runFixture({ TIME_LIMIT: '1', SLOW_CHECK_MS: '60000' }, [
      /phase checking\n/,
      /the check goes on/,
    ]);
    expect(r.code, r.stderr).toBe(255);
    expect(r.stderr).toContain('cancelling the check');
    const res = results(r);
    expect(res.interruptedPhase).toBe('checking');
    expect(res.valid).toBe('unknown');
  });
});

describe('signals during start-up', () => {
  it('are recorded from the first line of bin/faultline.js and handed to the run command', async () => {
    // The module bin/faultline.js loads first, in a child that then "loads" for a while (a busy loop:
    // signals are only delivered once it yields), then claims the signals as `run` does.
    const script = `
      const s = await import(${JSON.stringify(join(import.meta.dirname, '../../../src/cli/signals.ts'))});
      s.installEarlySignals();
      process.stdout.write('armed\\n');
      await new Promise((r) => setTimeout(r, 20000).unref() && process.stdin.once('data', r));
      const c = s.claimSignals(() => {});
      process.stdout.write('early=' + c.early.join(',') + '\\n');
      process.exit(0);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out === 'armed\n') {
        child.kill('SIGINT');
        // The signal is in; let the child go on to claim.
        setTimeout(() => child.stdin.write('go\n'), 200);
      }
    });
    const code = await new Promise<number | null>((res) => child.on('close', res));
    expect(code).toBe(0);
    expect(out).toContain('early=SIGINT');
  });

  it.each([
    ['a signal after the release', false],
    ['a signal that came before the release (re-raised)', true],
  ])('commands that do not handle signals get the default back: %s', async (_what, early) => {
    const script = `
      const s = await import(${JSON.stringify(join(import.meta.dirname, '../../../src/cli/signals.ts'))});
      s.installEarlySignals();
      process.stdout.write('armed\\n');
      await new Promise((r) => process.stdin.once('data', r));
      s.releaseSignals();
      process.stdout.write('released\\n');
      setTimeout(() => process.exit(0), 20000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out === 'armed\n') {
        if (early) child.kill('SIGINT');
        setTimeout(() => child.stdin.write('go\n'), early ? 200 : 0);
      }
      if (!early && out === 'armed\nreleased\n') child.kill('SIGINT');
    });
    const end = await new Promise<string>((res) => child.on('close', (c, sig) => res(`${c} ${sig}`)));
    expect(end).toBe('null SIGINT');
    expect(out).toBe(early ? 'armed\n' : 'armed\nreleased\n');
  });
});
