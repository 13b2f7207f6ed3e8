/**
 * What one dashboard frame costs, painter by painter: the state of a run at concurrency 100 (2,000 ops
 * folded between frames, 5 nodes), drawn `--frames` times with `--cadence-ms` between frames (250, as a
 * run draws them: caches go cold in between, which a frame drawn back to back hides). Prints the median
 * and 90th percentile wall time of the second half of the frames (the first half warms the code up) for
 * the terminal painter (lines from the state, then the paint: escape codes and the line diff) and for
 * ink (React, layout, ink's output pass and diff), each into a sink that takes the bytes. Wall time, not
 * thread CPU: the thread clock ticks in milliseconds on some VMs; run it on a quiet machine.
 *   node bench/dashboard-frame.ts [--frames 80] [--cadence-ms 250]
 */
import { PassThrough, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import '../src/dashboard/react-mode.ts';
import { render } from 'ink';
import React from 'react';
import { dashboardLines, type FrameInput } from '../src/dashboard/lines.ts';
import { DashboardState } from '../src/dashboard/state.ts';
import { terminalPainter } from '../src/dashboard/terminal.ts';
import { Dashboard, type DashboardTest } from '../src/dashboard/view.ts';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '80' },
    'cadence-ms': { type: 'string', default: '250' },
  },
});
const frames = Number(values.frames);
const cadenceMs = Number(values['cadence-ms']);
if (!(frames >= 4) || !(cadenceMs >= 0)) {
  console.error('--frames: 4 or more; --cadence-ms: 0 or more (ms between frames)');
  process.exit(2);
}

const test: DashboardTest = {
  name: 'bench',
  system: 'memory',
  mode: 'honest',
  workload: 'set',
  nodes: ['n1', 'n2', 'n3', 'n4', 'n5'],
  seed: 1,
  concurrency: 100,
  timeLimit: 60,
};

/** A sink the size of a terminal, counting bytes. */
function sink() {
  let bytes = 0;
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _e, cb) {
        bytes += chunk.length;
        cb();
      },
    }),
    { isTTY: true, columns: 120, rows: 40 },
  );
  return { stream, bytes: () => bytes };
}

/** A run's state that moves on by 2,000 ops (0.2 s of run time) per call. */
function runState() {
  const state = new DashboardState(test);
  state.onEvent({ kind: 'phase', phase: 'running', atNs: 0 });
  let t = 0;
  return {
    state,
    advance(): number {
      for (let k = 0; k < 1000; k++) {
        t += 2e5;
        const f = k % 4 ? 'add' : 'read';
        state.onOp({ index: 0, time: t, type: 'invoke', process: k % 100, f, value: k });
        state.onOp({ index: 0, time: t + 1e5, type: 'ok', process: k % 100, f, value: k });
      }
      state.sync();
      return t;
    },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantiles = (xs: number[]) => {
  const s = xs.slice(Math.floor(xs.length / 2)).sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p90: s[Math.floor(s.length * 0.9)]! };
};

async function terminal() {
  const { state, advance } = runState();
  const out = sink();
  const painter = terminalPainter(out.stream, true);
  const lines: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < frames; i++) {
    const nowNs = advance();
    const t0 = performance.now();
    const input: FrameInput = { test, state, nowNs, width: 120, height: 40, keys: true };
    const l = dashboardLines(input);
    const t1 = performance.now();
    painter.paint(l);
    const t2 = performance.now();
    lines.push(t1 - t0);
    total.push(t2 - t0);
    await pause(cadenceMs);
  }
  painter.done();
  return { lines: quantiles(lines), total: quantiles(total), bytes: out.bytes() / frames };
}

async function ink() {
  const { state, advance } = runState();
  const out = sink();
  const props = (nowNs: number) => ({
    test,
    state,
    nowNs,
    width: 120,
    height: 40,
    keys: true,
    readKeys: false,
  });
  const instance = render(React.createElement(Dashboard, props(0)), {
    stdout: out.stream as unknown as NodeJS.WriteStream,
    stderr: out.stream as unknown as NodeJS.WriteStream,
    stdin: new PassThrough() as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    interactive: true,
    // Every frame drawn: ink's frame-rate cap would skip some back to back.
    maxFps: 0,
  });
  const total: number[] = [];
  for (let i = 0; i < frames; i++) {
    const nowNs = advance();
    const t0 = performance.now();
    instance.rerender(React.createElement(Dashboard, props(nowNs)));
    total.push(performance.now() - t0);
    await pause(cadenceMs);
  }
  instance.unmount();
  return { total: quantiles(total), bytes: out.bytes() / frames };
}

const ms = (x: number) => `${x.toFixed(3)} ms`;
const t = await terminal();
console.log(
  `terminal painter: ${ms(t.total.median)} a frame (p90 ${ms(t.total.p90)}), of which lines from the state ${ms(t.lines.median)}; ${Math.round(t.bytes)} bytes a frame`,
);
const k = await ink();
console.log(
  `ink:              ${ms(k.total.median)} a frame (p90 ${ms(k.total.p90)}); ${Math.round(k.bytes)} bytes a frame`,
);
console.log(
  `(${frames} frames ${cadenceMs} ms apart, 120 × 40 terminal; medians of the second half, wall time)`,
);
