/** Reads a run folder for reporting: test.json, history.jsonl (through the store's reader), results.json. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ResolvedTest } from '../config/define.ts';
import type { CheckResult } from '../core/checker.ts';
import { errorText } from '../core/errors.ts';
import type { FaultKind } from '../core/nemesis.ts';
import type { Op } from '../core/op.ts';
import { parseJsonExact } from '../history/values.ts';
import { readHistoryJsonl } from '../store/history.ts';
import { FILES } from '../store/run-dir.ts';
import { faultKindsOf } from './fault-kinds.ts';

/**
 * test.json as written by the runner: the resolved test (src/config/define.ts ResolvedTest, whose fields
 * src/config/options.ts declares) plus the run's metadata. Every field optional because old or hand-made
 * folders vary; `nemesis` may be a plain string in old folders.
 */
export type TestInfo = Partial<Omit<ResolvedTest, 'nemesis'>> & {
  nemesis?: string[] | string;
  argv?: string[];
  testFile?: string | null;
  faultlineVersion?: string;
  nodeVersion?: string;
  /** The system under test's version as it reported it after setup; null when unknown (runner: system-version.ts). */
  systemVersion?: string | null;
  startTime?: string;
  endTime?: string;
  durationMs?: number;
  interrupted?: boolean;
  error?: string;
  /** The nemesis's declared faults (FaultKind[]); validated on load, see fault-kinds.ts. */
  faults?: unknown;
  [k: string]: unknown;
};

/**
 * A checker result as results.json holds it: runs from before the anomaly fields lack them, so no
 * field is trusted to be there (renderers read anomalies through anomalyGroups, which validates).
 */
export type StoredResult = Partial<CheckResult>;

/** results.json: the composed result; a bare single-checker result is accepted too. */
export interface RunResults extends StoredResult {
  results?: Record<string, StoredResult>;
  runError?: string;
  interrupted?: boolean;
  teardownProblems?: string[];
  /** When `analyze` wrote this file (absent for the run's own results). */
  analyzedAt?: string;
  /** The run phase a signal arrived in (setup … checking). */
  interruptedPhase?: string;
}

export interface RunFile {
  /** Path relative to the run folder, with forward slashes. */
  path: string;
  bytes: number;
}

export interface LoadedRun {
  runDir: string;
  test: TestInfo;
  history: Op[];
  results: RunResults | undefined;
  /** The faults to draw: test.json's declarations, or the built-in families' when it has none. */
  faults: FaultKind[];
  /** Files in the run folder (nodes/ included), for links. */
  files: RunFile[];
  /** Damage found while reading (truncated last line, unparsable lines, missing files). */
  warnings: string[];
}

const MAX_FILES = 500;

/**
 * The history of a run folder for a report, through the store's one reader. The report never throws on
 * damage (a crashed run deserves a report most of all): a torn last line is a warning, and a bad line
 * elsewhere makes an empty history with the reader's file:line error as a warning.
 */
async function historyForReport(path: string, warnings: string[]): Promise<Op[]> {
  try {
    const r = await readHistoryJsonl(path, FILES.history);
    warnings.push(...r.warnings);
    return r.history;
  } catch (err) {
    warnings.push(`${errorText(err)} (the report shows no ops)`);
    return [];
  }
}

function readJsonFile<T>(path: string, warnings: string[]): T | undefined {
  if (!existsSync(path)) {
    warnings.push(`${relativeName(path)} is missing`);
    return undefined;
  }
  try {
    return parseJsonExact(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    warnings.push(`${relativeName(path)} could not be parsed: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

const relativeName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/** Every file in the run folder (depth-first, sorted, capped), skipping our own outputs' temp files. */
export function listRunFiles(runDir: string): RunFile[] {
  const out: RunFile[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6 || out.length >= MAX_FILES) return;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (out.length >= MAX_FILES) return;
      const p = join(dir, name);
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p, depth + 1);
      else if (st.isFile() && !name.endsWith('.tmp')) {
        out.push({ path: relative(runDir, p).split(/[\\/]/).join('/'), bytes: st.size });
      }
    }
  };
  walk(runDir, 0);
  return out;
}

export async function loadRun(runDir: string): Promise<LoadedRun> {
  const warnings: string[] = [];
  const test = readJsonFile<TestInfo>(join(runDir, FILES.test), warnings) ?? {};
  const historyPath = join(runDir, FILES.history);
  let history: Op[] = [];
  if (existsSync(historyPath)) history = await historyForReport(historyPath, warnings);
  else warnings.push(`${FILES.history} is missing`);
  const results = readJsonFile<RunResults>(join(runDir, FILES.results), warnings);
  const faults = faultKindsOf(test, warnings);
  return { runDir, test, history, results, faults, files: listRunFiles(runDir), warnings };
}
