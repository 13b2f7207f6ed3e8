/**
 * Picks how a run shows progress: the live dashboard on an interactive terminal, plain timestamped
 * lines (no escape codes) everywhere else: pipes, CI, `--no-dashboard`.
 */

import { errorText } from '../core/errors.ts';
import type { RunEvent } from '../runner/events.ts';
import type { LiveDashboard } from './ink.ts';
import { plainProgress } from './plain.ts';
import { DashboardState, runClock } from './state.ts';
import { startTerminalDashboard } from './terminal-dashboard.ts';
import type { DashboardTest } from './view.ts';

export interface Progress {
  onEvent(e: RunEvent): void;
  stop(): void;
}

export interface ChooseOptions {
  test: DashboardTest;
  /** False with --no-dashboard. */
  dashboard: boolean;
  /** q or Ctrl-C on the dashboard: treat exactly as SIGINT. */
  onQuit: () => void;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

/** CI=true (or any CI value but false/0) means logs are read later: no cursor movement. */
export function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** Where a dashboard is wanted: the --no-dashboard flag and the streams and environment it would use. */
export type Where = Pick<ChooseOptions, 'dashboard' | 'stdin' | 'stdout' | 'env'>;

export function wantsDashboard(o: Where): boolean {
  const tty = (s: unknown) => Boolean((s as { isTTY?: boolean } | undefined)?.isTTY);
  return (
    o.dashboard &&
    tty(o.stdout ?? process.stdout) &&
    tty(o.stdin ?? process.stdin) &&
    !isCI(o.env ?? process.env)
  );
}

/**
 * Whether the dashboard is painted straight on the terminal (terminal-dashboard.ts): when it would use
 * this process's own terminal (it writes the descriptors), unless FAULTLINE_DASHBOARD=ink asks for ink
 * (ink.ts), as other streams always get.
 */
export function paintsTerminal(o: Pick<ChooseOptions, 'stdin' | 'stdout' | 'stderr' | 'env'>): boolean {
  return (
    (o.stdout ?? process.stdout) === process.stdout &&
    (o.stdin ?? process.stdin) === process.stdin &&
    (o.stderr ?? process.stderr) === process.stderr &&
    (o.env ?? process.env).FAULTLINE_DASHBOARD?.trim().toLowerCase() !== 'ink'
  );
}

type InkModule = typeof import('./ink.ts');
let inkModule: InkModule | undefined;
let inkLoading: Promise<InkModule> | undefined;
// ink and React take a good fraction of a second to load, which no other command should pay.
const loadInk = (): Promise<InkModule> => {
  inkLoading ??= import('./ink.ts').then((m) => {
    inkModule = m;
    return m;
  });
  return inkLoading;
};

/**
 * Loads ink ahead of the run when an ink dashboard will be used, so that it is up before the first op
 * (a runner that never yields, as an in-process system at an unlimited rate, would hold back the load).
 * Optional: without it the dashboard loads in the background and shows up a moment later. The
 * terminal painter needs no loading.
 */
export async function preloadDashboard(o: Where): Promise<void> {
  if (!wantsDashboard(o) || paintsTerminal(o)) return;
  await loadInk().catch(() => {});
}

export function chooseProgress(o: ChooseOptions): Progress {
  if (wantsDashboard(o)) {
    if (paintsTerminal(o))
      return startTerminalDashboard({ test: o.test, onQuit: o.onQuit, interactive: true });
    return lazyDashboard(o);
  }
  const err = o.stderr ?? process.stderr;
  return plainProgress((l) => err.write(`${l}\n`), 3000, o.test);
}

/** The dashboard now if ink is loaded; else it starts once ink is, and events fold into its state meanwhile. */
function lazyDashboard(o: ChooseOptions): Progress {
  const state = new DashboardState(o.test);
  const clock = runClock();
  const start = (m: InkModule): LiveDashboard =>
    m.startDashboard({
      test: o.test,
      onQuit: o.onQuit,
      state,
      clock,
      interactive: true,
      ...(o.stdin ? { stdin: o.stdin } : {}),
      ...(o.stdout ? { stdout: o.stdout } : {}),
      ...(o.stderr ? { stderr: o.stderr } : {}),
    });
  if (inkModule) return start(inkModule);
  let live: Progress | undefined;
  let stopped = false;
  loadInk().then(
    (m) => {
      if (!stopped) live = start(m);
    },
    (err: unknown) => {
      if (stopped) return;
      const out = o.stderr ?? process.stderr;
      out.write(`the dashboard could not start (${errorText(err)}); plain progress instead\n`);
      live = plainProgress((l) => out.write(`${l}\n`), 3000, o.test);
    },
  );
  return {
    onEvent(e) {
      if (live) live.onEvent(e);
      else {
        clock.observe(e);
        state.onEvent(e);
      }
    },
    stop() {
      stopped = true;
      live?.stop();
    },
  };
}
