/**
 * The dashboard's render thread (a worker_threads worker; started by threaded.ts). It owns ink: React,
 * layout and the terminal diff run here, on another core, so a frame never stalls the run's event loop
 * and ink's instance never lives in the runner's heap. The run's thread folds the ops and posts a
 * snapshot of the aggregated state a few times a second; this thread draws the latest one and drops
 * any it could not draw in time. It writes the terminal's file descriptors directly (a worker's
 * `process.stdout` goes through the main thread's event loop, which a busy runner may not turn for
 * seconds). Keys are read by the main thread (raw mode is the process's), which posts what they change.
 */
import './react-mode.ts';
import { writeSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { type Instance, render, useStderr, useStdout } from 'ink';
import React from 'react';
import { DashboardState, type StateSnapshot } from './state.ts';
import { Dashboard, type DashboardProps, type DashboardTest } from './view.ts';

/** What the main thread hands over when a dashboard takes the thread (the `init` message). */
export interface RenderThreadInput {
  test: DashboardTest;
  /** File descriptors of the terminal: frames go to `fd`, stderr lines to `errFd`. */
  fd: number;
  errFd: number;
  /** Terminal size in cells; rows undefined when unknown. */
  columns: number;
  rows: number | undefined;
  /** ink's interactive mode: redraw in place (true on a terminal). */
  interactive: boolean;
  /** Int32Array[1]: set to 1 once the last frame is written and ink has let go of the terminal (2: failed). */
  done: SharedArrayBuffer;
  /** Float64Array[2]: frames drawn here and the CPU ms this thread spent drawing them. */
  stats: SharedArrayBuffer;
}

/** One frame's inputs: the state as of the snapshot and what the keys changed. */
export interface FrameMessage {
  kind: 'frame';
  state: StateSnapshot;
  /** ns since the run started, when the snapshot was taken. */
  nowNs: number;
  help: boolean;
  quitting: number;
  interrupted: boolean;
  keys: boolean;
}

/** Messages from the main thread, handled in the order sent; `init` comes first. */
export type ToRenderThread =
  | { kind: 'init'; input: RenderThreadInput }
  | FrameMessage
  | { kind: 'resize'; columns: number; rows: number | undefined }
  /** A line the main thread wrote to its stdout or stderr: shown above the frame. */
  | { kind: 'write'; to: 'stdout' | 'stderr'; text: string }
  /** Draw the pending frame, leave it on screen, release the terminal, set `done`. */
  | { kind: 'stop' };

/** Posted once ink is loaded and warm: a frame drawn from here on costs milliseconds, not tens. */
export interface ReadyMessage {
  kind: 'ready';
}

const h = React.createElement;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `chunk` to `fd`, waiting out EAGAIN (a terminal's descriptor may be non-blocking). */
function writeAll(fd: number, chunk: string | Uint8Array): void {
  const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
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

/** A terminal stream for ink over a raw file descriptor, with the size the main thread reports. */
class FdTerminal extends Writable {
  readonly isTTY = true;
  readonly fd: number;
  columns: number;
  rows: number | undefined;
  constructor(fd: number, columns: number, rows: number | undefined) {
    super({ decodeStrings: false });
    this.fd = fd;
    this.columns = columns;
    this.rows = rows;
  }
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    try {
      writeAll(this.fd, chunk);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}

/** The terminal's side, once `init` has come. */
interface Terminal {
  input: RenderThreadInput;
  stdout: FdTerminal;
  stderr: FdTerminal;
  done: Int32Array;
  stats: Float64Array;
}
let term: Terminal | undefined;
/** ink's writers that clear the frame, write above it, and redraw it (set once the tree has mounted). */
const bridge: { out?: (s: string) => void; err?: (s: string) => void } = {};
let ink: Instance | undefined;
let latest: FrameMessage | undefined;
let scheduled = false;

function Root(p: { props: DashboardProps }): React.ReactElement {
  bridge.out = useStdout().write;
  bridge.err = useStderr().write;
  return h(Dashboard, p.props);
}

function tree(t: Terminal, m: FrameMessage): React.ReactElement {
  const props: DashboardProps = {
    test: t.input.test,
    state: DashboardState.fromSnapshot(m.state),
    nowNs: m.nowNs,
    width: t.stdout.columns,
    ...(t.stdout.rows ? { height: t.stdout.rows } : {}),
    help: m.help,
    quitting: m.quitting,
    interrupted: m.interrupted,
    keys: m.keys,
    readKeys: false,
  };
  return h(Root, { props });
}

/** Draws the latest frame posted (the ones before it are dropped: they are already out of date). */
function draw(): void {
  scheduled = false;
  const m = latest;
  const t = term;
  if (!m || !t) return;
  latest = undefined;
  const c0 = process.threadCpuUsage();
  if (ink) ink.rerender(tree(t, m));
  else {
    ink = render(tree(t, m), {
      stdout: t.stdout as unknown as NodeJS.WriteStream,
      stderr: t.stderr as unknown as NodeJS.WriteStream,
      stdin: new PassThrough() as unknown as NodeJS.ReadStream,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 10,
      interactive: t.input.interactive,
    });
  }
  const c = process.threadCpuUsage(c0);
  t.stats[0]!++;
  t.stats[1]! += (c.user + c.system) / 1000;
}

function onMessage(m: ToRenderThread): void {
  if (m.kind === 'init') {
    const i = m.input;
    term = {
      input: i,
      stdout: new FdTerminal(i.fd, i.columns, i.rows),
      stderr: new FdTerminal(i.errFd, i.columns, i.rows),
      done: new Int32Array(i.done),
      stats: new Float64Array(i.stats),
    };
    return;
  }
  const t = term;
  if (!t) throw new Error(`render thread: '${m.kind}' before 'init'`);
  if (m.kind === 'frame') {
    latest = m;
    if (!scheduled) {
      scheduled = true;
      setImmediate(draw);
    }
  } else if (m.kind === 'resize') {
    for (const s of [t.stdout, t.stderr]) {
      s.columns = m.columns;
      s.rows = m.rows;
    }
    t.stdout.emit('resize');
  } else if (m.kind === 'write') {
    const write = m.to === 'stdout' ? bridge.out : bridge.err;
    if (ink && write) write(m.text);
    else writeAll(m.to === 'stdout' ? t.input.fd : t.input.errFd, m.text);
  } else {
    draw();
    ink?.unmount();
    finish(1);
  }
}

function finish(code: 1 | 2): void {
  if (term) {
    Atomics.store(term.done, 0, code);
    Atomics.notify(term.done, 0);
  }
  parentPort?.close();
}

/**
 * Draws a few frames of a made-up run into nothing, so that React's, ink's and the view's code is
 * compiled and warm before the first real frame (cold, the first frames take 30–60 ms each).
 */
function warmUp(): void {
  const test: DashboardTest = {
    name: 'warm-up',
    system: 'memory',
    mode: 'honest',
    workload: 'set',
    nodes: ['n1', 'n2', 'n3'],
    seed: 1,
    concurrency: 3,
    timeLimit: 10,
  };
  const state = new DashboardState(test);
  const sink = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), {
    isTTY: true,
    columns: 100,
    rows: 40,
  });
  const frame = (i: number) => {
    state.onEvent({ kind: 'phase', phase: 'running', atNs: 0 });
    for (let k = 0; k < 50; k++) {
      const time = (i * 50 + k) * 1e7;
      state.onOp({ index: 0, time, type: 'invoke', process: k % 3, f: k % 2 ? 'add' : 'read', value: k });
      state.onOp({
        index: 0,
        time: time + 1e5,
        type: 'ok',
        process: k % 3,
        f: k % 2 ? 'add' : 'read',
        value: k,
      });
    }
    return h(Dashboard, {
      test,
      state,
      nowNs: (i + 1) * 5e8,
      width: 100,
      height: 40,
      keys: true,
      readKeys: false,
    });
  };
  const warm = render(frame(0), {
    stdout: sink as unknown as NodeJS.WriteStream,
    stderr: sink as unknown as NodeJS.WriteStream,
    stdin: new PassThrough() as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    interactive: true,
    debug: true,
  });
  for (let i = 1; i < 20; i++) warm.rerender(frame(i));
  warm.unmount();
}

parentPort?.on('message', (m: ToRenderThread) => {
  try {
    onMessage(m);
  } catch (err) {
    // The run goes on without a picture; the main thread tells the user (it sees `done` = 2).
    finish(2);
    throw err;
  }
});
try {
  warmUp();
} catch {
  // Only a head start: the real frames work without it.
}
parentPort?.postMessage({ kind: 'ready' } satisfies ReadyMessage);
