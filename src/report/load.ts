/** Reads a run folder for reporting: test.json, history.jsonl (streamed, damage tolerated), results.json. */

import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ResolvedTest } from '../config/define.ts';
import type { CheckResult } from '../core/checker.ts';
import type { FaultKind } from '../core/nemesis.ts';
import type { Op, OpType } from '../core/op.ts';
import { parseJsonExact } from '../history/values.ts';
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

const TYPES = new Set<OpType>(['invoke', 'ok', 'fail', 'info']);
const MAX_WARNINGS = 20;
const MAX_FILES = 500;

function isOp(x: unknown): x is Op {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return (
    typeof o.time === 'number' &&
    TYPES.has(o.type as OpType) &&
    typeof o.f === 'string' &&
    (typeof o.process === 'number' || o.process === 'nemesis')
  );
}

/**
 * The lines of a JSONL file, split on LF only (a CR before it is dropped). Not node:readline: it also
 * ends lines at U+2028/U+2029, which JSON.stringify leaves raw inside strings, so an op whose value holds
 * one was cut in two and lost.
 */
export async function* jsonlLines(path: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    const parts = (rest + (chunk as string)).split('\n');
    rest = parts.pop()!;
    for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
  }
  if (rest !== '') yield rest;
}

/**
 * Streams history.jsonl. A crash mid-write leaves a partial last line: it is dropped with a warning.
 * Damaged lines elsewhere are skipped (and counted) rather than failing the whole report.
 */
export async function readHistoryJsonl(path: string, warnings: string[] = []): Promise<Op[]> {
  const ops: Op[] = [];
  const rl = jsonlLines(path);
  let lineNo = 0;
  let lastLine = 0;
  const bad: number[] = [];
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    lastLine = lineNo;
    let v: unknown;
    try {
      v = parseJsonExact(line);
    } catch {
      v = undefined;
    }
    if (!isOp(v)) {
      bad.push(lineNo);
      continue;
    }
    if (typeof v.index !== 'number') v.index = ops.length;
    ops.push(v);
  }
  for (const n of bad.slice(0, MAX_WARNINGS)) {
    warnings.push(
      n === lastLine
        ? `history.jsonl ends with a truncated or damaged line (${n}); it was ignored`
        : `history.jsonl line ${n} is not a valid op; skipped`,
    );
  }
  if (bad.length > MAX_WARNINGS) warnings.push(`… ${bad.length - MAX_WARNINGS} more damaged lines skipped`);
  return ops;
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
  if (existsSync(historyPath)) history = await readHistoryJsonl(historyPath, warnings);
  else warnings.push(`${FILES.history} is missing`);
  const results = readJsonFile<RunResults>(join(runDir, FILES.results), warnings);
  const faults = faultKindsOf(test, warnings);
  return { runDir, test, history, results, faults, files: listRunFiles(runDir), warnings };
}
