import { afterEach, describe, expect, it } from 'vitest';
import { HIGH_OP_RATE, type LiveDashboard, periodMs, startDashboard } from '../../../src/dashboard/ink.ts';
import { FakeStdin, FakeStdout, sleep } from './fakes.ts';
import { liveHistory, MS, S, Script, TEST } from './script.ts';

let dash: LiveDashboard | undefined;
afterEach(() => {
  dash?.stop();
  dash = undefined;
});

function start(opts: { stdinTTY?: boolean; intervalMs?: number } = {}) {
  const stdout = new FakeStdout();
  const stderr = new FakeStdout();
  const stdin = new FakeStdin(opts.stdinTTY ?? true);
  const quits: number[] = [];
  dash = startDashboard({
    test: TEST,
    onQuit: () => quits.push(Date.now()),
    stdin: stdin.stream,
    stdout: stdout.stream,
    stderr: stderr.stream,
    interactive: true,
    ...(opts.intervalMs ? { intervalMs: opts.intervalMs } : {}),
  });
  return { stdout, stdin, quits, dash };
}

describe('startDashboard', () => {
  it('q and Ctrl-C call onQuit, each press once, and the frame says it is stopping', async () => {
    const { stdin, stdout, quits, dash } = start();
    await sleep(50);
    stdin.press('q');
    await sleep(50);
    expect(quits).toHaveLength(1);
    stdin.press('\x03');
    await sleep(50);
    expect(quits).toHaveLength(2);
    await sleep(150);
    expect(stdout.text()).toContain('stopping without waiting');
    new Script()
      .phase('done', 1 * S)
      .verdict('unknown', '/tmp/r', 'partial')
      .flush(dash);
    dash.stop();
    expect(stdout.text().split('faultline ▸').at(-1)).toMatch(
      /UNKNOWN\s+partial\s+\(run interrupted: exit code 255\)/,
    );
  });

  it('other keys do nothing; ? toggles the help line', async () => {
    const { stdin, stdout, quits } = start();
    await sleep(50);
    stdin.press('x');
    stdin.press('?');
    await sleep(150);
    expect(quits).toHaveLength(0);
    expect(stdout.text()).toContain('q or Ctrl-C  stop the run');
    stdin.press('?');
    await sleep(150);
    const last = stdout.text().split('faultline ▸').at(-1)!;
    expect(last).not.toContain('q or Ctrl-C  stop the run');
    expect(last).toContain('q quit · ? help');
  });

  it('without a terminal on stdin it listens for no keys (and does not ask for raw mode)', async () => {
    const { stdin, stdout, quits } = start({ stdinTTY: false });
    await sleep(50);
    stdin.press('q');
    await sleep(50);
    expect(quits).toHaveLength(0);
    expect(stdout.text()).not.toContain('q quit');
  });

  it('renders from the aggregate a few times a second, never per op', async () => {
    const { stdout, dash } = start({ intervalMs: 250 });
    const sc = new Script()
      .phase('setup', 0)
      .phase('running', 0.1 * S)
      .flush(dash);
    await sleep(20);
    const before = stdout.writes.length;
    // 40,000 ops arrive in bursts over ~600 ms.
    for (let burst = 0; burst < 6; burst++) {
      sc.load(burst * 0.1 * S, (burst + 1) * 0.1 * S, 3_333, 'add', MS, 100).flush(dash);
      await sleep(100);
    }
    const frames = stdout.writes.length - before;
    // 4 frames a second: two or three ticks in this time; each frame is at most a few writes.
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThan(20);
    expect(dash.state.totals.ok).toBe(6 * 3_333);
    // 33k completions a second is a high op rate: frames may be up to 2 s apart (periodMs).
    for (let waited = 0; waited < 3000 && !/add\s+20\.0k/.test(stdout.text()); waited += 100)
      await sleep(100);
    expect(stdout.text()).toMatch(/add\s+20\.0k/);
  });

  it('keeps drawing ~4 frames a second of run time when the runner never yields to timers', () => {
    const { stdout, dash } = start();
    new Script().phase('setup', 0).phase('running', 0).flush(dash);
    const framesBefore = stdout.text().split('faultline ▸').length;
    // Two seconds of ops at a steady pace below the high op rate, all synchronous: no timer can fire.
    const sc = new Script();
    for (let chunk = 0; chunk < 20; chunk++) {
      sc.load(chunk * 0.1 * S, (chunk + 1) * 0.1 * S, 300, 'add', 0.1 * MS, 100).flush(dash);
      const until = performance.now() + 100;
      while (performance.now() < until) {
        // the runner is busy
      }
    }
    const frames = stdout.text().split('faultline ▸').length - framesBefore;
    expect(frames).toBeGreaterThanOrEqual(3);
    expect(frames).toBeLessThanOrEqual(10);
  });

  it('at a high op rate draws at least once every 2 s of run time, and at most 4 times a second', () => {
    const { stdout, dash } = start();
    new Script().phase('setup', 0).phase('running', 0).flush(dash);
    const framesBefore = stdout.text().split('faultline ▸').length;
    // Four seconds of 100,000 completions a second, all synchronous.
    const sc = new Script();
    for (let chunk = 0; chunk < 40; chunk++) {
      sc.load(chunk * 0.1 * S, (chunk + 1) * 0.1 * S, 10_000, 'add', 0.01 * MS, 100).flush(dash);
      const until = performance.now() + 50;
      while (performance.now() < until) {
        // the runner is busy
      }
    }
    const frames = stdout.text().split('faultline ▸').length - framesBefore;
    expect(frames).toBeGreaterThanOrEqual(2);
    expect(frames).toBeLessThanOrEqual(17);
    expect(dash.frames.count).toBeGreaterThanOrEqual(frames);
  });

  it('stop() folds what the run history gained and lets go of it (no verdict came: an interrupted run)', () => {
    const { dash } = start();
    const { history, push } = liveHistory();
    dash.onEvent({ kind: 'history', ops: history });
    dash.onEvent({ kind: 'phase', phase: 'running', atNs: 0 });
    dash.onEvent({ kind: 'op', op: push('invoke', 1 * MS) });
    dash.onEvent({ kind: 'op', op: push('ok', 2 * MS) });
    dash.stop();
    expect(dash.state.opCount).toBe(2);
    push('invoke', 3 * MS);
    expect(dash.state.opCount).toBe(2);
  });

  it('stop() leaves the final frame with the verdict and no key hints, and is idempotent', async () => {
    const { stdout, dash } = start();
    new Script()
      .phase('setup', 0)
      .phase('running', 0)
      .load(0, 1 * S, 10)
      .phase('checking', 1 * S)
      .phase('done', 1.2 * S)
      .verdict(true, '/tmp/results/memory-set/x', '10 adds, all present')
      .flush(dash);
    dash.stop();
    dash.stop();
    const last = stdout.text().split('faultline ▸').at(-1)!;
    expect(last).toMatch(/VALID\s+10 adds, all present/);
    expect(last).toContain('/tmp/results/memory-set/x');
    expect(last).not.toContain('q quit');
  });
});

describe('periodMs: frames take at most 0.5 % of the process CPU at a high op rate', () => {
  const busy = { cpuMs: 900, wallMs: 1000 };
  const fast = { opsDone: 150_000, spanNs: 1e9 };
  it('draws every interval below the high rate', () => {
    expect(
      periodMs(250, { frameMs: 4, opsDone: HIGH_OP_RATE / 2, spanNs: 1e9, cpuMs: 100, wallMs: 1000 }),
    ).toBe(250);
    expect(periodMs(250, { frameMs: 4, opsDone: 5, spanNs: 0, cpuMs: 0, wallMs: 0 })).toBe(250);
  });
  it('spaces costly frames to 0.5 % of the CPU the process gets, within 2 s', () => {
    // a process on 90 % of a core: 1 ms frames 250 ms apart take 0.44 % of its CPU; 4 ms ones go 889 ms apart
    expect(periodMs(250, { frameMs: 1, ...fast, ...busy })).toBe(250);
    expect(periodMs(250, { frameMs: 4, ...fast, ...busy })).toBeCloseTo(888.9, 1);
    // on a loaded machine the process gets 20 % of a core: 1 ms frames 1 s apart, 2 ms ones 2 s
    expect(periodMs(250, { frameMs: 1, opsDone: HIGH_OP_RATE, spanNs: 1e9, cpuMs: 200, wallMs: 1000 })).toBe(
      1000,
    );
    expect(periodMs(250, { frameMs: 0.5, ...fast, cpuMs: 200, wallMs: 1000 })).toBe(500);
    expect(periodMs(250, { frameMs: 2, ...fast, cpuMs: 200, wallMs: 1000 })).toBe(2000);
    // a starved process (5 % of a core) or very costly frames: still a frame every 2 s
    expect(periodMs(250, { frameMs: 4, ...fast, cpuMs: 50, wallMs: 1000 })).toBe(2000);
    expect(periodMs(250, { frameMs: 40, ...fast, ...busy })).toBe(2000);
    // unknown wall time counts as a whole core
    expect(periodMs(250, { frameMs: 2.5, ...fast, cpuMs: 0, wallMs: 0 })).toBe(500);
  });
});
