/**
 * `faultline analyze <run-dir|history>`: re-checks a stored history; never needs the cluster. A run
 * folder's own results.json is never replaced unless `--overwrite` is given: a re-analysis goes to
 * analysis/<time>/ (results.json and its reports) beside it, keeping the fields a re-check cannot
 * recompute (runError, interrupted, teardownProblems).
 */
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedTest } from '../../config/define.ts';
import type { Checker, CheckResult } from '../../core/checker.ts';
import { errorText, exitCodeFor, UserError } from '../../core/errors.ts';
import type { Op } from '../../core/op.ts';
import {
  FORMATS,
  type HistoryFormat,
  type ReadHistory,
  readHistoryFile,
} from '../../history/formats/index.ts';
import { findWorkload, linearizable, runCheckers } from '../../registry.ts';
import { displayPath, type RunResults, writeReports } from '../../report/index.ts';
import { readHistoryJsonl } from '../../store/history.ts';
import {
  createAnalysisDir,
  FILES,
  INCOMPLETE_RUN,
  readJson,
  runEnded,
  writeJson,
} from '../../store/run-dir.ts';
import { formatVerdict, invocationCount } from '../print.ts';

export interface AnalyzeFlags {
  format?: string;
  model?: string;
  workload?: string;
  checkerTimeLimit?: number;
  checkerMemoryLimit?: number;
  json?: boolean;
  /** Replace the run's own results.json and reports (the replaced results.json is kept under analysis/). */
  overwrite?: boolean;
}

/** Fields of a run's results.json that only the run knows: a re-check keeps them as they were. */
const RUN_FIELDS = ['runError', 'interrupted', 'teardownProblems'] as const;

/** Reads a history through the store's one jsonl reader, or the foreign-format readers. */
async function readAnyHistory(path: string, format: HistoryFormat | undefined): Promise<ReadHistory> {
  try {
    if (format === 'jsonl' || (format === undefined && path.endsWith('.jsonl'))) {
      const r = await readHistoryJsonl(path);
      return { history: r.history, format: 'jsonl', warnings: r.warnings };
    }
    return readHistoryFile(path, format ? { format } : {});
  } catch (err) {
    // Bad input, not a faultline failure: one line, exit 254.
    throw new UserError(errorText(err));
  }
}

export async function analyzeCommand(path: string, flags: AnalyzeFlags): Promise<number> {
  if (!existsSync(path)) throw new UserError(`${path} not found: give a run folder or a history file`);
  const isDir = statSync(path).isDirectory();
  const runDir = isDir ? path : existsSync(join(dirname(path), FILES.test)) ? dirname(path) : undefined;
  const historyPath = isDir ? join(path, FILES.history) : path;
  if (!existsSync(historyPath))
    throw new UserError(`${path} holds no ${FILES.history}: is it a faultline run folder?`);
  const test =
    runDir && existsSync(join(runDir, FILES.test))
      ? readJson<ResolvedTest>(join(runDir, FILES.test))
      : undefined;

  if (flags.format && !(FORMATS as readonly string[]).includes(flags.format)) {
    throw new UserError(`unknown --format ${flags.format}: choose one of ${FORMATS.join(', ')}`);
  }
  const read = await readAnyHistory(historyPath, flags.format as HistoryFormat | undefined);
  for (const w of read.warnings) process.stderr.write(`warning: ${w}\n`);
  const history: Op[] = read.history;

  let checker: Checker;
  const model = flags.model ?? (flags.workload ? undefined : read.model);
  if (model) checker = runCheckers({ checkers: [linearizable({ model })] });
  else {
    const name = flags.workload ?? test?.workload;
    if (!name) {
      throw new UserError(
        `cannot tell how to check ${path}: pass --workload (e.g. set, register) or --model (e.g. cas-register)`,
      );
    }
    const wl = findWorkload(name).create({
      concurrency: test?.concurrency ?? 1,
      nodes: test?.nodes ?? [],
      rate: test?.rate ?? 0,
      options: test?.options ?? {},
    });
    checker = runCheckers(wl);
  }
  const limitS = flags.checkerTimeLimit ?? test?.checkerTimeLimit ?? 300;
  const memMb = flags.checkerMemoryLimit ?? test?.checkerMemoryLimit;
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
  let results: CheckResult;
  try {
    results = await checker.check(
      { test: { name: test?.name ?? path, concurrency: test?.concurrency ?? 1, nodes: test?.nodes ?? [] } },
      history,
      {
        timeLimitMs: limitS * 1000,
        ...(memMb ? { memoryLimitBytes: memMb * 2 ** 20 } : {}),
        signal: ac.signal,
      },
    );
  } finally {
    process.off('SIGINT', onInt);
  }
  const incomplete = test !== undefined && !runEnded(test);
  let wrote: string | undefined;
  if (isDir) {
    try {
      wrote = await storeAnalysis(path, results, flags.overwrite === true);
    } catch (err) {
      // A read-only or damaged folder must not cost the user the verdict just computed.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined) throw err;
      process.stderr.write(
        `warning: the re-analysis could not be stored in ${path} (${code}: ${errorText(err)}); the verdict is only printed\n`,
      );
    }
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else {
    process.stdout.write(formatVerdict(results, invocationCount(history), path));
    if (incomplete) process.stdout.write(`  ${INCOMPLETE_RUN}\n`);
    if (wrote) process.stdout.write(`  ${wrote}\n`);
  }
  return exitCodeFor(results.valid);
}

/**
 * Stores a re-check of run folder `runDir`. The run's own results.json stays unless `overwrite`; the
 * re-analysis (with the run-only fields carried over) goes to analysis/<time>/ with its reports. A run
 * that was never checked (killed before results.json) gets its results in the folder itself. Returns a
 * line saying where the results went.
 */
async function storeAnalysis(runDir: string, results: CheckResult, overwrite: boolean): Promise<string> {
  const storedPath = join(runDir, FILES.results);
  const stored = existsSync(storedPath) ? readStoredResults(storedPath) : undefined;
  const kept: Partial<RunResults> = {};
  for (const k of RUN_FIELDS) if (stored?.[k] !== undefined) Object.assign(kept, { [k]: stored[k] });
  const analysis: RunResults = {
    ...results,
    valid: results.valid,
    ...kept,
    analyzedAt: new Date().toISOString(),
  };
  const warn = (ws: string[]) => {
    for (const w of ws) process.stderr.write(`warning: ${w}\n`);
  };
  if (stored === undefined || overwrite) {
    if (stored !== undefined) {
      const dir = createAnalysisDir(runDir, new Date());
      copyFileSync(storedPath, join(dir, `replaced-${FILES.results}`));
    }
    writeJson(storedPath, analysis);
    warn((await writeReports(runDir)).warnings);
    return stored === undefined
      ? `results: ${displayPath(storedPath)}`
      : `results: ${displayPath(storedPath)} (replaced; the old one is under ${FILES.analysis}/)`;
  }
  const dir = createAnalysisDir(runDir, new Date());
  writeJson(join(dir, FILES.results), analysis);
  warn((await writeReports(runDir, { results: analysis, outDir: dir })).warnings);
  return `re-analysis: ${displayPath(join(dir, FILES.results))} (the run's own ${FILES.results} is unchanged; --overwrite replaces it)`;
}

/** The stored results.json, or undefined when it cannot be parsed (then there is nothing to keep). */
function readStoredResults(path: string): RunResults | undefined {
  try {
    return readJson<RunResults>(path);
  } catch {
    return undefined;
  }
}
