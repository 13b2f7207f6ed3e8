/**
 * The dashboard drawn by its render thread (a real worker thread running ink) into a real file
 * descriptor: a temporary file stands in for the terminal.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startThreadedDashboard, type ThreadedDashboard } from '../../../src/dashboard/threaded.ts';
import { FakeStdin, FakeStdout, sleep } from './fakes.ts';
import { liveHistory, MS, S, Script, TEST } from './script.ts';

let dir = '';
let dash: ThreadedDashboard | undefined;
const fds: number[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-threaded-'));
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
  readFileSync(file, 'utf8').replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[78]/g, '');

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
  dash = startThreadedDashboard({
    test: TEST,
    onQuit: () => quits.push(Date.now()),
    stdin: stdin.stream,
    size: size.stream,
    fd,
    errFd,
    interactive: true,
    intervalMs: 50,
  });
  return { out, err, stdin, size, quits, dash };
}

/** Waits (at most 20 s: the thread loads ink first) until `file` holds what `pred` looks for. */
async function until(file: string, pred: (t: string) => boolean): Promise<string> {
  const end = Date.now() + 20_000;
  for (;;) {
    const t = text(file);
    if (pred(t) || Date.now() > end) return t;
    await sleep(50);
  }
}

describe('startThreadedDashboard', () => {
  it('draws frames on the descriptor; stop() returns once the final frame is written, without key hints', async () => {
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
    // No waiting here: stop() has waited for the render thread.
    const last = text(out).split('faultline ▸').at(-1)!;
    expect(last).toMatch(/VALID\s+all 3 checkers valid/);
    expect(last).toContain('/tmp/run-7');
    expect(last).not.toContain('q quit');
    expect(dash.renderFrames.count).toBeGreaterThan(0);
    expect(dash.frames.count).toBeGreaterThanOrEqual(dash.renderFrames.count);
  });

  it('q and Ctrl-C, read here in raw mode, call onQuit and show in the next frame; ? toggles help', async () => {
    const { out, stdin, quits } = start();
    new Script()
      .phase('running', 0)
      .call(0, 'add', 1 * MS, 1 * MS)
      .flush(dash!);
    await until(out, (t) => t.includes('q quit'));
    stdin.press('x');
    stdin.press('?');
    expect(await until(out, (t) => t.includes('q or Ctrl-C  stop the run'))).toContain(
      'q or Ctrl-C  stop the run',
    );
    expect(quits).toHaveLength(0);
    stdin.press('q');
    expect(quits).toHaveLength(1);
    expect(await until(out, (t) => t.includes('stopping: finishing ops'))).toContain(
      'stopping: finishing ops',
    );
    stdin.press('\x03');
    expect(quits).toHaveLength(2);
    expect(await until(out, (t) => t.includes('stopping without waiting'))).toContain(
      'stopping without waiting',
    );
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
    const width = (t: string) =>
      Math.max(
        ...t
          .split('faultline ▸')
          .at(-1)!
          .split('\n')
          .map((l) => l.length),
      );
    // The frame is cut to the new width (at 110 columns the header line is longer than 60).
    expect(width(await until(out, (t) => width(t) <= 60))).toBeLessThanOrEqual(60);
  });

  it('a terminal it cannot write leaves one line on stderr, and stop() still returns', async () => {
    // A descriptor number no file holds here (a closed one could be reused by the next open).
    const { err } = start({ fd: 99_999 });
    new Script().phase('running', 0).flush(dash!);
    await until(err, (t) => t.includes('render thread failed'));
    dash!.stop();
    const lines = text(err).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^the dashboard's render thread failed \(.*EBADF.*\); the run goes on without it$/,
    );
  });
});
