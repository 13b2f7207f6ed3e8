/** The data embedded in report.html: compact columns for the ops, precomputed series, verdicts. */
import type { AnomalyCase } from '../core/checker.ts';
import type { FaultKind } from '../core/nemesis.ts';
import { nsToS } from '../core/time.ts';
import { showValue, stringifyExact, valueKey } from '../history/values.ts';
import { anomalyGroups, cycleData, type StoredCycle, sccSize } from './anomalies.ts';
import { type ClockSeries, clockSeries } from './clock.ts';
import type { LoadedRun, RunFile } from './load.ts';
import { rowEnd } from './rows.ts';
import { type PerfSeries, perfSeries } from './series.ts';
import { type RunSummary, versionText } from './summary.ts';

/** Ops as parallel arrays (one entry per invoke), so 100,000 ops cost a few MB, not tens. */
export interface OpColumns {
  /** Invocation time, µs since the start, delta-encoded (each entry minus the previous one). */
  startUs: number[];
  /** Duration, µs (to the end of the history for ops that never completed). */
  durationUs: number[];
  /** Lane: thread, or -1 for the nemesis. */
  l: number[];
  /** Process, -1 for the nemesis. */
  p: number[];
  /** Index into `fs`. */
  f: number[];
  /** 0 ok, 1 fail, 2 info, 3 never completed. */
  o: number[];
  /** History index of the invocation, delta-encoded. */
  i: number[];
  /** Completion index minus invocation index; 0 when there is none. */
  c: number[];
  /** Invocation value, as `compactValue` embeds it (big values as {$truncated: text}). */
  v: unknown[];
  /**
   * 0 when there is no completion or its value equals the invocation's; else `[value]` (compacted). The
   * array keeps a completion value of 0 apart from "same as the invocation".
   */
  r: (0 | [unknown])[];
  /** Index into `errs` (0 = no error). */
  e: number[];
  /** Index into `nodes` (0 = none). */
  n: number[];
  fs: string[];
  errs: string[];
  nodes: string[];
}

/**
 * A cycle anomaly's data as the page draws it (from {@link StoredCycle}): per txn its label, ops,
 * process, node, times (µs since the start) and micro-ops as display text (`append 7 3`, `r 7 [1 2]`,
 * exact values via showValue), and the edge to the next txn: its kind and the reason sentence.
 */
export interface EmbeddedCycle {
  $cycle: 1;
  steps: {
    label: string;
    invokeIndex: number;
    completeIndex: number | null;
    process: number;
    node: string | null;
    invokeUs: number;
    completeUs: number | null;
    mops: string[];
    /** Micro-ops left out past MAX_EMBEDDED_MOPS. */
    moreMops: number;
    edge: { kind: string; text: string };
  }[];
  /** Steps left out past MAX_EMBEDDED_STEPS (the page then lists the cycle instead of drawing it). */
  moreSteps: number;
  searchTimedOut: boolean;
  /** The strongly connected component's size, and its first invoke indices, when the search timed out. */
  sccSize: number | null;
  scc: number[];
}

export interface ReportData {
  version: 1;
  title: string;
  generatedAt: string;
  verdict: { valid: unknown; summary: string; runError: string | null; historyProblems: string[] };
  checkers: {
    name: string;
    valid: unknown;
    summary: string;
    reason: string | null;
    /** The result's details (capped), without its anomaly fields (they are in `anomalies`). */
    result: unknown;
    /**
     * The result's anomalies per type (src/report/anomalies.ts), at most MAX_EMBEDDED_CASES cases each
     * with their data capped; null when the result has no anomaly fields (results.json of older runs).
     */
    anomalies: { type: string; count: number; cases: AnomalyCase[] }[] | null;
  }[];
  info: [string, string][];
  rerun: string;
  counts: RunSummary['counts'];
  threads: number;
  endUs: number;
  ops: OpColumns;
  faults: {
    key: string;
    f: string;
    label: string;
    value: unknown;
    /** Seconds since the start. */
    startS: number;
    endS: number;
    open: boolean;
    startIndex: number;
    endIndex: number | null;
  }[];
  /** One-off fault events; `tS`: seconds since the start. */
  events: { family: string | null; f: string; label: string; tS: number; index: number }[];
  /** The declared faults (test.json `faults`): each family's fs, what its values mean, its colour `#rrggbb`. */
  kinds: Pick<FaultKind, 'family' | 'start' | 'stop' | 'events' | 'value' | 'valueDoc' | 'color'>[];
  /** The perf series; scatter points as delta-encoded row positions (times come from the op columns). */
  perf: Omit<PerfSeries, 'scatter'> & { scatter: { f: string; outcome: string; rows: number[] }[] };
  clock: ClockSeries | null;
  files: RunFile[];
  warnings: string[];
}

const MAX_VALUE = 200;
/** Cases per anomaly type embedded in the page; results.json has them all. */
export const MAX_EMBEDDED_CASES = 200;
const OUTCOME = { ok: 0, fail: 1, info: 2, pending: 3 } as const;
const MAX_EMBEDDED_STEPS = 200;
const MAX_EMBEDDED_MOPS = 40;
const MAX_MOP_TEXT = 200;
const MAX_SCC_LISTED = 200;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const nsToUs = (ns: number | undefined) => (ns === undefined ? null : Math.round(ns / 1000));

/** A stored cycle for the page: bounded, values shown as exact text (no bigint reaches the page's JSON.parse). */
export function embedCycle(cy: StoredCycle): EmbeddedCycle {
  return {
    $cycle: 1,
    steps: cy.cycle.slice(0, MAX_EMBEDDED_STEPS).map((st) => ({
      label: clip(st.label, 40),
      invokeIndex: st.invokeIndex,
      completeIndex: st.completeIndex ?? null,
      process: st.process,
      node: st.node ?? null,
      invokeUs: nsToUs(st.invokeTimeNs) ?? 0,
      completeUs: nsToUs(st.completeTimeNs),
      mops: st.mops
        .slice(0, MAX_EMBEDDED_MOPS)
        .map((m) => clip(`${m.f} ${showValue(m.key)} ${showValue(m.value)}`, MAX_MOP_TEXT)),
      moreMops: Math.max(0, st.mops.length - MAX_EMBEDDED_MOPS),
      edge: { kind: clip(st.edge.kind, 20), text: capJson(st.edge.text) as string },
    })),
    moreSteps: Math.max(0, cy.cycle.length - MAX_EMBEDDED_STEPS),
    searchTimedOut: cy.searchTimedOut === true,
    sccSize: sccSize(cy) ?? null,
    scc: (cy.scc ?? []).slice(0, MAX_SCC_LISTED),
  };
}

/** An object the page would take for our truncation marker: `{$truncated: string}` and nothing else. */
const looksTruncated = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.keys(v).length === 1 &&
  typeof (v as { $truncated?: unknown }).$truncated === 'string';

/**
 * A value small enough to embed as is (JSON text of at most 200 characters), else `{$truncated: text}`:
 * the first 200 characters of its JSON, then `…` and, for arrays, the item count. An op value that is
 * itself shaped like that marker is embedded as `{$truncated: its full JSON}`, so the page shows it
 * exactly as it is, never as a truncation of something else.
 */
export function compactValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return { $truncated: v.toString() };
  let json: string;
  try {
    json = JSON.stringify(v) ?? 'null';
  } catch {
    // Holds a bigint: the page's JSON.parse would round it, so embed its exact text instead.
    json = stringifyExact(v) ?? 'null';
    if (json.length <= MAX_VALUE) return { $truncated: json };
  }
  if (json.length <= MAX_VALUE) return looksTruncated(v) ? { $truncated: json } : v;
  const n = Array.isArray(v) ? ` (${v.length} items)` : '';
  return { $truncated: `${json.slice(0, MAX_VALUE)}…${n}` };
}

/** Bounds nested checker details so one huge list cannot bloat the page; the full data stays in results.json. */
export function capJson(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return v.length > 4000 ? `${v.slice(0, 4000)}…` : v;
  if (v === null || typeof v !== 'object') return v;
  if (depth > 12) return '…';
  if (Array.isArray(v)) {
    const out = v.slice(0, 2000).map((x) => capJson(x, depth + 1));
    if (v.length > 2000) out.push(`… ${v.length - 2000} more (see results.json)`);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = capJson(x, depth + 1);
  return out;
}

/** Ids into a string table; for tables starting with '' (errors, nodes), absent maps to 0. */
function interner(table: string[]): (s: string | undefined) => number {
  const ids = new Map<string, number>(table.map((s, i) => [s, i]));
  return (s) => {
    if (s === undefined) return 0;
    let id = ids.get(s);
    if (id === undefined) {
      id = table.length;
      table.push(s);
      ids.set(s, id);
    }
    return id;
  };
}

export function opColumns(s: RunSummary): OpColumns {
  const { rows, endNs } = s.rows;
  const cols: OpColumns = {
    startUs: [],
    durationUs: [],
    l: [],
    p: [],
    f: [],
    o: [],
    i: [],
    c: [],
    v: [],
    r: [],
    e: [],
    n: [],
    fs: [],
    errs: [''],
    nodes: [''],
  };
  const fId = interner(cols.fs);
  const errId = interner(cols.errs);
  const nodeId = interner(cols.nodes);
  let prevStartUs = 0;
  let prevIndex = 0;
  for (const r of rows) {
    const startUs = Math.round(r.invoke.time / 1000);
    cols.startUs.push(startUs - prevStartUs);
    prevStartUs = startUs;
    cols.durationUs.push(Math.max(0, Math.round(rowEnd(r, endNs) / 1000) - startUs));
    cols.l.push(r.lane);
    cols.p.push(r.invoke.process === 'nemesis' ? -1 : r.invoke.process);
    cols.f.push(fId(r.invoke.f));
    cols.o.push(OUTCOME[r.outcome]);
    cols.i.push(r.invoke.index - prevIndex);
    prevIndex = r.invoke.index;
    cols.c.push(r.completion ? r.completion.index - r.invoke.index : 0);
    const v = compactValue(r.invoke.value);
    cols.v.push(v);
    const done = r.completion ? compactValue(r.completion.value) : null;
    cols.r.push(r.completion && valueKey(done) !== valueKey(v) ? [done] : 0);
    cols.e.push(errId(r.completion?.error ?? r.invoke.error));
    cols.n.push(nodeId(r.completion?.node ?? r.invoke.node));
  }
  return cols;
}

const str = (v: unknown): string =>
  v === undefined || v === null
    ? ''
    : Array.isArray(v)
      ? v.join(', ')
      : typeof v === 'object'
        ? stringifyExact(v)
        : String(v);

/** Delta encoding: small numbers for sorted sequences, a third of the bytes of absolute positions. */
export const deltas = (xs: readonly number[]): number[] => xs.map((x, k) => (k === 0 ? x : x - xs[k - 1]!));

function embedPerf(p: PerfSeries): ReportData['perf'] {
  return { ...p, scatter: p.scatter.map((g) => ({ f: g.f, outcome: g.outcome, rows: deltas(g.rows) })) };
}

/** The configured fault families, and how many windows the history shows. */
function faultsText(nemesis: unknown, s: RunSummary): string {
  const seen = [...new Set(s.faults.map((w) => w.key))].join(', ');
  const families = str(nemesis) || seen || 'none';
  return s.faults.length
    ? `${families} (${s.faults.length} fault window${s.faults.length === 1 ? '' : 's'})`
    : families;
}

/** A case's data for the page: a cycle in the shape the page draws, anything else capped. */
function embedCaseData(c: AnomalyCase): unknown {
  const cy = cycleData(c);
  return cy ? embedCycle(cy) : capJson(c.data);
}

/** One checker for the page: its anomalies apart (capped), its other details as a capped tree. */
function embedChecker(v: RunSummary['checkers'][number]): ReportData['checkers'][number] {
  const groups = anomalyGroups(v.result);
  const { anomalyTypes: _t, anomalies: _a, anomalyCounts: _c, ...rest } = v.result;
  return {
    name: v.name,
    valid: v.valid,
    summary: v.summary,
    reason: v.reason ?? null,
    result: capJson(groups ? rest : v.result),
    anomalies:
      groups?.map((g) => ({
        type: g.type,
        count: g.count,
        cases: g.cases.slice(0, MAX_EMBEDDED_CASES).map((c) => ({
          ops: c.ops.slice(0, 100),
          explanation: capJson(c.explanation) as string,
          ...(c.data !== undefined ? { data: embedCaseData(c) } : {}),
        })),
      })) ?? null,
  };
}

export function reportData(run: LoadedRun, s: RunSummary): ReportData {
  const t = run.test;
  const c = s.counts;
  const info: [string, string][] = [
    ['system', [t.system, t.mode ? `(${t.mode})` : ''].filter(Boolean).join(' ')],
    ['system version', versionText(t.systemVersion)],
    ['workload', str(t.workload)],
    ['faults', faultsText(t.nemesis, s)],
    ['nodes', str(t.nodes)],
    ['concurrency', str(t.concurrency)],
    ['seed', str(t.seed)],
    ['time limit', t.timeLimit !== undefined ? `${t.timeLimit} s` : ''],
    ['rate', t.rate !== undefined ? `${t.rate} ops/s` : ''],
    ['options', t.options && Object.keys(t.options).length ? JSON.stringify(t.options) : ''],
    [
      'ops',
      `${c.invokes} (ok ${c.ok}, fail ${c.fail}, info ${c.info}${c.pending ? `, pending ${c.pending}` : ''})`,
    ],
    ['started', str(t.startTime)],
    ['duration', `${s.durationS.toFixed(2)} s`],
    ['test file', str(t.testFile)],
    ['faultline', str(t.faultlineVersion)],
    ['node', str(t.nodeVersion)],
  ];
  return {
    version: 1,
    title: s.title,
    generatedAt: new Date().toISOString(),
    verdict: {
      valid: s.valid,
      summary: s.summary,
      runError: s.runError ?? null,
      historyProblems: s.historyProblems.slice(0, 1000),
    },
    checkers: s.checkers.map(embedChecker),
    info: info.filter(([, v]) => v !== ''),
    rerun: s.rerun,
    counts: c,
    threads: s.rows.threads,
    endUs: Math.round(s.rows.endNs / 1000),
    ops: opColumns(s),
    faults: s.faults.map((w) => ({
      key: w.key,
      f: w.f,
      label: w.label,
      value: compactValue(w.value),
      startS: nsToS(w.startNs),
      endS: nsToS(w.endNs),
      open: w.endF === undefined,
      startIndex: w.startIndex,
      endIndex: w.endIndex ?? null,
    })),
    events: s.faultEvents.map((e) => ({
      family: e.family ?? null,
      f: e.f,
      label: e.label,
      tS: nsToS(e.timeNs),
      index: e.index,
    })),
    kinds: run.faults.map((k) => ({
      family: k.family,
      start: k.start,
      stop: k.stop,
      events: k.events,
      value: k.value,
      valueDoc: k.valueDoc,
      color: k.color,
    })),
    perf: embedPerf(perfSeries(s.rows)),
    clock: clockSeries(run.history, run.faults) ?? null,
    files: run.files,
    warnings: [
      ...run.warnings,
      ...(s.rows.orphans ? [`${s.rows.orphans} completions had no matching invocation`] : []),
    ],
  };
}
