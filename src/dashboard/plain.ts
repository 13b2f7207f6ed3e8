/**
 * Plain progress for logs and CI: a timestamped line every few seconds (phase, ops/s, ok/fail/info,
 * active faults), never an escape code. Fed by run events, aggregated in counters.
 */
import type { Phase, RunEvent } from '../runner/events.ts';

export interface PlainProgress {
  onEvent(e: RunEvent): void;
  stop(): void;
}

export function plainProgress(write: (line: string) => void, everyMs = 3000): PlainProgress {
  let phase: Phase = 'setup';
  const t0 = Date.now();
  let ok = 0;
  let fail = 0;
  let info = 0;
  let sinceLast = 0;
  let last = Date.now();
  const faults = new Map<string, string>();
  const line = () => {
    const now = Date.now();
    const rate = (sinceLast * 1000) / Math.max(1, now - last);
    sinceLast = 0;
    last = now;
    const active = faults.size ? [...faults.values()].join('; ') : 'none';
    write(
      `[${((now - t0) / 1000).toFixed(1).padStart(6)}s] ${phase.padEnd(10)} ${rate.toFixed(0).padStart(7)} ops/s  ok ${ok}  fail ${fail}  info ${info}  faults: ${active}`,
    );
  };
  const timer = setInterval(line, everyMs);
  timer.unref();
  return {
    onEvent(e) {
      if (e.kind === 'phase') {
        phase = e.phase;
        write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] phase ${e.phase}`);
      } else if (e.kind === 'op') {
        const op = e.op;
        if (op.process === 'nemesis') {
          if (op.type === 'invoke') return;
          if (op.f.startsWith('start') || op.f.startsWith('kill') || op.f.startsWith('pause')) {
            faults.set(op.f.replace(/^(start|stop)-?/, ''), `${op.f} ${JSON.stringify(op.value)}`);
          } else faults.delete(op.f.replace(/^(start|stop|resume|restart)-?/, ''));
          return;
        }
        if (op.type === 'ok') ok++;
        else if (op.type === 'fail') fail++;
        else if (op.type === 'info') info++;
        else sinceLast++;
      } else if (e.kind === 'log') {
        write(`${e.level.toUpperCase()}: ${e.message}`);
      }
    },
    stop() {
      clearInterval(timer);
    },
  };
}
