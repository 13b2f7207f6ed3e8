import { afterEach, describe, expect, it } from 'vitest';
import { plainProgress } from '../../../src/dashboard/plain.ts';
import {
  chooseProgress,
  isCI,
  type Progress,
  paintsTerminal,
  preloadDashboard,
  wantsDashboard,
} from '../../../src/dashboard/select.ts';
import { FakeStdin, FakeStdout, sleep } from './fakes.ts';
import { S, Script, TEST } from './script.ts';

let progress: Progress | undefined;
afterEach(() => {
  progress?.stop();
  progress = undefined;
});

const base = { test: TEST, dashboard: true, onQuit: () => {} };

describe('wantsDashboard', () => {
  const tty = { stdin: new FakeStdin(true).stream, stdout: new FakeStdout(true).stream };
  it('only on a terminal, without --no-dashboard, outside CI', () => {
    expect(wantsDashboard({ ...base, ...tty, env: {} })).toBe(true);
    expect(wantsDashboard({ ...base, ...tty, env: { CI: 'false' } })).toBe(true);
    expect(wantsDashboard({ ...base, ...tty, dashboard: false, env: {} })).toBe(false);
    expect(wantsDashboard({ ...base, ...tty, env: { CI: 'true' } })).toBe(false);
    expect(
      wantsDashboard({
        ...base,
        stdin: new FakeStdin(true).stream,
        stdout: new FakeStdout(false).stream,
        env: {},
      }),
    ).toBe(false);
    expect(
      wantsDashboard({
        ...base,
        stdin: new FakeStdin(false).stream,
        stdout: new FakeStdout(true).stream,
        env: {},
      }),
    ).toBe(false);
  });
  it('any CI value but false or 0 counts as CI', () => {
    expect(isCI({ CI: 'true' })).toBe(true);
    expect(isCI({ CI: '1' })).toBe(true);
    expect(isCI({ CI: '0' })).toBe(false);
    expect(isCI({ CI: '' })).toBe(false);
    expect(isCI({})).toBe(false);
  });
});

describe('paintsTerminal', () => {
  it("on the process's own terminal streams, unless FAULTLINE_DASHBOARD=ink; never on other streams", () => {
    expect(paintsTerminal({ env: {} })).toBe(true);
    expect(paintsTerminal({ stdout: process.stdout, stdin: process.stdin, env: {} })).toBe(true);
    expect(paintsTerminal({ env: { FAULTLINE_DASHBOARD: 'ink' } })).toBe(false);
    expect(paintsTerminal({ env: { FAULTLINE_DASHBOARD: ' Ink ' } })).toBe(false);
    expect(paintsTerminal({ stdout: new FakeStdout(true).stream, env: {} })).toBe(false);
    expect(paintsTerminal({ stdin: new FakeStdin(true).stream, env: {} })).toBe(false);
    expect(paintsTerminal({ stderr: new FakeStdout(true).stream, env: {} })).toBe(false);
  });
});

describe('chooseProgress on a terminal', () => {
  it('starts the ink dashboard (loaded in the background) with the events that came before it', async () => {
    const stdout = new FakeStdout(true);
    progress = chooseProgress({ ...base, stdin: new FakeStdin(true).stream, stdout: stdout.stream, env: {} });
    // The run starts at once; ink is still loading.
    new Script()
      .phase('setup', 0)
      .phase('running', 0.1 * S)
      .load(0.1 * S, 0.2 * S, 42)
      .flush(progress);
    for (let i = 0; i < 100 && !stdout.text().includes('faultline ▸'); i++) await sleep(50);
    await sleep(300);
    expect(stdout.text()).toMatch(/add\s+42\s+0\s+0\s+42/);
    new Script().load(0.3 * S, 0.4 * S, 8).flush(progress);
    progress.stop();
    progress = undefined;
    expect(stdout.text().split('faultline ▸').at(-1)).toMatch(/add\s+50\s+0\s+0\s+50/);
  });
});

describe('preloadDashboard', () => {
  it('loads nothing when no dashboard is wanted, and after loading, the dashboard starts at once', async () => {
    await preloadDashboard({ dashboard: false });
    const stdout = new FakeStdout(true);
    await preloadDashboard({
      dashboard: true,
      stdin: new FakeStdin(true).stream,
      stdout: stdout.stream,
      env: {},
    });
    progress = chooseProgress({ ...base, stdin: new FakeStdin(true).stream, stdout: stdout.stream, env: {} });
    // The first frame is drawn synchronously.
    expect(stdout.text()).toContain('faultline ▸ memory-set');
  });
});

describe('chooseProgress under CI=true', () => {
  it('prints plain timestamped lines with no escape codes, even on a terminal', async () => {
    const stdout = new FakeStdout(true);
    const stderr = new FakeStdout(false);
    progress = chooseProgress({
      ...base,
      stdin: new FakeStdin(true).stream,
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: { CI: 'true' },
    });
    new Script()
      .phase('setup', 0)
      .phase('running', 0.1 * S)
      .load(0.1 * S, 0.5 * S, 200)
      .nemesis(0.2 * S, 'start-partition', {
        n1: ['n2', 'n3', 'n4', 'n5'],
        n2: ['n1'],
        n3: ['n1'],
        n4: ['n1'],
        n5: ['n1'],
      })
      .nemesis(0.3 * S, 'kill', ['n3'])
      .log('warn', 'a message with \x1b[1mescape\x1b[0m codes')
      .phase('healing', 0.5 * S)
      .verdict(true, '/tmp/x', 'fine')
      .flush(progress);
    expect(stdout.writes).toEqual([]);
    const text = stderr.writes.join('');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be there
    expect(text).not.toMatch(/\x1b\[/);
    expect(text).toMatch(/^\d\d:\d\d:\d\d \[ +\d+\.\ds\] phase setup$/m);
    expect(text).toContain('phase running');
    expect(text).toContain('WARN: a message with escape codes');
  });

  it('the periodic line has phase, ops/s, ok/fail/info and active faults with targets', async () => {
    const lines: string[] = [];
    progress = plainProgress((l) => lines.push(l), 50, TEST);
    new Script()
      .phase('running', 0)
      .load(0, 0.5 * S, 120)
      .call(1, 'add', 0.5 * S, 1000, 'fail')
      .call(2, 'add', 0.5 * S, 1000, 'info')
      .nemesis(0.2 * S, 'kill', ['n3'])
      .nemesis(0.3 * S, 'start-partition', {
        n1: ['n2', 'n3', 'n4', 'n5'],
        n2: ['n1'],
        n3: ['n1'],
        n4: ['n1'],
        n5: ['n1'],
      })
      .flush(progress);
    await sleep(120);
    const periodic = lines.filter((l) => l.includes('ops/s'));
    expect(periodic.length).toBeGreaterThan(0);
    const l = periodic.at(-1)!;
    expect(l).toMatch(/running/);
    expect(l).toMatch(/\d+ ops\/s/);
    expect(l).toContain('ok 120  fail 1  info 1');
    expect(l).toMatch(/faults: kill n3 \(.*\); partition n1 \| n2 n3 n4 n5 \(\d+\.\ds\)/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be there
    expect(lines.join('\n')).not.toMatch(/\x1b\[/);
  });

  it('plainProgress keeps working without a test (the old signature)', () => {
    const lines: string[] = [];
    progress = plainProgress((l) => lines.push(l));
    new Script().phase('setup', 0).nemesis(1, 'kill', 'n1').flush(progress);
    expect(lines.at(-1)).toContain('phase setup');
  });
});
