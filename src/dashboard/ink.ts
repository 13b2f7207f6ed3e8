/**
 * The live dashboard drawn by ink, on the run's thread: for streams that are not the process's own
 * terminal (tests, embedding) and on request (FAULTLINE_DASHBOARD=ink); the terminal itself gets the
 * cheaper painter of terminal-dashboard.ts. Events only feed the aggregator (cheap; ops in batches); the aggregated state
 * is rendered a few times a second (a timer, or the ops' own clock when timers are starved), never per
 * op. Keys: q or Ctrl-C asks to quit (ink holds the terminal in raw mode, so Ctrl-C arrives as input,
 * not as SIGINT), ? toggles a help line.
 */
import './react-mode.ts';
import { render, useStderr } from 'ink';
import React from 'react';
import type { RunEvent } from '../runner/events.ts';
import { DashboardState, type RunClock, runClock } from './state.ts';
import { Dashboard, type DashboardProps, type DashboardTest } from './view.ts';

const h = React.createElement;

export interface DashboardOptions {
  test: DashboardTest;
  /** Called on q or Ctrl-C: the caller treats it exactly like SIGINT (first stop, then hard stop). */
  onQuit: () => void;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Render period; 250 ms = 4 frames a second. */
  intervalMs?: number;
  /** Force ink's interactive mode (cursor movement, redraw in place); default: stdout is a TTY. */
  interactive?: boolean;
  /** State and clock already fed with the run's first events (while ink was loading). */
  state?: DashboardState;
  clock?: RunClock;
}

export interface LiveDashboard {
  onEvent(e: RunEvent): void;
  stop(): void;
  /** The aggregated state (for tests and the bench). */
  readonly state: DashboardState;
  /** Frames drawn so far and the CPU milliseconds spent drawing them (for the bench). */
  readonly frames: { readonly count: number; readonly ms: number };
}

/** Completions per second of run time from which frames may be spaced by their cost (see `periodMs`). */
export const HIGH_OP_RATE = 5_000;
/**
 * At a high op rate, the share of the process's own CPU time that frames may take: 0.5 %. The bench
 * (bench/runner.ts --dashboard --dashboard-painter ink) times a frame's own CPU, but a frame's garbage
 * and cache misses also slow the op loop around it, so its real cost is larger than the timed one (an
 * ink frame drawn between ops costs ~3 ms there, 4–6 ms at 4 frames a second in bench/dashboard-frame.ts).
 */
const FRAME_SHARE = 0.005;
/**
 * Longest period between frames: 2 s where the process gets under half a core for 5 ms frames (a
 * loaded machine: 5 ms / (0.5 % × 50 %)); the sparkline still gets every second, two at a time.
 */
const MAX_PERIOD_MS = 2000;

/** What the last frame cost and what the run did since the frame before (for `periodMs`). */
export interface FrameLoad {
  /** CPU ms the last frame took. */
  frameMs: number;
  /** Completions in `spanNs` of run time since the previous frame. */
  opsDone: number;
  spanNs: number;
  /** Process CPU ms over `wallMs` of wall time since the previous frame. */
  cpuMs: number;
  wallMs: number;
}

/**
 * Milliseconds to the next frame. A frame (React, ink's layout and diff) costs 1.5–7 ms of CPU; at a
 * high op rate (an in-process system at an unlimited rate) 4 frames a second took 10 % or more of the
 * process's CPU, the more so on a loaded machine, where the process gets a small share of a core and
 * the frames' fixed cost weighs more against it. There, frames are spaced so that drawing takes at most
 * FRAME_SHARE of the process's own CPU time (frame CPU ms over the CPU ms the process spends per wall
 * ms), between `intervalMs` and 2 s apart (about 660 ms for 3.3 ms frames on a whole core; 2 s or less
 * for 5 ms frames when the process gets half a core or more): the sparkline and rates move by the
 * second, so the picture says the same, a little later.
 * Below the high rate every interval is drawn.
 */
export function periodMs(intervalMs: number, l: FrameLoad): number {
  const highRate = l.spanNs > 0 && (l.opsDone * 1e9) / l.spanNs >= HIGH_OP_RATE;
  if (!highRate) return intervalMs;
  // CPU ms the process spends per wall ms (a fraction of a core; 1 when unknown), floored so a
  // starved process still gets a frame a second.
  const share = l.wallMs > 0 ? Math.max(0.01, Math.min(1, l.cpuMs / l.wallMs)) : 1;
  return Math.min(MAX_PERIOD_MS, Math.max(intervalMs, l.frameMs / (FRAME_SHARE * share)));
}

export function startDashboard(o: DashboardOptions): LiveDashboard {
  const state = o.state ?? new DashboardState(o.test);
  const stdout = o.stdout ?? process.stdout;
  const stdin = o.stdin ?? process.stdin;
  const stderr = o.stderr ?? process.stderr;
  const interactive = o.interactive ?? Boolean((stdout as { isTTY?: boolean }).isTTY);
  let keys = Boolean((stdin as { isTTY?: boolean }).isTTY);
  let help = false;
  let quitting = 0;
  let interrupted = false;
  let stopped = false;
  const clock = o.clock ?? runClock();
  const nowNs = () => clock.now(state.lastAtNs);

  const onKey: DashboardProps['onKey'] = (k) => {
    if (stopped) return;
    if (k === 'help') help = !help;
    else {
      quitting = Math.min(2, quitting + 1);
      interrupted = true;
    }
    draw();
    if (k === 'quit') o.onQuit();
  };
  const bridge: { write?: (data: string) => void } = {};
  const props = (): DashboardProps => ({
    test: o.test,
    state,
    nowNs: nowNs(),
    width: (stdout as { columns?: number }).columns ?? 100,
    ...((stdout as { rows?: number }).rows ? { height: (stdout as { rows?: number }).rows } : {}),
    help,
    quitting,
    interrupted,
    keys,
    onKey,
  });
  const tree = () => h(Root, { bridge, props: props() });

  const ink = render(tree(), {
    stdout,
    stdin,
    stderr,
    exitOnCtrlC: false,
    patchConsole: stdout === process.stdout,
    maxFps: 10,
    interactive,
  });
  const intervalMs = o.intervalMs ?? 250;
  // The next frame is due at this run time. Ops check it too: a runner that never yields to timers (an
  // in-process system at an unlimited rate) would otherwise starve the interval and freeze the screen.
  let dueNs = 0;
  const frames = { count: 0, ms: 0 };
  let lastNs = 0;
  let lastCompleted = 0;
  let lastWallMs = performance.now();
  let lastCpuUs = 0;
  const draw = () => {
    if (stopped) return;
    state.sync();
    // CPU time, not wall: what the frame takes from the run, however busy the machine is.
    const cpu0 = process.cpuUsage();
    ink.rerender(tree());
    const cpu1 = process.cpuUsage();
    const frameMs = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1000;
    frames.count++;
    frames.ms += frameMs;
    const now = nowNs();
    const wallMs = performance.now();
    const cpuUs = cpu1.user + cpu1.system;
    const t = state.totals;
    const completed = t.ok + t.fail + t.info;
    const load: FrameLoad = {
      frameMs,
      opsDone: completed - lastCompleted,
      spanNs: now - lastNs,
      cpuMs: (cpuUs - lastCpuUs) / 1000,
      wallMs: wallMs - lastWallMs,
    };
    dueNs = now + periodMs(intervalMs, load) * 1e6;
    lastNs = now;
    lastCompleted = completed;
    lastWallMs = wallMs;
    lastCpuUs = cpuUs;
  };
  // A frame drawn by an op since the last tick postpones this one: at most ~4 frames a second either way
  // (fewer at high op rates: periodMs).
  const timer = setInterval(() => {
    state.sync();
    if (nowNs() >= dueNs - 20e6) draw();
  }, intervalMs);
  timer.unref();
  // Lines written to our own stderr (the CLI's "stopping…" notice, warnings) go above the frame through ink,
  // instead of tearing it.
  const restoreStderr = interactive && stderr === process.stderr ? routeStderr(bridge) : () => {};

  return {
    get state() {
      state.sync();
      return state;
    },
    frames,
    onEvent(e) {
      if (e.kind === 'op') {
        state.onOp(e.op);
        if (e.op.time >= dueNs) draw();
        return;
      }
      clock.observe(e);
      state.onEvent(e);
      // Rare events show at once.
      if (e.kind === 'phase' || e.kind === 'verdict') draw();
    },
    stop() {
      if (stopped) return;
      clearInterval(timer);
      state.release();
      keys = false;
      quitting = 0;
      // The final frame stays on screen, without the key hints.
      ink.rerender(tree());
      stopped = true;
      ink.unmount();
      restoreStderr();
    },
  };
}

/** Wraps the dashboard to reach ink's stderr writer, which clears the frame, writes, and redraws it. */
function Root(p: { bridge: { write?: (data: string) => void }; props: DashboardProps }): React.ReactElement {
  const { write } = useStderr();
  p.bridge.write = write;
  return h(Dashboard, p.props);
}

function routeStderr(bridge: { write?: (data: string) => void }): () => void {
  const original = process.stderr.write;
  let inside = false;
  const patched = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    // ink's own write lands here too: pass it through.
    if (inside || !bridge.write || (typeof chunk !== 'string' && !(chunk instanceof Uint8Array))) {
      return (original as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
    }
    inside = true;
    try {
      bridge.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    } finally {
      inside = false;
    }
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (cb) process.nextTick(cb);
    return true;
  };
  process.stderr.write = patched as typeof process.stderr.write;
  return () => {
    if (process.stderr.write === patched) process.stderr.write = original;
  };
}
