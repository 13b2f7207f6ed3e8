/**
 * What the dashboard shows, as screen lines of styled text: a pure function of the aggregated state at a
 * given time (no I/O, no React). Two painters draw the same lines: ink (view.ts: a column of Text rows,
 * for streams that are not a terminal's own descriptors and for tests) and the terminal painter
 * (terminal.ts: escape codes written straight to the terminal, a changed frame in well under a
 * millisecond, where ink's layout and output passes took 4–6 ms a frame at 4 frames a second).
 */
import type { ResolvedTest } from '../config/define.ts';
import type { FaultKind } from '../core/nemesis.ts';
import type { Phase } from '../runner/events.ts';
import type { NodeStatus } from './faults.ts';
import { signedMs } from './faults.ts';
import { bar, clean, count, duration, latencyText, sparkline } from './format.ts';
import { type DashboardState, LATENCY_WINDOW_SECONDS } from './state.ts';

/** The test's fields the dashboard shows. */
export type DashboardTest = Pick<
  ResolvedTest,
  'name' | 'system' | 'mode' | 'workload' | 'nodes' | 'seed' | 'concurrency' | 'timeLimit'
> &
  Partial<Pick<ResolvedTest, 'checkerTimeLimit'>> & {
    /** The nemesis's declared faults (registry `faultsOf`): what the fault rows and node table show. */
    faults?: readonly FaultKind[];
  };

/** The terminal colours the dashboard uses (the 8 basic ones: every terminal has them). */
export type Color = 'green' | 'red' | 'yellow' | 'blue' | 'cyan' | 'magenta';

/** A run of text in one style. */
export interface Span {
  text: string;
  color?: Color;
  bold?: boolean;
  /** Faint text (SGR 2). */
  dim?: boolean;
  inverse?: boolean;
  underline?: boolean;
}

/** One screen line: spans side by side, cut (never wrapped) at the frame's width. */
export interface Line {
  /** Stable name of the line (React's key in the ink painter). */
  key: string;
  spans: Span[];
}

/** What a frame shows besides the state. */
export interface FrameInput {
  test: DashboardTest;
  state: DashboardState;
  /** ns since the run started. */
  nowNs: number;
  /** Terminal columns: the frame is min(160, max(40, width)) wide (default 100). */
  width?: number;
  /** Terminal rows: the frame drops detail to fit in height − 1 lines. */
  height?: number;
  help?: boolean;
  /** How many times quit was asked for: 1 = stopping, 2 = skipping the wait. */
  quitting?: number;
  /** The user asked to stop (the verdict then covers a partial run, and the exit code is 255). */
  interrupted?: boolean;
  /** Keys are read (only when stdin is a terminal): the footer shows them. */
  keys?: boolean;
}

/** Frame width in columns for a terminal `width` columns wide (default 100). */
export function frameWidth(width: number | undefined): number {
  return Math.max(40, Math.min(width ?? 100, 160));
}

const PHASES: Phase[] = ['setup', 'running', 'healing', 'recovering', 'final', 'checking'];
const STATUS_COLOR: Record<NodeStatus, Color> = {
  up: 'green',
  killed: 'red',
  crashed: 'red',
  paused: 'yellow',
};
const VERDICT = {
  true: { text: 'VALID', color: 'green' },
  false: { text: 'INVALID', color: 'red' },
  unknown: { text: 'UNKNOWN', color: 'yellow' },
} as const;

/** The dashboard's lines, top to bottom; at most height − 1 of them when the height is known. */
export function dashboardLines(p: FrameInput): Line[] {
  const { test, state: s, nowNs } = p;
  const width = frameWidth(p.width);
  const end = s.windowEnd(nowNs);
  const fit = fitTo(s, p);
  const lines = [
    header(test),
    ...phaseLines(s, nowNs, width),
    ...throughputLines(s, end, width, fit.spark),
    ...opsLines(s, fit.perF),
    latencyLine(s, end),
    ...faultLines(s, nowNs),
    ...(fit.nodeRows ? nodeLines(s, nowNs) : [nodeSummary(s)]),
    ...checkingLines(s, nowNs),
    ...verdictLines(s, p.interrupted === true),
    ...logLines(s, fit.logs),
    ...footerLines({ ...p, help: p.help === true && fit.help }),
  ];
  return p.height ? trimTo(lines, p.height - 1) : lines;
}

/** Lines a frame too tall for its terminal loses first, in this order (then per-f rows, then faults). */
const TRIM_ORDER = ['latency', 'ops-head', 'time', 'chain', 'rate'];

/**
 * `lines` cut to `budget` when even the frame `fitTo` chose is too tall (a terminal of a dozen rows): the
 * detail lines go first, then per-f rows (the total stays), fault rows; the header and the bottom (the
 * checking line, the verdict, the key hints) stay longest.
 */
function trimTo(lines: Line[], budget: number): Line[] {
  const out = [...lines];
  const drop = (pred: (l: Line) => boolean) => {
    const i = out.findIndex(pred);
    if (i < 0) return false;
    out.splice(i, 1);
    return true;
  };
  for (const key of TRIM_ORDER) if (out.length > budget) drop((l) => l.key === key);
  while (out.length > budget && drop((l) => l.key.startsWith('f-') && l.key !== 'f-total'));
  while (out.length > budget && drop((l) => l.key.startsWith('fault-')));
  // Whatever is left: from just below the header.
  if (out.length > budget) out.splice(1, out.length - Math.max(1, budget));
  return out;
}

/** What fits in `height` rows, dropping detail in this order: logs, node rows, per-f rows, sparkline, help. */
function fitTo(s: DashboardState, p: FrameInput) {
  const fit = { logs: s.logs.length, help: true, nodeRows: true, perF: true, spark: true };
  if (!p.height) return fit;
  const fixed =
    6 + // header, phase chain, time, throughput, latency, footer
    1 + // ops heading
    (s.byF.size > 1 ? 1 : 0) +
    Math.max(1, s.faults.size) +
    (s.nemesisInFlight ? 1 : 0) +
    (s.checkingAtNs === undefined ? 0 : 1) +
    (s.verdict ? 2 : 0);
  const budget = p.height - 1;
  let need = fixed + fit.logs + (p.help ? 2 : 0) + s.nodeState.size + s.byF.size + 1;
  if (need > budget) {
    const keep = Math.max(0, fit.logs - (need - budget));
    need -= fit.logs - keep;
    fit.logs = keep;
  }
  if (need > budget) {
    fit.nodeRows = false;
    need -= s.nodeState.size - 1;
  }
  if (need > budget && s.byF.size > 1) {
    fit.perF = false;
    need -= s.byF.size;
  }
  if (need > budget) {
    fit.spark = false;
    need -= 1;
  }
  // Asked for, so kept the longest.
  if (need > budget && p.help) fit.help = false;
  return fit;
}

const line = (key: string, ...spans: (Span | false | undefined)[]): Line => ({
  key,
  spans: spans.filter((x): x is Span => Boolean(x)),
});
const label = (text: string): Span => ({ text: text.padEnd(12), color: 'cyan' });

function header(t: DashboardTest): Line {
  const mode = t.mode ? ` (${t.mode})` : '';
  return line(
    'header',
    { text: `faultline ▸ ${clean(t.name)}`, bold: true },
    {
      text: `   system ${clean(t.system)}${clean(mode)} · workload ${clean(t.workload)} · ${t.nodes.length} nodes · concurrency ${t.concurrency} · seed ${t.seed}`,
      dim: true,
    },
  );
}

function phaseLines(s: DashboardState, nowNs: number, width: number): Line[] {
  const chain: Span[] = PHASES.map((ph, i) => ({
    text: `${i ? ' › ' : ''}${ph === s.phase ? ` ${ph} ` : ph}`,
    ...(ph === s.phase ? { bold: true, inverse: true } : { dim: true }),
  }));
  if (s.phase && !PHASES.includes(s.phase)) chain.push({ text: `  ${s.phase}`, bold: true });
  const pr = s.progress(nowNs);
  const barWidth = Math.max(10, Math.min(40, width - 70));
  return [
    line('chain', label('phase'), ...chain),
    line(
      'time',
      label('time'),
      {
        text: `elapsed ${duration(nowNs)}  main ${duration(pr.elapsedNs)} of ${duration(s.timeLimitNs)}  remaining ${duration(pr.remainingNs)}  `,
      },
      { text: bar(pr.fraction, barWidth), color: 'blue' },
      { text: ` ${Math.round(pr.fraction * 100)}%` },
    ),
  ];
}

function throughputLines(s: DashboardState, end: number, width: number, spark: boolean): Line[] {
  const seconds = Math.max(20, Math.min(100, width - 40));
  // While ops flow, the current second is still filling: end the sparkline at the last whole one.
  const series = s.throughput(s.active ? end - 1e9 : end, seconds);
  let peak = 0;
  for (const v of series) if (v > peak) peak = v;
  const rate = line(
    'rate',
    label('throughput'),
    {
      text: s.active
        ? `${count(s.rate(end))} ops/s`
        : `${count(s.meanRate(end))} ops/s mean over the main phase`,
      bold: true,
    },
    { text: `   in flight ${s.inFlight} · peak ${count(peak)}/s over the last ${seconds}s`, dim: true },
  );
  return spark ? [rate, line('spark', label(''), { text: sparkline(series), color: 'green' })] : [rate];
}

function opsLines(s: DashboardState, perF: boolean): Line[] {
  const cols = (
    f: string,
    c: { invoked: number; ok: number; fail: number; info: number },
    bold?: boolean,
  ): Line =>
    line(
      `f-${f}`,
      label(''),
      { text: clean(f).slice(0, 14).padEnd(15), ...(bold ? { bold } : {}) },
      { text: count(c.ok).padStart(9), color: 'green', ...(bold ? { bold } : {}) },
      { text: count(c.fail).padStart(9), ...(c.fail ? { color: 'red' } : {}), ...(bold ? { bold } : {}) },
      { text: count(c.info).padStart(9), ...(c.info ? { color: 'yellow' } : {}), ...(bold ? { bold } : {}) },
      { text: count(c.invoked).padStart(10), dim: true },
    );
  return [
    line('ops-head', label('ops'), {
      text: `${'f'.padEnd(15)}${'ok'.padStart(9)}${'fail'.padStart(9)}${'info'.padStart(9)}${'invoked'.padStart(10)}`,
      dim: true,
    }),
    ...(perF || s.byF.size <= 1 ? [...s.byF].map(([f, c]) => cols(f, c)) : []),
    ...(s.byF.size > 1 ? [cols('total', s.totals, true)] : []),
  ];
}

function latencyLine(s: DashboardState, end: number): Line {
  const l = s.latency(end);
  return l
    ? line(
        'latency',
        label('latency'),
        { text: `p50 ${latencyText(l.p50)}   p95 ${latencyText(l.p95)}   p99 ${latencyText(l.p99)}` },
        { text: `   over the last ${LATENCY_WINDOW_SECONDS}s (${count(l.count)} ops)`, dim: true },
      )
    : line('latency', label('latency'), { text: 'no completions in the last few seconds', dim: true });
}

function faultLines(s: DashboardState, nowNs: number): Line[] {
  const rows: Line[] = [...s.faults.values()].map((f, i) =>
    line(
      `fault-${f.family}`,
      label(i === 0 ? 'faults' : ''),
      { text: clean(f.family).padEnd(12), color: 'red', bold: true },
      { text: clean(f.detail).slice(0, 60).padEnd(40) },
      { text: ` for ${duration(nowNs - f.sinceNs)}`, dim: true },
      Boolean(f.unverified) && { text: '  unverified', color: 'yellow' },
    ),
  );
  if (rows.length === 0) rows.push(line('fault-none', label('faults'), { text: 'none', color: 'green' }));
  const pending = s.nemesisInFlight;
  if (pending) {
    rows.push(
      line('fault-pending', label(''), {
        text: `… ${clean(pending.f)} (${duration(nowNs - pending.atNs)})`,
        color: 'yellow',
      }),
    );
  }
  return rows;
}

/** All nodes on one line, for short terminals: the faulted ones first. */
function nodeSummary(s: DashboardState): Line {
  const all = [...s.nodeState];
  const down = all.filter(([, n]) => n.status !== 'up');
  const up = all.length - down.length;
  return line(
    'nodes',
    label('nodes'),
    ...down.map(
      ([name, n]): Span => ({ text: `${clean(name)} ${n.status}  `, color: STATUS_COLOR[n.status] }),
    ),
    { text: `${up} of ${all.length} up`, color: 'green' },
  );
}

function nodeLines(s: DashboardState, nowNs: number): Line[] {
  const anySide = [...s.nodeState.values()].some((n) => n.side || n.drops.length);
  const anyClock = [...s.nodeState.values()].some((n) => n.clockOffsetMs !== 0);
  return [...s.nodeState].map(([name, n], i) =>
    line(
      `node-${name}`,
      label(i === 0 ? 'nodes' : ''),
      { text: clean(name).padEnd(10), bold: true },
      { text: n.status.padEnd(8), color: STATUS_COLOR[n.status] },
      { text: (n.status === 'up' ? '' : `for ${duration(nowNs - n.sinceNs)}`).padEnd(12), dim: true },
      anySide && {
        text: `${n.side ? `side ${n.side}` : ''}${n.drops.length ? ` drops ${n.drops.join(',')}` : ''}`.padEnd(
          26,
        ),
      },
      anyClock && { text: `clock ${n.clockStrobe ? '~' : ''}${signedMs(n.clockOffsetMs)}` },
    ),
  );
}

function checkingLines(s: DashboardState, nowNs: number): Line[] {
  if (s.checkingAtNs === undefined) return [];
  const done = s.verdict !== undefined || s.phase === 'done';
  const spent = (done ? s.lastAtNs : nowNs) - s.checkingAtNs;
  const budget = s.checkerTimeLimitNs;
  return [
    line(
      'checking',
      label('checking'),
      {
        text: done
          ? `checked ${count(s.invocations)} ops in ${duration(spent)}`
          : `checking ${count(s.invocations)} ops: ${duration(spent)}`,
      },
      Boolean(budget && !done) && { text: `  budget ${duration(budget ?? 0)} `, dim: true },
      Boolean(budget && !done) && { text: bar(spent / (budget ?? 1), 20), color: 'magenta' },
    ),
  ];
}

function verdictLines(s: DashboardState, interrupted: boolean): Line[] {
  const v = s.verdict;
  if (!v) return [];
  const style = VERDICT[String(v.valid) as keyof typeof VERDICT];
  return [
    line(
      'verdict-1',
      label('verdict'),
      { text: ` ${style.text} `, bold: true, inverse: true, color: style.color },
      { text: `  ${clean(v.summary)}` },
      interrupted && { text: '  (run interrupted: exit code 255)', color: 'yellow' },
    ),
    line('verdict-2', label('report'), { text: clean(v.runDir), underline: true }),
  ];
}

function logLines(s: DashboardState, keep: number): Line[] {
  if (keep === 0) return [];
  return s.logs.slice(-keep).map((l, i) =>
    line(`log-${i}`, label(i === 0 ? 'log' : ''), {
      text: `${l.level} ${clean(l.message).slice(0, 120)}`,
      ...(l.level === 'error' ? { color: 'red' } : l.level === 'warn' ? { color: 'yellow' } : {}),
    }),
  );
}

function footerLines(p: FrameInput): Line[] {
  if (p.quitting) {
    return [
      line('footer', {
        text:
          p.quitting === 1
            ? 'stopping: finishing ops in flight, healing, tearing down, checking (q again to skip the wait)'
            : 'stopping without waiting for ops in flight; still tearing down',
        color: 'yellow',
        bold: true,
      }),
    ];
  }
  if (!p.keys) return [];
  if (p.help) {
    return [
      'q or Ctrl-C  stop the run: ops in flight finish, faults heal, the history is checked and kept',
      '            press again to skip the wait (teardown still happens)',
      '?           hide this help · counts are client ops; info = outcome unknown',
    ].map((text, i) => line(`help-${i}`, { text, dim: true }));
  }
  return [line('footer', { text: 'q quit · ? help', dim: true })];
}
