/**
 * End-to-end runner throughput: generator → workers → memory client → journal, at concurrency 100 with
 * no rate limit (the memory system, the set workload). Per run: ops/s (completed client ops per second
 * of the main phase), the cost per op, and ops per CPU-second of this process during the main phase;
 * then the min and median of each over the runs. Wall-clock rates swing with whatever else the machine
 * runs, CPU time per op much less: compare builds on ops per CPU-second when the machine is busy.
 *
 * The anchor (bench/anchor.ts: a fixed JavaScript workload, CPU ms, min of 3) ties the figures to this
 * machine: "ops per CPU-s × anchor s" is about the same on a machine twice as fast.
 *
 * `--dashboard`: every run is done twice, without and with the live dashboard as `faultline run` starts
 * it on a terminal (aggregator and painter on the run's thread: src/dashboard/terminal-dashboard.ts,
 * writing every frame to /dev/null, forced interactive so every frame is really drawn;
 * `--dashboard-painter ink`: ink instead, as for other streams, into a sink), which one first
 * alternating; prints the dashboard's cost in CPU per op and
 * in ops/s, and its own CPU (frames as timed when drawn, plus events × the fold's ns per event) as a
 * share of the main phase: the figure a busy machine disturbs least; and the paired cost: the median over
 * runs of (run i with the dashboard) / (run i without), the two back to back, with a 90 % bootstrap
 * interval (on this 2-core VM, ±2–3 % at 25 runs of 1 s: smaller differences are noise). Every run
 * starts after a full GC (the previous run's history is garbage by then).
 * CPU per op counts every thread of the process (V8's helper threads too); "main-thread CPU per op" the
 * run's thread alone.
 *   node bench/runner.ts [--seconds 3] [--concurrency 100] [--runs 5] [--dashboard [--dashboard-painter ink]]
 */
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type LiveDashboard, startDashboard } from '../src/dashboard/ink.ts';
import { DashboardState } from '../src/dashboard/state.ts';
import { startTerminalDashboard } from '../src/dashboard/terminal-dashboard.ts';
import { resolveTest } from '../src/registry.ts';
import type { RunEvent } from '../src/runner/events.ts';
import { runTest } from '../src/runner/run.ts';
import { anchorCpuMs } from './anchor.ts';
import { medianInterval, medianOf, minOf } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '100' },
    runs: { type: 'string', default: '5' },
    dashboard: { type: 'boolean', default: false },
    'dashboard-painter': { type: 'string', default: 'terminal' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const runs = Number(values.runs);
if (values['dashboard-painter'] !== 'terminal' && values['dashboard-painter'] !== 'ink') {
  console.error(
    `--dashboard-painter: "terminal" (default, as faultline run on a terminal) or "ink", not "${values['dashboard-painter']}"`,
  );
  process.exit(2);
}
const onTerminal = values['dashboard-painter'] === 'terminal';
const devNull = openSync('/dev/null', 'w');
const GOAL_OPS_PER_S = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
// A full GC before each run: a run leaves a history of a million ops or more behind, and collecting it
// during the next run's main phase would charge that run (with or without the dashboard) for it.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** A terminal stand-in for the ink dashboard: counts what ink writes and drops it. */
class Sink extends Writable {
  bytes = 0;
  writes = 0;
  columns = 120;
  rows = 40;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.bytes += chunk.length;
    this.writes++;
    cb();
  }
}

interface RunFigures {
  completed: number;
  /** Op events (invocations and completions) of the main phase, each folded by the dashboard. */
  events: number;
  /** CPU ms and count of the dashboard's frames during the main phase (0 without it). */
  frameMs: number;
  frameCount: number;
  /** CPU ms of this process during the main phase. */
  cpuMs: number;
  /** CPU ms of the main thread alone (no GC helper threads) during the main phase. */
  threadCpuMs: number;
  opsPerS: number;
  opsPerCpuS: number;
  valid: boolean | 'unknown';
  heapMb: number;
  note: string;
}

async function once(seed: number, withDashboard: boolean): Promise<RunFigures> {
  // Each run's results (a history of a million ops or more) go once the run is measured: 100 runs would
  // otherwise leave gigabytes behind until the end.
  const runDir = mkdtempSync(join(dir, 'run-'));
  const r = resolveTest({
    system: 'memory',
    workload: 'set',
    concurrency,
    timeLimit: seconds,
    rate: 0,
    seed,
    recoveryTime: 0,
    resultsDir: runDir,
  });
  let start = 0;
  let end = 0;
  let cpuStart = process.cpuUsage();
  let cpuUs = 0;
  let threadStart = process.threadCpuUsage();
  let threadUs = 0;
  let completed = 0;
  let events = 0;
  let frameMs = 0;
  let frameCount = 0;
  let phase = '';
  let dash: LiveDashboard | undefined;
  const inkFrames = (): { count: number; ms: number } => dash?.frames ?? { count: 0, ms: 0 };
  const count = (e: RunEvent) => {
    if (e.kind === 'phase') {
      if (e.phase === 'running') {
        start = performance.now();
        cpuStart = process.cpuUsage();
        threadStart = process.threadCpuUsage();
      }
      if (phase === 'running') {
        end = performance.now();
        const c = process.cpuUsage(cpuStart);
        cpuUs = c.user + c.system;
        const t = process.threadCpuUsage(threadStart);
        threadUs = t.user + t.system;
        // The dashboard's frames during the main phase (from before it started: drawn at setup).
        frameMs = inkFrames().ms - frameMs;
        frameCount = inkFrames().count - frameCount;
      } else if (e.phase === 'running') {
        frameMs = inkFrames().ms;
        frameCount = inkFrames().count;
      }
      phase = e.phase;
    } else if (e.kind === 'op' && phase === 'running') {
      events++;
      if (e.op.type !== 'invoke') completed++;
    }
  };
  const sink = new Sink();
  const stdin = Object.assign(new PassThrough(), { isTTY: false });
  // Both runs of a pair start the same way: right after the previous run (a process idle for a second
  // runs slower for a while after: here, 1 s runs after a 1.5 s sleep against runs right after the
  // previous one, no dashboard in either: −6.5 % ops/s, 90 % interval [−10.5, 0.6] over 30 pairs).
  dash = !withDashboard
    ? undefined
    : onTerminal
      ? startTerminalDashboard({
          test: r.test,
          onQuit: () => {},
          fd: devNull,
          errFd: devNull,
          size: sink,
          stdin,
          interactive: true,
        })
      : startDashboard({
          test: r.test,
          onQuit: () => {},
          stdout: sink,
          stderr: sink,
          stdin,
          interactive: true,
        });
  const onEvent = dash
    ? (e: RunEvent) => {
        count(e);
        dash.onEvent(e);
      }
    : count;
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  let valid: boolean | 'unknown';
  try {
    valid = (await runTest(r.test, { system: r.system, workload: r.workload }, { onEvent })).valid;
  } finally {
    dash?.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
  const wallS = (end - start) / 1000;
  return {
    completed,
    events,
    frameMs,
    frameCount,
    cpuMs: cpuUs / 1000,
    threadCpuMs: threadUs / 1000,
    opsPerS: completed / wallS,
    opsPerCpuS: completed / (cpuUs / 1e6),
    valid,
    heapMb: (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20,
    note: dash
      ? `, dashboard drew ${inkFrames().count} frames in ${inkFrames().ms.toFixed(0)} ms` +
        (onTerminal ? '' : ` (${sink.writes} writes, ${(sink.bytes / 1024).toFixed(0)} KiB)`)
      : '',
  };
}

/** CPU ns the aggregator takes per op event: invoke/ok pairs over 100 processes, 2 fs, 20 µs apart. */
function foldNsPerEvent(): number {
  const test = resolveTest({
    system: 'memory',
    workload: 'set',
    concurrency,
    timeLimit: 60,
    resultsDir: dir,
  }).test;
  const ops = Array.from({ length: 200 }, (_, i) => ({
    index: i,
    time: 0,
    type: i % 2 ? ('ok' as const) : ('invoke' as const),
    process: (i >> 1) % 100,
    f: i % 6 < 2 ? 'read' : 'add',
    value: i,
  }));
  const n = 2_000_000;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 4; round++) {
    const state = new DashboardState(test);
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const op = ops[i % 200]!;
      op.time = i * 20_000;
      state.onOp(op);
    }
    const c = process.cpuUsage(c0);
    if (round > 0) best = Math.min(best, ((c.user + c.system) * 1000) / n);
  }
  return best;
}

const k = (x: number) => `${(x / 1000).toFixed(1)}k`;

try {
  const anchorBefore = anchorCpuMs();
  console.log(
    `anchor: ${anchorBefore.toFixed(0)} ms CPU for the fixed workload of bench/anchor.ts (lower = faster core)`,
  );
  const setups = values.dashboard ? [false, true] : [false];
  const figures = new Map<boolean, RunFigures[]>(setups.map((s) => [s, []]));
  for (let i = 0; i < runs; i++) {
    // Alternate which setup goes first, so neither always follows the other.
    for (const withDashboard of i % 2 ? [...setups].reverse() : setups) {
      const f = await once(i + 1, withDashboard);
      figures.get(withDashboard)!.push(f);
      const label = values.dashboard ? (withDashboard ? ' with dashboard   ' : ' without dashboard') : '';
      console.log(
        `run ${i + 1}${label}: ${f.completed} ops = ${Math.round(f.opsPerS)} ops/s (${(1e6 / f.opsPerS).toFixed(1)} µs/op), ` +
          `${Math.round(f.opsPerCpuS)} ops per CPU-s (${(1e6 / f.opsPerCpuS).toFixed(2)} µs CPU/op), verdict ${f.valid}, ` +
          `heap ${f.heapMb >= 0 ? '+' : ''}${f.heapMb.toFixed(0)} MB${f.note}`,
      );
    }
  }
  const anchor = Math.min(anchorBefore, anchorCpuMs());
  for (const withDashboard of setups) {
    const fs = figures.get(withDashboard)!;
    const rate = fs.map((f) => f.opsPerS);
    const cpu = fs.map((f) => f.opsPerCpuS);
    const label = values.dashboard ? (withDashboard ? ' (with dashboard)' : ' (without dashboard)') : '';
    console.log(
      `ops/s${label} over ${fs.length} runs of ${seconds} s at concurrency ${concurrency}: min ${k(minOf(rate))}, ` +
        `median ${k(medianOf(rate))} (goal ≥ ${k(GOAL_OPS_PER_S)} on a quiet machine)`,
    );
    console.log(
      `ops per CPU-second${label}: min ${k(minOf(cpu))}, median ${k(medianOf(cpu))}; ` +
        `× anchor ${(anchor / 1000).toFixed(3)} s = ${k(medianOf(cpu) * (anchor / 1000))} ops per anchor (median)`,
    );
  }
  if (values.dashboard) {
    // The dashboard's own CPU, free of the machine's noise: its frames (timed as drawn) and its fold
    // (events × ns per event, measured below on the same kind of ops), as a share of the main phase.
    const foldNs = foldNsPerEvent();
    const own = figures.get(true)!.map((f) => ({
      frames: f.frameMs / f.cpuMs,
      fold: (f.events * foldNs) / 1e6 / f.cpuMs,
      perS: f.frameCount / seconds,
    }));
    const frames = medianOf(own.map((o) => o.frames));
    const fold = medianOf(own.map((o) => o.fold));
    console.log(
      `dashboard's own CPU (medians): frames ${(frames * 100).toFixed(2)}% (${medianOf(own.map((o) => o.perS)).toFixed(1)} frames/s, ` +
        `${medianOf(figures.get(true)!.map((f) => f.frameMs / Math.max(1, f.frameCount))).toFixed(2)} ms CPU each) + ` +
        `fold ${(fold * 100).toFixed(2)}% (${foldNs.toFixed(0)} ns per event) = ${((frames + fold) * 100).toFixed(2)}% of the main phase's CPU`,
    );
    const without = figures.get(false)!;
    const withD = figures.get(true)!;
    const cpuA = medianOf(without.map((f) => 1 / f.opsPerCpuS));
    const cpuB = medianOf(withD.map((f) => 1 / f.opsPerCpuS));
    const rateA = medianOf(without.map((f) => f.opsPerS));
    const rateB = medianOf(withD.map((f) => f.opsPerS));
    console.log(
      `dashboard cost: CPU per op ${(cpuA * 1e6).toFixed(2)} → ${(cpuB * 1e6).toFixed(2)} µs (${(((cpuB - cpuA) / cpuA) * 100).toFixed(1)}%), ` +
        `ops/s ${k(rateA)} → ${k(rateB)} (${(((rateB - rateA) / rateA) * 100).toFixed(1)}%); medians; goal < 5%`,
    );
    // Paired: run i with and without the dashboard ran back to back, so a slow stretch of the machine
    // hits both; the median of the pairs' ratios is steadier than the ratio of the two medians.
    const pairCpu = withD.map((f, i) => (1 / f.opsPerCpuS / (1 / without[i]!.opsPerCpuS) - 1) * 100);
    const pairRate = withD.map((f, i) => (f.opsPerS / without[i]!.opsPerS - 1) * 100);
    const perOpThread = (f: RunFigures) => f.threadCpuMs / f.completed;
    const pairThread = withD.map((f, i) => (perOpThread(f) / perOpThread(without[i]!) - 1) * 100);
    const pct = (xs: number[]) => xs.map((x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`).join(' ');
    const ci = (xs: number[]) => {
      const [lo, hi] = medianInterval(xs);
      return `[${lo.toFixed(1)}, ${hi.toFixed(1)}]`;
    };
    console.log(
      `dashboard cost, paired (run i with vs without, back to back): CPU per op ${pct(pairCpu)} % → median ` +
        `${medianOf(pairCpu).toFixed(1)}% (90 % interval ${ci(pairCpu)}); ops/s ${pct(pairRate)} % → median ` +
        `${medianOf(pairRate).toFixed(1)}% (90 % interval ${ci(pairRate)}); goal < 5%`,
    );
    // The main thread's CPU alone: the op loop and the dashboard both run there, while V8's concurrent
    // GC threads, whose work swings with the heap's size from run to run, are left out.
    console.log(
      `dashboard cost, paired, main-thread CPU per op: ${pct(pairThread)} % → median ${medianOf(pairThread).toFixed(1)}% ` +
        `(90 % interval ${ci(pairThread)})`,
    );
  }
} finally {
  closeSync(devNull);
  rmSync(dir, { recursive: true, force: true });
}
