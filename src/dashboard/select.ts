/**
 * Picks how a run shows progress: the live ink dashboard on an interactive terminal, plain timestamped
 * lines (no escape codes) everywhere else: pipes, CI, `--no-dashboard`.
 */
import type { RunEvent } from '../runner/events.ts';
import { startDashboard } from './ink.ts';
import { plainProgress } from './plain.ts';
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
  if (wantsDashboard(o)) {
    return startDashboard({
      test: o.test,
      onQuit: o.onQuit,
      ...(o.stdin ? { stdin: o.stdin } : {}),
      ...(o.stdout ? { stdout: o.stdout } : {}),
      ...(o.stderr ? { stderr: o.stderr } : {}),
      interactive: true,
    });
  }
  const err = o.stderr ?? process.stderr;
  return plainProgress((l) => err.write(`${l}\n`), 3000, o.test);
}
