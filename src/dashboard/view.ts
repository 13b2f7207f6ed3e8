/**
 * The dashboard's ink component: a pure function of the aggregated state at a given time. No JSX (Node
 * strips types, not JSX), so trees are built with createElement.
 */
import './react-mode.ts';
import { Box, Text, useInput } from 'ink';
import React from 'react';
import type { ResolvedTest } from '../config/define.ts';
import type { FaultKind } from '../core/nemesis.ts';
import type { Phase } from '../runner/events.ts';
import type { NodeStatus } from './faults.ts';
import { signedMs } from './faults.ts';
import { bar, clean, count, duration, latencyText, sparkline } from './format.ts';
import { type DashboardState, LATENCY_WINDOW_SECONDS } from './state.ts';

const h = React.createElement;

export type DashboardTest = Pick<
  ResolvedTest,
  'name' | 'system' | 'mode' | 'workload' | 'nodes' | 'seed' | 'concurrency' | 'timeLimit'
> &
  Partial<Pick<ResolvedTest, 'checkerTimeLimit'>> & {
    /** The nemesis's declared faults (registry `faultsOf`): what the fault rows and node table show. */
    faults?: readonly FaultKind[];
  };

export interface DashboardProps {
  test: DashboardTest;
  state: DashboardState;
  /** ns since the run started. */
  nowNs: number;
  /** Terminal columns. */
  width?: number;
  /** Terminal rows: the frame drops detail to fit (a taller frame makes ink clear the screen each time). */
  height?: number;
  help?: boolean;
  /** How many times quit was asked for: 1 = stopping, 2 = skipping the wait. */
  quitting?: number;
  /** The user asked to stop (the verdict then covers a partial run, and the exit code is 255). */
  interrupted?: boolean;
  /** Keys are read (only when stdin is a terminal): the footer shows them. */
  keys?: boolean;
  /**
   * Whether this component reads the keys itself, through ink's stdin (default: when `keys`). False
   * where another thread reads them and only the footer is drawn here (the render thread, see
   * threaded.ts).
   */
  readKeys?: boolean;
  onKey?: (k: 'quit' | 'help') => void;
}

const PHASES: Phase[] = ['setup', 'running', 'healing', 'recovering', 'final', 'checking'];
const STATUS_COLOR: Record<NodeStatus, string> = {
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

export function Dashboard(p: DashboardProps): React.ReactElement {
  const { test, state: s, nowNs } = p;
  const width = Math.max(40, Math.min(p.width ?? 100, 160));
  useInput(
    (input, key) => {
      if (key.eventType === 'release') return;
      if (input === 'q' || (key.ctrl && input === 'c')) p.onKey?.('quit');
      else if (input === '?') p.onKey?.('help');
    },
    { isActive: (p.readKeys ?? p.keys) === true },
  );
  const end = s.windowEnd(nowNs);
  const fit = fitTo(s, p);
  return h(
    Box,
    { flexDirection: 'column', width },
    header(test),
    phaseLine(s, nowNs, width),
    throughputLines(s, end, width, fit.spark),
    opsTable(s, fit.perF),
    latencyLine(s, end),
    faultLines(s, nowNs),
    fit.nodeRows ? nodeTable(s, nowNs) : nodeSummary(s),
    checkingLine(s, nowNs),
    verdictLine(s, p.interrupted === true),
    logLines(s, fit.logs),
    footer({ ...p, help: p.help === true && fit.help }),
  );
}

/** What fits in `height` rows, dropping detail in this order: logs, help, node rows, per-f rows, sparkline. */
function fitTo(s: DashboardState, p: DashboardProps) {
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
  const drop = (saved: number) => {
    need -= saved;
  };
  if (need > budget) {
    const keep = Math.max(0, fit.logs - (need - budget));
    drop(fit.logs - keep);
    fit.logs = keep;
  }
  if (need > budget && p.help) {
    fit.help = false;
    drop(2);
  }
  if (need > budget) {
    fit.nodeRows = false;
    drop(s.nodeState.size - 1);
  }
  if (need > budget && s.byF.size > 1) {
    fit.perF = false;
    drop(s.byF.size);
  }
  if (need > budget) fit.spark = false;
  return fit;
}

/** One screen line: a single Text with styled runs inside (cheaper to lay out than a Box of Texts), cut
 * rather than wrapped when the terminal is narrow. */
function row(key: string, ...children: React.ReactNode[]): React.ReactElement {
  return h(Text, { key, wrap: 'truncate-end' }, ...children);
}

function label(text: string): React.ReactElement {
  return h(Text, { color: 'cyan' }, text.padEnd(12));
}

function header(t: DashboardTest): React.ReactElement {
  const mode = t.mode ? ` (${t.mode})` : '';
  return row(
    'header',
    h(Text, { bold: true }, `faultline ▸ ${clean(t.name)}`),
    h(
      Text,
      { dimColor: true },
      `   system ${clean(t.system)}${clean(mode)} · workload ${clean(t.workload)} · ${t.nodes.length} nodes · concurrency ${t.concurrency} · seed ${t.seed}`,
    ),
  );
}

function phaseLine(s: DashboardState, nowNs: number, width: number): React.ReactElement {
  const chain = PHASES.map((ph, i) =>
    h(
      Text,
      { key: ph, ...(ph === s.phase ? { bold: true, inverse: true } : { dimColor: true }) },
      `${i ? ' › ' : ''}${ph === s.phase ? ` ${ph} ` : ph}`,
    ),
  );
  if (s.phase && !PHASES.includes(s.phase)) chain.push(h(Text, { key: 'other', bold: true }, `  ${s.phase}`));
  const pr = s.progress(nowNs);
  const barWidth = Math.max(10, Math.min(40, width - 70));
  return h(
    Box,
    { key: 'phase', flexDirection: 'column' },
    row('chain', label('phase'), ...chain),
    row(
      'time',
      label('time'),
      h(
        Text,
        {},
        `elapsed ${duration(nowNs)}  main ${duration(pr.elapsedNs)} of ${duration(s.timeLimitNs)}  remaining ${duration(pr.remainingNs)}  `,
      ),
      h(Text, { color: 'blue' }, bar(pr.fraction, barWidth)),
      h(Text, {}, ` ${Math.round(pr.fraction * 100)}%`),
    ),
  );
}

function throughputLines(s: DashboardState, end: number, width: number, spark: boolean): React.ReactElement {
  const seconds = Math.max(20, Math.min(100, width - 40));
  // While ops flow, the current second is still filling: end the sparkline at the last whole one.
  const series = s.throughput(s.active ? end - 1e9 : end, seconds);
  let peak = 0;
  for (const v of series) if (v > peak) peak = v;
  return h(
    Box,
    { key: 'tp', flexDirection: 'column' },
    row(
      'rate',
      label('throughput'),
      h(
        Text,
        { bold: true },
        s.active ? `${count(s.rate(end))} ops/s` : `${count(s.meanRate(end))} ops/s mean over the main phase`,
      ),
      h(
        Text,
        { dimColor: true },
        `   in flight ${s.inFlight} · peak ${count(peak)}/s over the last ${seconds}s`,
      ),
    ),
    spark ? row('spark', label(''), h(Text, { color: 'green' }, sparkline(series))) : null,
  );
}

function opsTable(s: DashboardState, perF: boolean): React.ReactElement {
  const cols = (f: string, c: { invoked: number; ok: number; fail: number; info: number }, bold = false) =>
    row(
      `f-${f}`,
      label(''),
      h(Text, { bold }, clean(f).slice(0, 14).padEnd(15)),
      h(Text, { color: 'green', bold }, count(c.ok).padStart(9)),
      h(Text, { color: c.fail ? 'red' : undefined, bold }, count(c.fail).padStart(9)),
      h(Text, { color: c.info ? 'yellow' : undefined, bold }, count(c.info).padStart(9)),
      h(Text, { dimColor: true }, count(c.invoked).padStart(10)),
    );
  return h(
    Box,
    { key: 'ops', flexDirection: 'column' },
    row(
      'ops-head',
      label('ops'),
      h(
        Text,
        { dimColor: true },
        `${'f'.padEnd(15)}${'ok'.padStart(9)}${'fail'.padStart(9)}${'info'.padStart(9)}${'invoked'.padStart(10)}`,
      ),
    ),
    ...(perF || s.byF.size <= 1 ? [...s.byF].map(([f, c]) => cols(f, c)) : []),
    ...(s.byF.size > 1 ? [cols('total', s.totals, true)] : []),
  );
}

function latencyLine(s: DashboardState, end: number): React.ReactElement {
  const l = s.latency(end);
  return row(
    'latency',
    label('latency'),
    l
      ? h(
          Text,
          {},
          `p50 ${latencyText(l.p50)}   p95 ${latencyText(l.p95)}   p99 ${latencyText(l.p99)}`,
          h(Text, { dimColor: true }, `   over the last ${LATENCY_WINDOW_SECONDS}s (${count(l.count)} ops)`),
        )
      : h(Text, { dimColor: true }, 'no completions in the last few seconds'),
  );
}

function faultLines(s: DashboardState, nowNs: number): React.ReactElement {
  const rows: React.ReactElement[] = [...s.faults.values()].map((f, i) =>
    row(
      `fault-${f.family}`,
      label(i === 0 ? 'faults' : ''),
      h(Text, { color: 'red', bold: true }, clean(f.family).padEnd(12)),
      h(Text, {}, clean(f.detail).slice(0, 60).padEnd(40)),
      h(Text, { dimColor: true }, ` for ${duration(nowNs - f.sinceNs)}`),
      ...(f.unverified ? [h(Text, { key: 'unverified', color: 'yellow' }, '  unverified')] : []),
    ),
  );
  if (rows.length === 0) rows.push(row('fault-none', label('faults'), h(Text, { color: 'green' }, 'none')));
  const pending = s.nemesisInFlight;
  if (pending) {
    rows.push(
      row(
        'fault-pending',
        label(''),
        h(Text, { color: 'yellow' }, `… ${clean(pending.f)} (${duration(nowNs - pending.atNs)})`),
      ),
    );
  }
  return h(Box, { key: 'faults', flexDirection: 'column' }, ...rows);
}

/** All nodes on one line, for short terminals: the faulted ones first. */
function nodeSummary(s: DashboardState): React.ReactElement {
  const all = [...s.nodeState];
  const down = all.filter(([, n]) => n.status !== 'up');
  const up = all.length - down.length;
  return row(
    'nodes',
    label('nodes'),
    ...down.map(([name, n]) =>
      h(Text, { key: name, color: STATUS_COLOR[n.status] }, `${clean(name)} ${n.status}  `),
    ),
    h(Text, { key: 'up', color: 'green' }, `${up} of ${all.length} up`),
  );
}

function nodeTable(s: DashboardState, nowNs: number): React.ReactElement {
  const anySide = [...s.nodeState.values()].some((n) => n.side || n.drops.length);
  const anyClock = [...s.nodeState.values()].some((n) => n.clockOffsetMs !== 0);
  const rows = [...s.nodeState].map(([name, n], i) =>
    row(
      `node-${name}`,
      label(i === 0 ? 'nodes' : ''),
      h(Text, { bold: true }, clean(name).padEnd(10)),
      h(Text, { color: STATUS_COLOR[n.status] }, n.status.padEnd(8)),
      h(Text, { dimColor: true }, (n.status === 'up' ? '' : `for ${duration(nowNs - n.sinceNs)}`).padEnd(12)),
      ...(anySide
        ? [
            h(
              Text,
              { key: 'side' },
              `${n.side ? `side ${n.side}` : ''}${n.drops.length ? ` drops ${n.drops.join(',')}` : ''}`.padEnd(
                26,
              ),
            ),
          ]
        : []),
      ...(anyClock
        ? [h(Text, { key: 'clock' }, `clock ${n.clockStrobe ? '~' : ''}${signedMs(n.clockOffsetMs)}`)]
        : []),
    ),
  );
  return h(Box, { key: 'nodes', flexDirection: 'column' }, ...rows);
}

function checkingLine(s: DashboardState, nowNs: number): React.ReactElement | null {
  if (s.checkingAtNs === undefined) return null;
  const done = s.verdict !== undefined || s.phase === 'done';
  const spent = (done ? s.lastAtNs : nowNs) - s.checkingAtNs;
  const budget = s.checkerTimeLimitNs;
  return row(
    'checking',
    label('checking'),
    h(
      Text,
      {},
      done
        ? `checked ${count(s.invocations)} ops in ${duration(spent)}`
        : `checking ${count(s.invocations)} ops: ${duration(spent)}`,
    ),
    ...(budget && !done
      ? [
          h(Text, { key: 'budget', dimColor: true }, `  budget ${duration(budget)} `),
          h(Text, { key: 'bar', color: 'magenta' }, bar(spent / budget, 20)),
        ]
      : []),
  );
}

function verdictLine(s: DashboardState, interrupted: boolean): React.ReactElement | null {
  const v = s.verdict;
  if (!v) return null;
  const style = VERDICT[String(v.valid) as keyof typeof VERDICT];
  return h(
    Box,
    { key: 'verdict', flexDirection: 'column' },
    row(
      'verdict-1',
      label('verdict'),
      h(Text, { bold: true, inverse: true, color: style.color }, ` ${style.text} `),
      h(Text, {}, `  ${clean(v.summary)}`),
      ...(interrupted
        ? [h(Text, { key: 'int', color: 'yellow' }, '  (run interrupted: exit code 255)')]
        : []),
    ),
    row('verdict-2', label('report'), h(Text, { underline: true }, clean(v.runDir))),
  );
}

function logLines(s: DashboardState, keep: number): React.ReactElement | null {
  if (keep === 0) return null;
  return h(
    Box,
    { key: 'logs', flexDirection: 'column' },
    ...s.logs
      .slice(-keep)
      .map((l, i) =>
        row(
          `log-${i}`,
          label(i === 0 ? 'log' : ''),
          h(
            Text,
            { color: l.level === 'error' ? 'red' : l.level === 'warn' ? 'yellow' : undefined },
            `${l.level} ${clean(l.message).slice(0, 120)}`,
          ),
        ),
      ),
  );
}

function footer(p: DashboardProps): React.ReactElement | null {
  if (p.quitting) {
    return row(
      'footer',
      h(
        Text,
        { color: 'yellow', bold: true },
        p.quitting === 1
          ? 'stopping: finishing ops in flight, healing, tearing down, checking (q again to skip the wait)'
          : 'stopping without waiting for ops in flight; still tearing down',
      ),
    );
  }
  if (!p.keys) return null;
  if (p.help) {
    return h(
      Box,
      { key: 'footer', flexDirection: 'column' },
      h(
        Text,
        { dimColor: true },
        'q or Ctrl-C  stop the run: ops in flight finish, faults heal, the history is checked and kept',
      ),
      h(Text, { dimColor: true }, '            press again to skip the wait (teardown still happens)'),
      h(
        Text,
        { dimColor: true },
        '?           hide this help · counts are client ops; info = outcome unknown',
      ),
    );
  }
  return row('footer', h(Text, { dimColor: true }, 'q quit · ? help'));
}
