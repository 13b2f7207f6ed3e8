/**
 * Plain progress for logs and CI: a timestamped line every few seconds (phase, ops/s, ok/fail/info,
 * active faults), never an escape code. Fed by run events through the same aggregator as the dashboard.
 */
import type { RunEvent } from '../runner/events.ts';
import { clean, duration } from './format.ts';
import { DashboardState, runClock, type StateTest } from './state.ts';

export interface PlainProgress {
  onEvent(e: RunEvent): void;
  stop(): void;
}

export function plainProgress(
  write: (line: string) => void,
  everyMs = 3000,
  test?: StateTest,
): PlainProgress {
  const state = new DashboardState(test ?? { nodes: [], timeLimit: 0 });
  const t0 = Date.now();
  let lastDone = 0;
  let last = Date.now();
  const out = (text: string) => {
    const now = Date.now();
    const stamp = new Date(now).toISOString().slice(11, 19);
    write(clean(`${stamp} [${((now - t0) / 1000).toFixed(1).padStart(6)}s] ${text}`));
  };
  // Ops also check when the next line is due: a runner that never yields to timers would starve the interval.
  let dueNs = everyMs * 1e6;
  const clock = runClock();
  const line = () => {
    state.sync();
    const at = clock.now(state.lastAtNs);
    dueNs = at + everyMs * 1e6;
    const now = Date.now();
    const t = state.totals;
    const done = t.ok + t.fail + t.info;
    const rate = ((done - lastDone) * 1000) / Math.max(1, now - last);
    lastDone = done;
    last = now;
    const faults = [...state.faults.values()].map(
      (f) => `${f.family} ${f.detail} (${duration(at - f.sinceNs)})`,
    );
    const main =
      state.phase === 'running' && test
        ? ` ${duration(state.progress(at).elapsedNs)}/${duration(state.timeLimitNs)}`
        : '';
    out(
      `${(state.phase ?? 'starting').padEnd(10)}${main} ${rate.toFixed(0).padStart(7)} ops/s  ok ${t.ok}  fail ${t.fail}  info ${t.info}  faults: ${faults.length ? faults.join('; ') : 'none'}`,
    );
  };
  const timer = setInterval(() => {
    state.sync();
    if (clock.now(state.lastAtNs) >= dueNs - 50e6) line();
  }, everyMs);
  timer.unref();
  return {
    onEvent(e) {
      if (e.kind === 'op') {
        state.onOp(e.op);
        if (e.op.time >= dueNs) line();
        return;
      }
      clock.observe(e);
      state.onEvent(e);
      if (e.kind === 'phase') out(`phase ${e.phase}`);
      else if (e.kind === 'log') out(`${e.level.toUpperCase()}: ${e.message}`);
    },
    stop() {
      clearInterval(timer);
      state.release();
    },
  };
}
