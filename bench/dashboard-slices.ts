/**
 * The dashboard's cost on a machine whose speed wanders (a shared VM: here the fixed workload of
 * bench/anchor.ts takes anywhere from 330 to 620 ms CPU from one second to the next, so whole runs with
 * and without the dashboard differ by ±40 % on their own). Instead of comparing runs, each run's main
 * phase is cut into slices of `--slice-ms` (250) and the dashboard (as `faultline run` starts it on a
 * terminal: aggregator and painter on the run's thread, frames to /dev/null) is fed only in every other
 * slice: its op events are folded there, and in the slices between, it gets nothing. Each fed slice's
 * completions are compared with the mean of its two unfed neighbours, so the machine's drift, slower
 * than a slice, cancels out; which slices are fed alternates from run to run. Prints the median ratio
 * over all fed slices with a 90 % bootstrap interval, and the frames drawn (those in fed slices apart).
 *
 * It measures what the dashboard costs the run while the run is going: folding (in batches, as in a
 * real run, from a history that holds only the fed slices' ops: handed the live history, a fed slice
 * would fold its unfed neighbour's ops too) and the frames drawn in fed slices, with their garbage and
 * cache pollution in so far as they fall within the slice. It leans low by what a fed slice leaves to
 * the next (garbage collected later) and by frames the dashboard's timer draws in unfed slices (printed).
 * The method has a bias of its own: `--painter none` (A/A) feeds nothing but the bench's own history of
 * fed ops, and its median is what "no cost" reads as. With several painters (`--painter none,terminal`)
 * each round runs each once, the order rotating, and each painter's median is also given net of the
 * A/A one, with a bootstrap interval of the difference. The slices of a run are not independent, so the
 * intervals are narrower than the truth (about ±3 % here).
 * `--painter ink`: the dashboard drawn by ink on the run's thread instead (ink.ts, into a sink, frames
 * spaced by their cost at high op rates: ink.ts periodMs).
 * `--interval-ms`: the dashboard's frame interval (default 250, as `faultline run`).
 *   node bench/dashboard-slices.ts [--seconds 10] [--runs 5] [--slice-ms 250] [--concurrency 100]
 *     [--painter terminal|ink|none] [--interval-ms 250]
 */
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { Op } from '../src/core/op.ts';
import { type LiveDashboard, startDashboard } from '../src/dashboard/ink.ts';
import { startTerminalDashboard } from '../src/dashboard/terminal-dashboard.ts';
import { resolveTest } from '../src/registry.ts';
import type { RunEvent } from '../src/runner/events.ts';
import { runTest } from '../src/runner/run.ts';
import { medianDifference, medianInterval, medianOf } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    'slice-ms': { type: 'string', default: '250' },
    concurrency: { type: 'string', default: '100' },
    painter: { type: 'string', default: 'terminal' },
    'interval-ms': { type: 'string', default: '250' },
  },
});
type Painter = 'terminal' | 'ink' | 'none';
const painters = values.painter.split(',').map((p) => p.trim());
if (!painters.every((p): p is Painter => p === 'terminal' || p === 'ink' || p === 'none')) {
  console.error(
    `--painter: "terminal" (default, as faultline run on a terminal), "ink" or "none" (A/A), or several with commas, not "${values.painter}"`,
  );
  process.exit(2);
}
const intervalMs = Number(values['interval-ms']);
if (!(intervalMs > 0)) {
  console.error(
    `--interval-ms: a frame interval in ms above 0 (default 250), not "${values['interval-ms']}"`,
  );
  process.exit(2);
}
const seconds = Number(values.seconds);
const runs = Number(values.runs);
const sliceMs = Number(values['slice-ms']);
const concurrency = Number(values.concurrency);
const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-slices-'));
const devNull = openSync('/dev/null', 'w');

/** Completions per slice of one run's main phase, and which slices fed the dashboard. */
async function once(
  painter: Painter,
  seed: number,
  fedFirst: boolean,
): Promise<{ done: number[]; fed: boolean[]; frames: number; framesFed: number }> {
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
  const stdin = Object.assign(new PassThrough(), { isTTY: false });
  const sink = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { columns: 120, rows: 40 });
  let dash: LiveDashboard;
  let inkFrames: () => number;
  if (painter === 'terminal') {
    dash = startTerminalDashboard({
      test: r.test,
      onQuit: () => {},
      fd: devNull,
      errFd: devNull,
      size: sink,
      stdin,
      interactive: true,
      intervalMs,
    });
    inkFrames = () => dash.frames.count;
  } else if (painter === 'none') {
    // A/A: fed slices differ from the others by the bench's own bookkeeping only.
    const frames = { count: 0, ms: 0 };
    dash = { onEvent: () => {}, stop: () => {}, frames, state: undefined as never };
    inkFrames = () => 0;
  } else {
    dash = startDashboard({
      test: r.test,
      onQuit: () => {},
      stdout: sink,
      stderr: sink,
      stdin,
      interactive: true,
      intervalMs,
    });
    inkFrames = () => dash.frames.count;
  }
  const done: number[] = [];
  // The dashboard folds from the run's history in batches; handed the live history, the first batch of a
  // fed slice would also fold the unfed slice's ops before it (two slices' folding charged to one). It
  // gets instead a history of the fed slices' ops only, filled here as they come (a push per op: charged
  // to the dashboard, a few ns).
  const fedHistory: Op[] = [];
  let t0 = 0;
  let running = false;
  let frames0 = 0;
  let frames = 0;
  // Frames by the slice they fell in (a frame the timer draws between two events counts for the
  // slice of the next): those in unfed slices are charged to the neighbours, against the dashboard.
  let framesSeen = 0;
  let framesFed = 0;
  const onEvent = (e: RunEvent) => {
    if (e.kind === 'phase') {
      if (e.phase === 'running') {
        running = true;
        t0 = performance.now();
        frames0 = inkFrames();
        framesSeen = frames0;
      } else if (running) {
        running = false;
        frames = inkFrames() - frames0;
      }
      dash.onEvent(e);
      return;
    }
    if (e.kind === 'history') {
      dash.onEvent({ kind: 'history', ops: fedHistory });
      return;
    }
    if (e.kind !== 'op' || !running) {
      if (e.kind === 'op') fedHistory.push(e.op);
      dash.onEvent(e);
      return;
    }
    const slice = Math.floor((performance.now() - t0) / sliceMs);
    if (e.op.type !== 'invoke') done[slice] = (done[slice] ?? 0) + 1;
    const isFed = slice % 2 === (fedFirst ? 0 : 1);
    if (isFed) {
      fedHistory.push(e.op);
      dash.onEvent(e);
    }
    const seen = inkFrames();
    if (seen !== framesSeen) {
      if (isFed) framesFed += seen - framesSeen;
      framesSeen = seen;
    }
  };
  try {
    await runTest(r.test, { system: r.system, workload: r.workload }, { onEvent });
  } finally {
    dash.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
  // The last slice is cut short by the end of the phase: left out.
  const whole = Array.from({ length: Math.floor((seconds * 1000) / sliceMs) }, (_, i) => done[i] ?? 0);
  return { done: whole, fed: whole.map((_, i) => i % 2 === (fedFirst ? 0 : 1)), frames, framesFed };
}

try {
  const ratios = new Map<Painter, number[]>(painters.map((p) => [p, []]));
  for (let i = 0; i < runs; i++) {
    // Round i runs every painter once, the order rotating, so that the machine's drift falls on all.
    for (let j = 0; j < painters.length; j++) {
      const painter = painters[(i + j) % painters.length]!;
      const { done, fed, frames, framesFed } = await once(painter, i + 1, i % 2 === 0);
      const mine: number[] = [];
      for (let k = 1; k + 1 < done.length; k++) {
        if (!fed[k]) continue;
        const around = (done[k - 1]! + done[k + 1]!) / 2;
        if (around > 0) mine.push((done[k]! / around - 1) * 100);
      }
      ratios.get(painter)!.push(...mine);
      const rate = (xs: number[]) => ((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000) / sliceMs;
      console.log(
        `run ${i + 1} ${painter.padEnd(8)}: fed slices ${Math.round(rate(done.filter((_, k) => fed[k])))} ops/s, unfed ${Math.round(rate(done.filter((_, k) => !fed[k])))} ops/s, ` +
          `${frames} frames (${framesFed} in fed slices); fed vs neighbours median ${medianOf(mine).toFixed(1)}% over ${mine.length} slices`,
      );
    }
  }
  for (const [painter, xs] of ratios) {
    const [lo, hi] = medianInterval(xs);
    console.log(
      `${painter.padEnd(8)}: fed slices vs their unfed neighbours (${sliceMs} ms slices), ops/s: median ${medianOf(xs).toFixed(1)}% ` +
        `(90 % interval [${lo.toFixed(1)}, ${hi.toFixed(1)}]) over ${xs.length} slices${painter === 'none' ? " (A/A: the method's own bias)" : '; goal > -5%'}`,
    );
  }
  const aa = ratios.get('none');
  if (aa) {
    for (const [painter, xs] of ratios) {
      if (painter === 'none') continue;
      const [d, lo, hi] = medianDifference(xs, aa);
      console.log(
        `${painter.padEnd(8)}: cost net of the A/A bias ${d.toFixed(1)}% (90 % interval [${lo.toFixed(1)}, ${hi.toFixed(1)}]); goal > -5%`,
      );
    }
  }
} finally {
  closeSync(devNull);
  rmSync(dir, { recursive: true, force: true });
}
