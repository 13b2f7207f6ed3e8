/**
 * What the live dashboard costs the run: the end-to-end runner workload of bench/runner.ts (memory system,
 * set workload, concurrency 100, no rate limit) with and without the aggregator + ink dashboard attached.
 * The dashboard renders into a TTY-less writable (forced interactive, so every frame is really drawn).
 * Runs alternate between the two setups; prints each run and the medians.
 *   node bench/dashboard.ts [--seconds 5] [--concurrency 100] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { startDashboard } from '../src/dashboard/ink.ts';
import { resolveTest } from '../src/registry.ts';
import type { RunEvent } from '../src/runner/events.ts';
import { runTest } from '../src/runner/run.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-dash-'));

/** A terminal stand-in: counts what ink writes and drops it. */
class Sink extends Writable {
  bytes = 0;
  frames = 0;
  columns = 120;
  rows = 40;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.bytes += chunk.length;
    this.frames++;
    cb();
  }
}

async function once(
  seed: number,
  withDashboard: boolean,
): Promise<{ rate: number; cpuPerOp: number; note: string }> {
  const r = resolveTest({
    system: 'memory',
    workload: 'set',
    concurrency,
    timeLimit: seconds,
    rate: 0,
    seed,
    recoveryTime: 0,
    resultsDir: dir,
  });
  let start = 0;
  let end = 0;
  let cpu0 = process.cpuUsage();
  let cpu = 0;
  let completed = 0;
  let phase = '';
  const count = (e: RunEvent) => {
    if (e.kind === 'phase') {
      if (e.phase === 'running') {
        start = performance.now();
        cpu0 = process.cpuUsage();
      }
      if (phase === 'running') {
        end = performance.now();
        const d = process.cpuUsage(cpu0);
        cpu = d.user + d.system;
      }
      phase = e.phase;
    } else if (e.kind === 'op' && phase === 'running' && e.op.type !== 'invoke') completed++;
  };
  const sink = new Sink();
  const stdin = Object.assign(new PassThrough(), { isTTY: false });
  const dash = withDashboard
    ? startDashboard({ test: r.test, onQuit: () => {}, stdout: sink, stderr: sink, stdin, interactive: true })
    : undefined;
  const onEvent = dash
    ? (e: RunEvent) => {
        count(e);
        dash.onEvent(e);
      }
    : count;
  try {
    await runTest(r.test, { system: r.system, workload: r.workload }, { onEvent });
  } finally {
    dash?.stop();
  }
  const rate = completed / ((end - start) / 1000);
  const note = dash ? `, ${sink.frames} writes, ${(sink.bytes / 1024).toFixed(0)} KiB drawn` : '';
  // CPU per op holds up better than ops/s when other work shares the cores.
  return { rate, cpuPerOp: cpu / completed, note };
}

/** The dashboard's own costs, free of the run's noise: folding one op, and drawing one frame. */
function unitCosts(): { nsPerOp: number; msPerFrame: number } {
  const test = resolveTest({
    system: 'memory',
    workload: 'set',
    concurrency,
    timeLimit: 60,
    seed: 1,
    resultsDir: dir,
  }).test;
  const dash = startDashboard({
    test,
    onQuit: () => {},
    stdout: new Sink(),
    stderr: new Sink(),
    stdin: Object.assign(new PassThrough(), { isTTY: false }),
    interactive: true,
  });
  dash.onEvent({ kind: 'phase', phase: 'running', atNs: 0 });
  const n = 2_000_000;
  const ops = Array.from({ length: 200 }, (_, i) => ({
    index: i,
    time: 0,
    type: i % 2 ? ('ok' as const) : ('invoke' as const),
    process: (i >> 1) % 100,
    f: i % 6 < 2 ? 'read' : 'add',
    value: i,
  }));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const op = ops[i % 200]!;
    op.time = i * 20_000; // 50,000 ops/s of run time
    dash.state.onOp(op);
  }
  const nsPerOp = ((performance.now() - t0) * 1e6) / n;
  // Frames: drive the real draw path through onEvent, one due frame per op.
  const frames = 50;
  const t1 = performance.now();
  for (let i = 0; i < frames; i++) {
    dash.onEvent({
      kind: 'op',
      op: { index: n + i, time: n * 20_000 + (i + 1) * 2e9, type: 'invoke', process: 1, f: 'add', value: i },
    });
  }
  const msPerFrame = (performance.now() - t1) / frames;
  dash.stop();
  return { nsPerOp, msPerFrame };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rates = { without: [] as number[], with: [] as number[] };
const cpus = { without: [] as number[], with: [] as number[] };
try {
  for (let i = 0; i < Number(values.runs); i++) {
    for (const withDashboard of [false, true]) {
      const { rate, cpuPerOp, note } = await once(i + 1, withDashboard);
      rates[withDashboard ? 'with' : 'without'].push(rate);
      cpus[withDashboard ? 'with' : 'without'].push(cpuPerOp);
      console.log(
        `run ${i + 1} ${withDashboard ? 'with dashboard   ' : 'without dashboard'}: ${Math.round(rate)} ops/s (${(1e6 / rate).toFixed(1)} µs/op), ${cpuPerOp.toFixed(1)} µs CPU/op${note}`,
      );
    }
  }
  const a = median(rates.without);
  const b = median(rates.with);
  console.log(
    `median without dashboard: ${Math.round(a)} ops/s; with dashboard: ${Math.round(b)} ops/s ` +
      `(${(((b - a) / a) * 100).toFixed(1)}%) at concurrency ${concurrency}; goal: no measurable slowdown`,
  );
  const ca = median(cpus.without);
  const cb = median(cpus.with);
  console.log(
    `median CPU per op without dashboard: ${ca.toFixed(1)} µs; with: ${cb.toFixed(1)} µs (${(((cb - ca) / ca) * 100).toFixed(1)}%)`,
  );
  const u = unitCosts();
  const share = (u.nsPerOp * 50_000) / 1e9 + (u.msPerFrame * 4) / 1e3;
  console.log(
    `dashboard unit costs: ${u.nsPerOp.toFixed(0)} ns to fold an op, ${u.msPerFrame.toFixed(2)} ms to draw a frame; ` +
      `at 50,000 ops/s and 4 frames/s that is ${(share * 100).toFixed(2)}% of one core`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
