/**
 * Picks how a run shows progress: the live ink dashboard on an interactive terminal, plain timestamped
 * lines (no escape codes) everywhere else: pipes, CI, `--no-dashboard`.
 */
import type { RunEvent } from '../runner/events.ts';
import type { LiveDashboard } from './ink.ts';
import { plainProgress } from './plain.ts';
import { DashboardState, runClock } from './state.ts';
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

export function wantsDashboard(o: ChooseOptions): boolean {
  const tty = (s: unknown) => Boolean((s as { isTTY?: boolean } | undefined)?.isTTY);
  return (
    o.dashboard &&
    tty(o.stdout ?? process.stdout) &&
    tty(o.stdin ?? process.stdin) &&
    !isCI(o.env ?? process.env)
  );
}

export function chooseProgress(o: ChooseOptions): Progress {
  if (wantsDashboard(o)) return lazyDashboard(o);
  const err = o.stderr ?? process.stderr;
  return plainProgress((l) => err.write(`${l}\n`), 3000, o.test);
}

/**
 * ink and React take a good fraction of a second to load, which no other command should pay: they load
 * here, in the background. Meanwhile events already fold into the state the dashboard will show.
 */
function lazyDashboard(o: ChooseOptions): Progress {
  const state = new DashboardState(o.test);
  const clock = runClock();
  let live: Progress | undefined;
  let stopped = false;
  import('./ink.ts').then(
    (m) => {
      if (stopped) return;
      const d: LiveDashboard = m.startDashboard({
        test: o.test,
        onQuit: o.onQuit,
        state,
        clock,
        interactive: true,
        ...(o.stdin ? { stdin: o.stdin } : {}),
        ...(o.stdout ? { stdout: o.stdout } : {}),
        ...(o.stderr ? { stderr: o.stderr } : {}),
      });
      live = d;
    },
    (err: unknown) => {
      if (stopped) return;
      const out = o.stderr ?? process.stderr;
      out.write(
        `the dashboard could not start (${err instanceof Error ? err.message : String(err)}); plain progress instead\n`,
      );
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
