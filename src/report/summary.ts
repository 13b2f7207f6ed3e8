/** What every output (HTML, JUnit, Markdown) says about a run: verdicts, counts, faults, how to re-run. */
import type { Validity } from '../core/checker.ts';
import { INCOMPLETE_RUN, runEnded } from '../store/run-dir.ts';
import { shellQuote } from './escape.ts';
import { type FaultEvent, type FaultWindow, faultWindows } from './faults.ts';
import type { LoadedRun, StoredResult, TestInfo } from './load.ts';
import { buildRows, type Rows } from './rows.ts';

export interface CheckerVerdict {
  name: string;
  valid: Validity;
  summary: string;
  reason: string | undefined;
  /** As stored: its anomalies are read with anomalyGroups (absent in results.json of older runs). */
  result: StoredResult;
}

export interface RunSummary {
  title: string;
  valid: Validity;
  summary: string;
  checkers: CheckerVerdict[];
  /**
   * The run itself failed, was interrupted, or never finished (INCOMPLETE_RUN: test.json has no end
   * marker); the verdict then covers only what was recorded.
   */
  runError: string | undefined;
  /** Impossible ops in the history (results.json `historyProblems`, see src/history/validate.ts), as sentences. */
  historyProblems: string[];
  counts: { ops: number; invokes: number; ok: number; fail: number; info: number; pending: number };
  /** Seconds: the test.json duration, else the span of the history. */
  durationS: number;
  faults: FaultWindow[];
  faultEvents: FaultEvent[];
  rerun: string;
  rows: Rows;
}

export function normalizeValidity(v: unknown): Validity {
  return v === true || v === 'true' ? true : v === false || v === 'false' ? false : 'unknown';
}

/** Per-checker results: results.json's `results` map, or the file itself when it is a bare checker result. */
export function checkerVerdicts(results: LoadedRun['results']): CheckerVerdict[] {
  if (!results) return [];
  const per =
    results.results && typeof results.results === 'object'
      ? Object.entries(results.results)
      : [['result', results] as [string, StoredResult]];
  return per.map(([name, r]) => {
    const res: StoredResult =
      r && typeof r === 'object' ? r : { valid: 'unknown', reason: 'no result recorded' };
    return {
      name,
      valid: normalizeValidity(res.valid),
      summary: typeof res.summary === 'string' ? res.summary : '',
      reason: typeof res.reason === 'string' ? res.reason : undefined,
      result: res,
    };
  });
}

const RERUN_DROP = new Set(['--seed', '--test-count']);

/** The command that re-runs this exact test: the recorded argv with this run's seed, else the recorded fields. */
export function rerunCommand(test: TestInfo): string {
  const args: string[] = [];
  if (Array.isArray(test.argv) && test.argv[0] === 'run') {
    for (let i = 0; i < test.argv.length; i++) {
      const a = String(test.argv[i]);
      if (RERUN_DROP.has(a)) i++;
      else if (![...RERUN_DROP].some((d) => a.startsWith(`${d}=`))) args.push(a);
    }
  } else {
    args.push('run');
    if (test.testFile) args.push(test.testFile);
    const flag = (name: string, v: unknown) => {
      if (v !== undefined && v !== null && v !== '') args.push(`--${name}`, String(v));
    };
    flag('system', test.system);
    flag('mode', test.mode);
    flag('workload', test.workload);
    flag('nemesis', Array.isArray(test.nemesis) ? test.nemesis.join(',') || 'none' : test.nemesis);
    flag('nodes', Array.isArray(test.nodes) ? test.nodes.join(',') : undefined);
    flag('concurrency', test.concurrency);
    flag('time-limit', test.timeLimit);
    flag('rate', test.rate);
    for (const [k, v] of Object.entries(test.options ?? {})) {
      args.push('--opt', `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    }
  }
  if (typeof test.seed === 'number') args.push('--seed', String(test.seed));
  return ['npx', 'faultline', ...args].map(shellQuote).join(' ');
}

/** The messages of results.json's `historyProblems` (anything else there is ignored). */
export function problemMessages(x: unknown): string[] {
  if (!Array.isArray(x)) return [];
  return x.flatMap((p) =>
    p && typeof p === 'object' && typeof (p as { message?: unknown }).message === 'string'
      ? [(p as { message: string }).message]
      : [],
  );
}

export function summarizeRun(run: LoadedRun): RunSummary {
  const checkers = checkerVerdicts(run.results);
  const runError =
    typeof run.results?.runError === 'string'
      ? run.results.runError
      : run.results?.interrupted
        ? typeof run.results.interruptedPhase === 'string'
          ? `run interrupted during ${run.results.interruptedPhase}`
          : 'run interrupted'
        : typeof run.test.error === 'string'
          ? run.test.error
          : runEnded(run.test)
            ? undefined
            : INCOMPLETE_RUN;
  const valid = run.results ? normalizeValidity(run.results.valid) : 'unknown';
  const rows = buildRows(run.history, run.test.concurrency);
  const counts = { ops: run.history.length, invokes: 0, ok: 0, fail: 0, info: 0, pending: 0 };
  for (const r of rows.rows) {
    if (r.lane < 0) continue;
    counts.invokes++;
    counts[r.outcome]++;
  }
  const { windows, events } = faultWindows(run.history, run.faults);
  const durationS = typeof run.test.durationMs === 'number' ? run.test.durationMs / 1000 : rows.endNs / 1e9;
  const summary =
    typeof run.results?.summary === 'string'
      ? run.results.summary
      : run.results
        ? ''
        : 'no results.json: the history was not checked';
  return {
    title: run.test.name ?? 'faultline run',
    valid,
    summary,
    checkers,
    runError,
    historyProblems: problemMessages(run.results?.historyProblems),
    counts,
    durationS,
    faults: windows,
    faultEvents: events,
    rerun: rerunCommand(run.test),
    rows,
  };
}

/** test.json's systemVersion as shown: the text, `unknown` when recorded as null, '' (row dropped) when absent (older runs). */
export function versionText(v: unknown): string {
  if (typeof v === 'string') return v;
  return v === null ? 'unknown' : '';
}

export const VERDICT_WORD: Record<string, string> = { true: 'VALID', false: 'INVALID', unknown: 'UNKNOWN' };
export const verdictWord = (v: Validity): string => VERDICT_WORD[String(v)] ?? 'UNKNOWN';
