/**
 * `faultline analyze <run-dir|history>`: re-checks a stored history; never needs the cluster. A run
 * folder's own results.json is never replaced unless `--overwrite` is given: a re-analysis goes to
 * analysis/<time>/ (results.json and its reports) beside it, keeping the fields a re-check cannot
 * recompute (runError, interrupted, teardownProblems).
 */
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decideVerdict, shouldCheck } from '../../check/verdict.ts';
import type { ResolvedTest } from '../../config/define.ts';
import { validatePluginOptions } from '../../config/plugin-options.ts';
import type { Checker, CheckResult } from '../../core/checker.ts';
import { errorText, exitCodeFor, UserError } from '../../core/errors.ts';
import type { Op } from '../../core/op.ts';
import {
  FORMATS,
  type HistoryFormat,
  type ReadHistory,
  readHistoryFile,
} from '../../history/formats/index.ts';
import { validateHistory } from '../../history/validate.ts';
import { stringifyExact } from '../../history/values.ts';
import {
  findOpModelCannotCheck,
  findOpWorkloadCannotCheck,
  findWorkload,
  getModel,
  linearizable,
  modelNames,
  runCheckers,
  suggestedChecks,
  withTxnF,
  workloadOptions,
} from '../../registry.ts';
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
  /** The checkers' time budget, seconds (--checker-time-limit). */
  checkerTimeLimit?: number;
  checkerMemoryLimit?: number;
  /** --consistency-models: the models a txn workload's checker checks (overrides the run's). */
  consistencyModels?: string[];
  json?: boolean;
  /** Check what pairs even when the history has impossible ops (they are still listed). */
  allowMalformed?: boolean;
  /** `--opt key=value` workload options, parsed (override the run folder's test.json options). */
  opt?: Record<string, unknown>;
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
      return { history: r.history, format: 'jsonl', warnings: r.warnings, lines: r.lines };
    }
    return readHistoryFile(path, format ? { format } : {});
  } catch (err) {
    // Bad input, not a faultline failure: one line, exit 254.
    throw new UserError(errorText(err));
  }
}

/** Checkers every check gets (see runCheckers) that only inform when re-checking another tool's history. */
const INFORMATIONAL = ['stats', 'exceptions'];

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

  if (flags.model && flags.workload)
    throw new UserError(
      'give either --model or --workload, not both: a model checks linearizability, a workload runs its checkers',
    );
  if (flags.format && !(FORMATS as readonly string[]).includes(flags.format)) {
    throw new UserError(`unknown --format ${flags.format}: choose one of ${FORMATS.join(', ')}`);
  }
  const read = await readAnyHistory(historyPath, flags.format as HistoryFormat | undefined);
  for (const w of read.warnings) process.stderr.write(`warning: ${w}\n`);
  let history: readonly Op[] = read.history;
  const options = { ...(test?.options ?? {}), ...(flags.opt ?? {}) };

  let checker: Checker;
  const model = flags.model ?? (flags.workload ? undefined : read.model);
  if (model) {
    if (flags.consistencyModels)
      throw new UserError(
        `--consistency-models applies to the transactional workloads: give --workload list-append or rw-register instead of --model ${model}`,
      );
    if (!modelNames().includes(model))
      throw new UserError(`unknown --model ${model}: use one of ${modelNames().join(', ')}`);
    // An op of another kind of history is bad input, not a verdict.
    const mismatch = findOpModelCannotCheck(history, getModel(model));
    if (mismatch) {
      const line = read.lines?.[mismatch.position];
      throw new UserError(`${historyPath}${line === undefined ? '' : `:${line}`}: ${mismatch.message}`);
    }
    checker = runCheckers({ checkers: [linearizable({ model })] });
  } else {
    const name = flags.workload ?? test?.workload;
    if (!name) {
      const fits = suggestedChecks(history);
      throw new UserError(
        fits
          ? `cannot tell how to check ${path}: pass ${fits} (the choices that take every op of it)`
          : `cannot tell how to check ${path}: pass --workload (e.g. set, register, list-append) or --model (e.g. cas-register)`,
      );
    }
    const descriptor = findWorkload(name);
    // Elle reads every client op as a txn: ops with no :f (as Elle's own examples) are txns here too.
    if (name === 'list-append' || name === 'rw-register') history = withTxnF(history);
    // The user's --opt keys must be the workload's: a typo would silently change the verdict.
    if (flags.opt) validatePluginOptions(flags.opt, [{ kind: 'workload', name, schema: descriptor.options }]);
    // An op of another kind of history is bad input, not a verdict.
    const mismatch = findOpWorkloadCannotCheck(history, name);
    if (mismatch) {
      const line = read.lines?.[mismatch.position];
      throw new UserError(`${historyPath}${line === undefined ? '' : `:${line}`}: ${mismatch.message}`);
    }
    const wlOptions = workloadOptions(
      descriptor,
      options,
      flags.consistencyModels ?? (name === test?.workload ? test?.consistencyModels : undefined),
    );
    let wl: ReturnType<typeof descriptor.create>;
    try {
      wl = descriptor.create({
        concurrency: test?.concurrency ?? 1,
        nodes: test?.nodes ?? [],
        rate: test?.rate ?? 0,
        // A history from another tool says nothing of its parameters: let the workload infer what it can.
        options: test ? wlOptions : { ...wlOptions, inferFromHistory: true },
      });
    } catch (err) {
      // A workload rejects bad options with a plain Error: that is bad input, not a crash.
      throw new UserError(`workload ${name}: ${errorText(err)} (check the --opt values)`);
    }
    checker = runCheckers(wl);
  }
  const limitS = flags.checkerTimeLimit ?? test?.checkerTimeLimit ?? 300;
  const memMb = flags.checkerMemoryLimit ?? test?.checkerMemoryLimit;
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
  const verdictOpts = {
    historyProblems: validateHistory(history),
    allowMalformed: flags.allowMalformed === true,
    // faultline's own runs keep the stats gate (an f that never succeeded means the test saw nothing);
    // for another tool's history the model or workload the user asked for decides.
    ...(test ? {} : { informational: INFORMATIONAL }),
  };
  let composed: CheckResult | undefined;
  try {
    if (shouldCheck(verdictOpts)) {
      composed = await checker.check(
        { test: { name: test?.name ?? path, concurrency: test?.concurrency ?? 1, nodes: test?.nodes ?? [] } },
        history,
        {
          timeLimitMs: limitS * 1000,
          ...(memMb ? { memoryLimitBytes: memMb * 2 ** 20 } : {}),
          signal: ac.signal,
        },
      );
    }
  } finally {
    process.off('SIGINT', onInt);
  }
  const results = decideVerdict(composed, verdictOpts);
  const incomplete = test !== undefined && !runEnded(test);
  // The verdict first: a run folder we cannot write to (read-only, another user's) must not hide it.
  if (flags.json) process.stdout.write(`${stringifyExact(results, 2)}\n`);
  else {
    process.stdout.write(formatVerdict(results, invocationCount(history), path));
    if (incomplete) process.stdout.write(`  ${INCOMPLETE_RUN}\n`);
  }
  if (isDir) {
    try {
      const wrote = await storeAnalysis(path, results, flags.overwrite === true, read.warnings);
      if (!flags.json) process.stdout.write(`  ${wrote}\n`);
    } catch (err) {
      // A read-only or damaged folder must not cost the user the verdict just computed (printed above).
      const code = (err as NodeJS.ErrnoException).code;
      process.stderr.write(
        `warning: could not store the re-analysis in ${path} (${code ? `${code}: ` : ''}${errorText(err)}); the verdict above stands\n`,
      );
    }
  }
  return exitCodeFor(results.valid);
}

/**
 * Stores a re-check of run folder `runDir`. The run's own results.json stays unless `overwrite`; the
 * re-analysis (with the run-only fields carried over) goes to analysis/<time>/ with its reports. A run
 * that was never checked (killed before results.json) gets its results in the folder itself. Returns a
 * line saying where the results went.
 */
async function storeAnalysis(
  runDir: string,
  results: CheckResult,
  overwrite: boolean,
  printed: readonly string[],
): Promise<string> {
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
  // The report re-reads the history: what reading it already warned about (a torn last line, named by
  // its full path there) is not said twice.
  const warn = (ws: string[]) => {
    for (const w of ws) if (!printed.some((p) => p.endsWith(w))) process.stderr.write(`warning: ${w}\n`);
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
