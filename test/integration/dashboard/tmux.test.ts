/**
 * The dashboard in a real pseudo-terminal: tmux runs `faultline run` against the memory system; we read
 * the screen with capture-pane and type with send-keys. tmux runs on a private socket so that no other
 * tmux session is ever touched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) {
  if (process.env.CI === 'true')
    throw new Error('tmux is required for the dashboard integration test under CI=true');
  console.warn('\n*** tmux not found: SKIPPING the dashboard terminal test (apt-get install tmux) ***\n');
}

const socket = `fl-dash-${process.pid}`;
const sessions: string[] = [];
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = (session: string) => tmux('capture-pane', '-p', '-t', session);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function waitFor<T>(
  what: string,
  f: () => T | undefined,
  timeoutMs: number,
  session?: string,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}${session ? `; the screen:\n${screen(session)}` : ''}`);
    }
    await sleep(200);
  }
}

/** The completed ops the dashboard shows for the set workload's adds (e.g. "312" or "12.3k"). */
function adds(text: string): number | undefined {
  const m = /^\s+add\s+(\d+(?:\.\d+)?)(k|M)?\s/m.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'M' ? 1e6 : 1);
}

/** Whether exactly one line of `text` matches `re`. */
const once = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length === 1;

/** Narrows the session's window to 80 columns; waits for the frame drawn again at that width, once. */
async function narrowed(session: string): Promise<void> {
  tmux('resize-window', '-t', session, '-x', '80', '-y', '40');
  const narrow = await waitFor(
    'the frame at 80 columns',
    () => {
      const s = screen(session);
      return /…/.test(s) && once(s, /^faultline ▸/) ? s : undefined;
    },
    10_000,
    session,
  );
  for (const l of narrow.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
}

const dirs: string[] = [];
afterAll(() => {
  if (!hasTmux) return;
  for (const s of sessions) spawnSync('tmux', ['-L', socket, 'kill-session', '-t', s]);
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  // tmux leaves its socket file behind.
  rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * Starts a 30 s run in a fresh 120x40 tmux session; waits for the dashboard to count ops. `painter`:
 * what draws it (FAULTLINE_DASHBOARD; the terminal painter by default).
 */
async function startRun(
  painter: 'terminal' | 'ink' = 'terminal',
): Promise<{ session: string; dir: string; exitFile: string; first: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-dash-'));
  dirs.push(dir);
  const session = `fl-dash-${process.pid}-${sessions.length}`;
  sessions.push(session);
  const args = [
    'bin/faultline.js',
    'run',
    '--system',
    'memory',
    '--workload',
    'set',
    '--time-limit',
    '30',
    '--results-dir',
    dir,
  ];
  const exitFile = join(dir, 'exit');
  // A developer's terminal, not CI: the dashboard must be chosen.
  const cmd = `cd ${sh(ROOT)} && env -u CI FAULTLINE_DASHBOARD=${painter} ${sh(process.execPath)} ${args.map(sh).join(' ')}`;
  // Keep the pane open after exit so the last frame can still be read.
  tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '120',
    '-y',
    '40',
    `${cmd}; echo EXIT=$? > ${sh(exitFile)}; sleep 120`,
  );
  const first = await waitFor(
    'the dashboard in the running phase with ops counted',
    () => {
      const s = screen(session);
      return s.includes('faultline ▸') && / running /.test(s) && (adds(s) ?? 0) > 0 ? s : undefined;
    },
    30_000,
    session,
  );
  return { session, dir, exitFile, first };
}

const exited = (exitFile: string) =>
  waitFor(
    'the run to exit',
    () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() : undefined),
    60_000,
  );

describe.skipIf(!hasTmux)('dashboard in a terminal (faultline run)', () => {
  it.each(['terminal', 'ink'] as const)(
    'appears, updates in place, follows a resize, and q ends the run: history kept, exit code 255 (%s painter)',
    async (painter) => {
      const { session, dir, exitFile, first } = await startRun(painter);
      expect(first).toContain('system memory');
      expect(first).toMatch(/throughput\s+\d+/);
      expect(first).toContain('nodes       n1');
      expect(first).toContain('q quit · ? help');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the pane shows text, not codes
      expect(first).not.toMatch(/\x1b\[/);

      // It updates: counts grow between captures.
      const a = adds(first)!;
      const grown = (): string | undefined => {
        const s = screen(session);
        return (adds(s) ?? 0) > a ? s : undefined;
      };
      expect(adds(await waitFor('the counts to grow', grown, 10_000))).toBeGreaterThan(a);
      // In place: one frame on the screen, no stale copy of a line above or below it.
      expect(once(screen(session), /^faultline ▸/)).toBe(true);
      expect(once(screen(session), /^throughput /)).toBe(true);

      // A narrower terminal: the frame is drawn again, cut to the new width, still once. (Not ink: it
      // erases as many rows as its last frame had, and tmux has reflowed that frame's wide lines into
      // more, so their top rows stay above the new frame.)
      if (painter === 'terminal') await narrowed(session);

      // ? shows help, q stops the run.
      tmux('send-keys', '-t', session, '?');
      await waitFor(
        'the help line',
        () => (screen(session).includes('q or Ctrl-C  stop the run') ? true : undefined),
        5_000,
      );
      tmux('send-keys', '-t', session, 'q');
      expect(await exited(exitFile)).toBe('EXIT=255');

      const last = screen(session);
      expect(once(last, /^faultline ▸/)).toBe(true);
      expect(once(last, /^verdict /)).toBe(true);
      expect(last).toMatch(/verdict\s+\S+/);
      expect(last).toContain('run interrupted');
      const history = readFileSync(join(dir, 'latest', 'history.jsonl'), 'utf8')
        .trim()
        .split('\n');
      expect(history.length).toBeGreaterThan(2 * a);
      for (const l of history) expect(() => JSON.parse(l)).not.toThrow();
    },
  );

  it('under CI=true the same terminal gets plain lines, without a single escape code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-dash-'));
    dirs.push(dir);
    const session = `fl-dash-${process.pid}-${sessions.length}`;
    sessions.push(session);
    const args = [
      'bin/faultline.js',
      'run',
      '--system',
      'memory',
      '--workload',
      'set',
      '--time-limit',
      '4',
      '--results-dir',
      dir,
    ];
    const exitFile = join(dir, 'exit');
    const errFile = join(dir, 'stderr.txt');
    const cmd = `cd ${sh(ROOT)} && CI=true ${sh(process.execPath)} ${args.map(sh).join(' ')} 2> ${sh(errFile)}`;
    tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '120',
      '-y',
      '40',
      `${cmd}; echo EXIT=$? > ${sh(exitFile)}; sleep 120`,
    );
    expect(await exited(exitFile)).toBe('EXIT=0');
    const err = readFileSync(errFile, 'utf8');
    expect(err).toMatch(/^\d\d:\d\d:\d\d \[ +\d+\.\ds\] phase running$/m);
    expect(err).toMatch(/running .* ops\/s {2}ok \d+ {2}fail 0 {2}info 0 {2}faults: none/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be there
    expect(err).not.toMatch(/\x1b\[/);
    expect(screen(session)).not.toContain('faultline ▸');
  });

  it('Ctrl-C (raw mode: input, not SIGINT) stops the run the same way', async () => {
    const { session, dir, exitFile } = await startRun();
    tmux('send-keys', '-t', session, 'C-c');
    expect(await exited(exitFile)).toBe('EXIT=255');
    expect(screen(session)).toContain('run interrupted');
    // The stopping notice went above the frame, which started at the top-left corner: one frame on
    // screen and none in the scrollback ("erase below" there makes terminals keep a copy of the screen).
    expect(once(tmux('capture-pane', '-p', '-S', '-', '-t', session), /^faultline ▸/)).toBe(true);
    expect(readFileSync(join(dir, 'latest', 'history.jsonl'), 'utf8').length).toBeGreaterThan(0);
  });
});
