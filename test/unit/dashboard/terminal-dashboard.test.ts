/**
 * The dashboard painted on a terminal's file descriptor (a temporary file stands in for it; what it holds
 * is played into a headless xterm.js where the screen matters).
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xterm from '@xterm/headless';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveDashboard } from '../../../src/dashboard/ink.ts';
import { startTerminalDashboard } from '../../../src/dashboard/terminal-dashboard.ts';
import { bufferLines, FakeStdin, FakeStdout, sleep } from './fakes.ts';
import { liveHistory, MS, S, Script, TEST } from './script.ts';

let dir = '';
let dash: LiveDashboard | undefined;
const fds: number[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-terminal-'));
});
afterEach(() => {
  dash?.stop();
  dash = undefined;
  for (const fd of fds.splice(0)) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

/** What was written to `file`, escape codes removed. */
const text = (file: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing escape codes
  readFileSync(file, 'utf8').replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[78]|\r/g, '');

/** The screen of a 110 × 40 terminal that was sent what `file` holds: lines up to the cursor or the last non-blank one. */
async function screen(file: string): Promise<string[]> {
  const term = new xterm.Terminal({
    cols: 110,
    rows: 40,
    scrollback: 1000,
    allowProposedApi: true,
    convertEol: true,
  });
  await new Promise<void>((r) => term.write(readFileSync(file, 'utf8'), r));
  const out = bufferLines(term);
  term.dispose();
  return out;
}

function start(opts: { stdinTTY?: boolean; fd?: number } = {}) {
  const out = join(dir, 'terminal');
  const err = join(dir, 'stderr');
  const fd = opts.fd ?? openSync(out, 'w');
  const errFd = openSync(err, 'w');
  fds.push(errFd);
  if (opts.fd === undefined) fds.push(fd);
  const stdin = new FakeStdin(opts.stdinTTY ?? true);
  const size = new FakeStdout();
  const quits: number[] = [];
  const d = startTerminalDashboard({
    test: TEST,
    onQuit: () => quits.push(Date.now()),
    stdin: stdin.stream,
    size: size.stream,
    fd,
    errFd,
    interactive: true,
    intervalMs: 50,
    routeOutput: false,
  });
  dash = d;
  return { out, err, stdin, size, quits, dash: d };
}

/** Waits (at most 10 s) until `file` holds what `pred` looks for. */
async function until(file: string, pred: (t: string) => boolean): Promise<string> {
  const end = Date.now() + 10_000;
  for (;;) {
    const t = text(file);
    if (pred(t) || Date.now() > end) return t;
    await sleep(20);
  }
}

describe('startTerminalDashboard', () => {
  it('paints frames in place; after stop() the screen holds the final frame once, without key hints', async () => {
    const { out, dash } = start();
    const { history, push } = liveHistory();
    dash.onEvent({ kind: 'history', ops: history });
    new Script().phase('running', 0).flush(dash);
    for (let i = 0; i < 1000; i++) {
      dash.onEvent({ kind: 'op', op: push('invoke', i * MS) });
      dash.onEvent({ kind: 'op', op: push('ok', i * MS + 200_000) });
    }
    const live = await until(out, (t) => /add\s+1000\b/.test(t));
    expect(live).toMatch(/add\s+1000\b/);
    expect(live).toContain('q quit · ? help');
    new Script()
      .phase('checking', 2 * S)
      .phase('done', 3 * S)
      .verdict(true, '/tmp/run-7', 'all 3 checkers valid')
      .flush(dash);
    dash.stop();
    expect(dash.frames.count).toBeGreaterThan(1);
    const s = await screen(out);
    // One frame on the screen, the last one: each of its lines once.
    expect(s.filter((l) => l.startsWith('faultline ▸'))).toHaveLength(1);
    expect(s[0]).toMatch(/^faultline ▸ memory-set/);
    expect(s.join('\n')).toMatch(/VALID\s+all 3 checkers valid/);
    expect(s.join('\n')).toContain('/tmp/run-7');
    expect(s.join('\n')).not.toContain('q quit');
    expect(s.filter((l) => /^verdict/.test(l))).toHaveLength(1);
  });

  it('q and Ctrl-C, read in raw mode, call onQuit and show at once; ? toggles help', async () => {
    const { out, stdin, quits } = start();
    new Script()
      .phase('running', 0)
      .call(0, 'add', 1 * MS, 1 * MS)
      .flush(dash!);
    await until(out, (t) => t.includes('q quit'));
    stdin.press('x');
    stdin.press('?');
    expect(text(out)).toContain('q or Ctrl-C  stop the run');
    expect(quits).toHaveLength(0);
    stdin.press('q');
    expect(quits).toHaveLength(1);
    expect(text(out)).toContain('stopping: finishing ops');
    stdin.press('\x03');
    expect(quits).toHaveLength(2);
    expect(text(out)).toContain('stopping without waiting');
  });

  it('follows the terminal size: a resize redraws at the new width', async () => {
    const { out, size } = start({ stdinTTY: false });
    new Script()
      .phase('running', 0)
      .call(0, 'add', 1 * MS, 1 * MS)
      .flush(dash!);
    await until(out, (t) => t.includes('faultline ▸'));
    // Without a terminal on stdin no key hints are shown.
    expect(text(out)).not.toContain('q quit');
    size.columns = 60;
    size.emit('resize');
    const last = text(out).split('faultline ▸').at(-1)!;
    // The frame is cut to the new width (at 110 columns the header line is longer than 60).
    expect(Math.max(...last.split('\n').map((l) => l.length))).toBeLessThanOrEqual(60);
  });

  it('a terminal it cannot write leaves one line on stderr, and the run goes on', async () => {
    // A descriptor number no file holds here (a closed one could be reused by the next open).
    const { err } = start({ fd: 99_999 });
    new Script().phase('running', 0).flush(dash!);
    dash!.onEvent({ kind: 'phase', phase: 'checking', atNs: 1 * S });
    dash!.stop();
    const lines = text(err).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^the dashboard could not write to the terminal \(.*EBADF.*\); the run goes on without it$/,
    );
  });
});
