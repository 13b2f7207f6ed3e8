/**
 * The live dashboard on the process's own terminal, drawn on the run's thread: events fold into the
 * aggregator (DashboardState, O(1) per op, ops in batches), and a few times a second the frame's lines
 * (lines.ts) are painted in place (terminal.ts) straight to the terminal's file descriptor. A frame costs
 * about 0.4 ms of CPU (0.3 ms of lines from the state, 0.1 ms to paint: bench/dashboard-frame.ts), so
 * it neither takes a measurable share of the run's CPU nor stalls its event loop. Keys (q or Ctrl-C:
 * quit, ?: help) are read in raw mode; lines written to this process's stdout and stderr while the
 * dashboard is up are drawn above the frame.
 *
 * Why not ink here: an ink frame (React, yoga layout, its per-cell output pass) took 4–6 ms of CPU at 4
 * frames a second, which on the run's thread cost ~10 % of an unlimited in-process run and on a render
 * thread still ~5 % (the second core's work slows the first; bench/dashboard-slices.ts). ink stays the
 * painter for streams that are not the terminal's own descriptors (ink.ts: tests, embedding) and on
 * request (FAULTLINE_DASHBOARD=ink).
 */
import { writeSync } from 'node:fs';
import { errorText } from '../core/errors.ts';
import type { RunEvent } from '../runner/events.ts';
import type { DashboardOptions, LiveDashboard } from './ink.ts';
import { dashboardLines } from './lines.ts';
import { DashboardState, runClock } from './state.ts';
import { type TerminalStream, terminalPainter } from './terminal.ts';

export interface TerminalDashboardOptions extends Omit<DashboardOptions, 'stdout' | 'stderr'> {
  /** The terminal's file descriptors: frames go to `fd` (default 1), a failure's one line to `errFd` (2). */
  fd?: number;
  errFd?: number;
  /** The stream whose size (columns, rows) and 'resize' events the frame follows; default process.stdout. */
  size?: NodeJS.WritableStream;
  /**
   * Pass what this process writes to its stdout and stderr through the painter, above the frame
   * (default: when `fd` is 1): otherwise such a write would tear the frame.
   */
  routeOutput?: boolean;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `text` to `fd`, waiting out EAGAIN (a terminal's descriptor may be non-blocking). */
function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

/**
 * Starts the dashboard on the terminal at `fd` and draws its first frame. Errors: none thrown; a
 * terminal that cannot be written leaves one line on `errFd` and the run goes on without a picture.
 */
export function startTerminalDashboard(o: TerminalDashboardOptions): LiveDashboard {
  const state = o.state ?? new DashboardState(o.test);
  const clock = o.clock ?? runClock();
  const nowNs = () => clock.now(state.lastAtNs);
  const fd = o.fd ?? 1;
  const errFd = o.errFd ?? 2;
  const size = (o.size ?? process.stdout) as NodeJS.WritableStream & { columns?: number; rows?: number };
  const stdin = (o.stdin ?? process.stdin) as NodeJS.ReadStream;
  const intervalMs = o.intervalMs ?? 250;
  let failed = false;
  let restoreOutput = () => {};
  const terminal: TerminalStream = {
    write(text) {
      if (failed) return;
      try {
        writeAll(fd, text);
      } catch (err) {
        failed = true;
        // What the process writes from here on goes where it would without a dashboard.
        restoreOutput();
        writeLine(
          errFd,
          `the dashboard could not write to the terminal (${errorText(err)}); the run goes on without it`,
        );
      }
    },
    get columns() {
      return size.columns;
    },
    get rows() {
      return size.rows;
    },
  };
  const painter = terminalPainter(terminal, o.interactive ?? true);

  let keys = Boolean(stdin.isTTY);
  let help = false;
  let quitting = 0;
  let interrupted = false;
  let stopped = false;
  const frames = { count: 0, ms: 0 };
  let dueNs = 0;
  const draw = () => {
    if (stopped || failed) return;
    const c0 = process.threadCpuUsage();
    state.sync();
    const now = nowNs();
    painter.paint(
      dashboardLines({
        test: o.test,
        state,
        nowNs: now,
        width: size.columns ?? 100,
        ...(size.rows ? { height: size.rows } : {}),
        help,
        quitting,
        interrupted,
        keys,
      }),
    );
    const c = process.threadCpuUsage(c0);
    frames.count++;
    frames.ms += (c.user + c.system) / 1000;
    dueNs = now + intervalMs * 1e6;
  };

  // Keys, in raw mode (Ctrl-C arrives as a byte, not as SIGINT).
  const onData = (data: Buffer | string) => {
    if (stopped) return;
    for (const ch of typeof data === 'string' ? data : data.toString('utf8')) {
      if (ch === 'q' || ch === '\x03') {
        quitting = Math.min(2, quitting + 1);
        interrupted = true;
        draw();
        o.onQuit();
      } else if (ch === '?') {
        help = !help;
        draw();
      }
    }
  };
  const raw = keys && typeof stdin.setRawMode === 'function';
  if (keys) {
    if (raw) stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  }
  const releaseKeys = () => {
    if (!keys) return;
    keys = false;
    stdin.off('data', onData);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
    (stdin as { unref?: () => void }).unref?.();
  };
  // A process that exits without stop() (an uncaught error) gets its terminal and cursor back all the same.
  const onExit = () => {
    releaseKeys();
    painter.done();
  };
  process.once('exit', onExit);

  const onResize = () => {
    if (stopped || failed) return;
    painter.resize();
    draw();
  };
  size.on?.('resize', onResize);
  const toErr = (text: string) => writeLine(errFd, text);
  restoreOutput =
    (o.routeOutput ?? fd === 1)
      ? routeOutput((text, to) => (to === 'stdout' ? painter.above(text) : painter.above(text, toErr)))
      : () => {};

  // The next frame is due at this run time. Ops check it too: a runner that never yields to timers (an
  // in-process system at an unlimited rate) would otherwise starve the interval and freeze the screen.
  const timer = setInterval(() => {
    if (nowNs() >= dueNs - 20e6) draw();
  }, intervalMs);
  timer.unref();
  draw();

  return {
    get state() {
      state.sync();
      return state;
    },
    frames,
    onEvent(e: RunEvent) {
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
      releaseKeys();
      quitting = 0;
      // The final frame stays on screen, without the key hints.
      draw();
      state.release();
      stopped = true;
      painter.done();
      size.off?.('resize', onResize);
      restoreOutput();
      process.off('exit', onExit);
    },
  };
}

function writeLine(fd: number, text: string): void {
  try {
    writeAll(fd, text.endsWith('\n') ? text : `${text}\n`);
  } catch {
    // Nowhere left to say it.
  }
}

/**
 * Sends what this process writes to its stdout and stderr (console.log, the CLI's "stopping…" notice,
 * warnings) to `above`, which writes it above the frame. Returns the undo.
 */
function routeOutput(above: (text: string, to: 'stdout' | 'stderr') => void): () => void {
  const patch = (stream: NodeJS.WriteStream, to: 'stdout' | 'stderr') => {
    const original = stream.write;
    const patched = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
        return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
      }
      above(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(), to);
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (cb) process.nextTick(cb);
      return true;
    };
    stream.write = patched as typeof stream.write;
    return () => {
      if (stream.write === patched) stream.write = original;
    };
  };
  const undo = [patch(process.stdout, 'stdout'), patch(process.stderr, 'stderr')];
  return () => {
    for (const u of undo) u();
  };
}
