/** Reads a run folder for reporting: test.json, history.jsonl (streamed, damage tolerated), results.json. */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import type { CheckResult } from '../core/checker.ts';
import type { Op, OpType } from '../core/op.ts';
import { FILES } from '../store/run-dir.ts';

/** test.json as written by the runner; every field optional because old or hand-made folders vary. */
export interface TestInfo {
  name?: string;
  system?: string;
  mode?: string;
  workload?: string;
  nemesis?: string[] | string;
  nodes?: string[];
  concurrency?: number;
  timeLimit?: number;
  rate?: number;
  seed?: number;
  options?: Record<string, unknown>;
  argv?: string[];
  testFile?: string | null;
  faultlineVersion?: string;
  nodeVersion?: string;
  startTime?: string;
  endTime?: string;
  durationMs?: number;
  interrupted?: boolean;
  error?: string;
  [k: string]: unknown;
}

/** results.json: the composed result; a bare single-checker result is accepted too. */
export interface RunResults extends CheckResult {
  results?: Record<string, CheckResult>;
  runError?: string;
  interrupted?: boolean;
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
 * Streams history.jsonl. A crash mid-write leaves a partial last line: it is dropped with a warning.
 * Damaged lines elsewhere are skipped (and counted) rather than failing the whole report.
 */
export async function readHistoryJsonl(path: string, warnings: string[] = []): Promise<Op[]> {
  const ops: Op[] = [];
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let lastLine = 0;
  const bad: number[] = [];
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    lastLine = lineNo;
    let v: unknown;
    try {
      v = JSON.parse(line);
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
    return JSON.parse(readFileSync(path, 'utf8')) as T;
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
  return { runDir, test, history, results, files: listRunFiles(runDir), warnings };
}
