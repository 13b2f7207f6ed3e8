/**
 * The live dashboard with its drawing on another thread: the run's thread only folds events into the
 * aggregator (DashboardState, O(1) per op) and, a few times a second, posts a snapshot of it to the
 * render thread (render-thread.ts), which owns ink and writes the terminal. A frame (React, layout, the
 * diff: 1.5–7 ms of CPU) then neither takes the runner's CPU nor stalls its event loop, which at a high
 * op rate would show up as latency in the very history being recorded. Keys (q or Ctrl-C: quit, ?: help)
 * are read here, in raw mode; lines written to this process's stdout and stderr while the dashboard is up
 * are passed on to be drawn above the frame.
 *
 * The in-process dashboard (ink.ts) stays for streams that are not the terminal's own descriptors (tests,
 * embedding) and as the fallback (FAULTLINE_DASHBOARD_THREAD=main).
 */
import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { errorText } from '../core/errors.ts';
import type { RunEvent } from '../runner/events.ts';
import type { DashboardOptions, LiveDashboard } from './ink.ts';
import type { FrameMessage, ReadyMessage, RenderThreadInput, ToRenderThread } from './render-thread.ts';
import { DashboardState, runClock } from './state.ts';

/** The render thread's module: render-thread.ts from source, .js in the built package. */
const RENDER_THREAD_URL = new URL(
  import.meta.url.endsWith('.ts') ? './render-thread.ts' : './render-thread.js',
  import.meta.url,
);
/** Longest wait (ms) at `stop()` for the render thread to write the last frame and let go of the terminal. */
const STOP_WAIT_MS = 5000;

/** A render thread started ahead of the dashboard (`prestartRenderThread`), and when it is ready. */
let prestarted: RenderThread | undefined;

interface RenderThread {
  worker: Worker;
  ready: Promise<void>;
  /** Set when the thread has ended (with `error` when it failed): before a dashboard took it, say. */
  ended?: { error?: unknown };
}

/** Starts a render thread; `ready` resolves once it has loaded ink and drawn its warm-up frames. */
function spawnRenderThread(): RenderThread {
  // The thread's own process.stdout and stderr are dropped: it writes the terminal's descriptors itself,
  // and the only other writer there is ink's cursor restorer, which would repeat ink's own at exit.
  const worker = new Worker(RENDER_THREAD_URL, { stdout: true, stderr: true });
  worker.stdout.resume();
  worker.stderr.resume();
  // Never the reason the process stays up.
  worker.unref();
  const thread: RenderThread = { worker, ready: Promise.resolve() };
  // A thread that fails before a dashboard takes it is reported by that dashboard.
  worker.once('error', (error) => {
    thread.ended = { error };
  });
  worker.once('exit', () => {
    thread.ended ??= {};
  });
  thread.ready = new Promise<void>((resolve) => {
    const onMessage = (m: ReadyMessage) => {
      if (m.kind !== 'ready') return;
      worker.off('message', onMessage);
      resolve();
    };
    worker.on('message', onMessage);
    worker.once('exit', () => resolve());
  });
  return thread;
}

/**
 * Starts the render thread ahead of the run and resolves once it is ready (ink loaded, its code warm:
 * about 0.6 s of CPU on the other core), so that neither falls in the run. Its compiler and collector
 * stay busy a while longer (a system's setup covers that; an in-process system's first second does not,
 * see bench/runner.ts). The next `startThreadedDashboard` takes this thread. Never rejects.
 */
export function prestartRenderThread(): Promise<void> {
  prestarted ??= spawnRenderThread();
  return prestarted.ready;
}

export interface ThreadedDashboardOptions extends Omit<DashboardOptions, 'stdout' | 'stderr'> {
  /** The terminal's file descriptors: frames go to `fd` (default 1), stray stderr lines to `errFd` (2). */
  fd?: number;
  errFd?: number;
  /** The stream whose size (columns, rows) and 'resize' events the frame follows; default process.stdout. */
  size?: NodeJS.WritableStream;
  /**
   * Pass what this process writes to its stdout and stderr through the render thread, above the frame
   * (default: when `fd` is 1): otherwise such a write would tear the frame.
   */
  routeOutput?: boolean;
}

/** A LiveDashboard whose frames are drawn by a render thread; `renderFrames` are that thread's. */
export interface ThreadedDashboard extends LiveDashboard {
  /** Frames the render thread drew and the CPU ms it spent on them (`frames`: this thread's snapshots). */
  readonly renderFrames: { readonly count: number; readonly ms: number };
}

/**
 * Takes the prestarted render thread, or starts one, and returns at once (ink loads there while the run
 * starts here; frames posted meanwhile are drawn when it is up, the latest only). Errors: none thrown;
 * a render thread that fails leaves one line on stderr and the run goes on without a picture.
 */
export function startThreadedDashboard(o: ThreadedDashboardOptions): ThreadedDashboard {
  const state = o.state ?? new DashboardState(o.test);
  const clock = o.clock ?? runClock();
  const nowNs = () => clock.now(state.lastAtNs);
  const fd = o.fd ?? 1;
  const errFd = o.errFd ?? 2;
  const size = (o.size ?? process.stdout) as NodeJS.WritableStream & { columns?: number; rows?: number };
  const stdin = (o.stdin ?? process.stdin) as NodeJS.ReadStream;
  const intervalMs = o.intervalMs ?? 250;
  const done = new Int32Array(new SharedArrayBuffer(4));
  const stats = new Float64Array(new SharedArrayBuffer(16));
  const input: RenderThreadInput = {
    test: plainTest(o.test),
    fd,
    errFd,
    columns: size.columns ?? 100,
    rows: size.rows,
    interactive: o.interactive ?? true,
    done: done.buffer as SharedArrayBuffer,
    stats: stats.buffer as SharedArrayBuffer,
  };
  const thread = prestarted ?? spawnRenderThread();
  prestarted = undefined;
  const { worker } = thread;
  let failed = false;
  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    writeLine(errFd, `the dashboard's render thread failed (${errorText(err)}); the run goes on without it`);
  };
  worker.on('error', fail);
  if (thread.ended) fail(thread.ended.error ?? new Error('it ended before the run'));
  const post = (m: ToRenderThread) => {
    if (!failed) worker.postMessage(m);
  };
  post({ kind: 'init', input });

  let keys = Boolean(stdin.isTTY);
  let help = false;
  let quitting = 0;
  let interrupted = false;
  let stopped = false;
  const frames = { count: 0, ms: 0 };
  let dueNs = 0;
  const draw = () => {
    if (stopped) return;
    const c0 = process.threadCpuUsage();
    const now = nowNs();
    const m: FrameMessage = {
      kind: 'frame',
      state: state.snapshot(),
      nowNs: now,
      help,
      quitting,
      interrupted,
      keys,
    };
    post(m);
    const c = process.threadCpuUsage(c0);
    frames.count++;
    frames.ms += (c.user + c.system) / 1000;
    dueNs = now + intervalMs * 1e6;
  };

  // Keys, in raw mode (Ctrl-C arrives as a byte, not as SIGINT), as ink reads them in-process.
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
  // A process that exits without stop() (an uncaught error) gets its terminal back all the same.
  const onExit = () => {
    releaseKeys();
    if (Atomics.load(done, 0) === 0) writeLine(fd, '\x1b[?25h');
  };
  process.once('exit', onExit);

  const onResize = () => post({ kind: 'resize', columns: size.columns ?? 100, rows: size.rows });
  size.on?.('resize', onResize);
  const restoreOutput = (o.routeOutput ?? fd === 1) ? routeOutput(post) : () => {};

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
    renderFrames: {
      get count() {
        return stats[0]!;
      },
      get ms() {
        return stats[1]!;
      },
    },
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
      state.release();
      releaseKeys();
      quitting = 0;
      // The final frame stays on screen, without the key hints.
      draw();
      stopped = true;
      post({ kind: 'stop' });
      size.off?.('resize', onResize);
      restoreOutput();
      // Wait for the last frame to be on the terminal before this process writes anything after it.
      if (!failed && Atomics.wait(done, 0, 0, STOP_WAIT_MS) === 'timed-out') void worker.terminate();
      if (Atomics.load(done, 0) === 2 && !failed) {
        failed = true;
        writeLine(errFd, `the dashboard's render thread failed; the last frame may be missing`);
      }
      process.off('exit', onExit);
    },
  };
}

/** The test's fields the view shows, as plain data (the resolved test also holds functions and clients). */
function plainTest(t: DashboardOptions['test']): DashboardOptions['test'] {
  const { name, system, mode, workload, nodes, seed, concurrency, timeLimit, checkerTimeLimit, faults } = t;
  return structuredClone({
    name,
    system,
    mode,
    workload,
    nodes,
    seed,
    concurrency,
    timeLimit,
    ...(checkerTimeLimit === undefined ? {} : { checkerTimeLimit }),
    ...(faults === undefined ? {} : { faults }),
  });
}

function writeLine(fd: number, text: string): void {
  try {
    writeSync(fd, text.endsWith('\n') || text.startsWith('\x1b') ? text : `${text}\n`);
  } catch {
    // Nowhere left to say it.
  }
}

/**
 * Sends what this process writes to its stdout and stderr (console.log, the CLI's "stopping…" notice,
 * warnings) to the render thread, which writes it above the frame. Returns the undo.
 */
function routeOutput(post: (m: ToRenderThread) => void): () => void {
  const patch = (stream: NodeJS.WriteStream, to: 'stdout' | 'stderr') => {
    const original = stream.write;
    const patched = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
        return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
      }
      post({ kind: 'write', to, text: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString() });
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
