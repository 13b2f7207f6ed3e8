/** `faultline analyze <run-dir|history>`: re-checks a stored history; never needs the cluster. */

import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decideVerdict, shouldCheck } from '../../check/verdict.ts';
import type { ResolvedTest } from '../../config/define.ts';
import type { Checker, CheckResult } from '../../core/checker.ts';
import { errorText, exitCodeFor, UserError } from '../../core/errors.ts';
import type { Op } from '../../core/op.ts';
import { FORMATS, type HistoryFormat, readHistoryFile } from '../../history/formats/index.ts';
import { validateHistory } from '../../history/validate.ts';
import { stringifyExact } from '../../history/values.ts';
import {
  findOpWorkloadCannotCheck,
  findUninterpretableOp,
  findWorkload,
  getModel,
  linearizable,
  modelNames,
  runCheckers,
} from '../../registry.ts';
import { writeReports } from '../../report/index.ts';
import { FILES, readJson, writeJson } from '../../store/run-dir.ts';
import { formatVerdict, invocationCount } from '../print.ts';

export interface AnalyzeFlags {
  format?: string;
  model?: string;
  workload?: string;
  checkerTimeLimit?: number;
  checkerMemoryLimit?: number;
  json?: boolean;
  /** Check what pairs even when the history has impossible ops (they are still listed). */
  allowMalformed?: boolean;
  /** `--opt key=value` workload options, parsed (override the run folder's test.json options). */
  opt?: Record<string, unknown>;
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

  if (flags.format && !(FORMATS as readonly string[]).includes(flags.format)) {
    throw new UserError(`unknown --format ${flags.format}: choose one of ${FORMATS.join(', ')}`);
  }
  let read: ReturnType<typeof readHistoryFile>;
  try {
    read = readHistoryFile(historyPath, flags.format ? { format: flags.format as HistoryFormat } : {});
  } catch (err) {
    // Bad input, not a faultline failure: one line, exit 254.
    throw new UserError(err instanceof Error ? err.message : String(err));
  }
  for (const w of read.warnings) process.stderr.write(`warning: ${w}\n`);
  const history: Op[] = read.history;
  const options = { ...(test?.options ?? {}), ...(flags.opt ?? {}) };

  let checker: Checker;
  const model = flags.model ?? (flags.workload ? undefined : read.model);
  if (model) {
    if (!modelNames().includes(model))
      throw new UserError(`unknown --model ${model}: use one of ${modelNames().join(', ')}`);
    // An op of another kind of history is bad input, not a verdict.
    const mismatch = findUninterpretableOp(history, getModel(model));
    if (mismatch) {
      const line = read.lines?.[mismatch.position];
      throw new UserError(`${historyPath}${line === undefined ? '' : `:${line}`}: ${mismatch.message}`);
    }
    checker = runCheckers({ checkers: [linearizable({ model })] });
  } else {
    const name = flags.workload ?? test?.workload;
    if (!name) {
      throw new UserError(
        `cannot tell how to check ${path}: pass --workload (e.g. set, register) or --model (e.g. cas-register)`,
      );
    }
    const descriptor = findWorkload(name);
    // An op of another kind of history is bad input, not a verdict.
    const mismatch = findOpWorkloadCannotCheck(history, name);
    if (mismatch) {
      const line = read.lines?.[mismatch.position];
      throw new UserError(`${historyPath}${line === undefined ? '' : `:${line}`}: ${mismatch.message}`);
    }
    let wl: ReturnType<typeof descriptor.create>;
    try {
      wl = descriptor.create({
        concurrency: test?.concurrency ?? 1,
        nodes: test?.nodes ?? [],
        rate: test?.rate ?? 0,
        // A history from another tool says nothing of its parameters: let the workload infer what it can.
        options: test ? options : { ...options, inferFromHistory: true },
      });
    } catch (err) {
      // A workload rejects bad options with a plain Error: that is bad input, not a crash.
      throw new UserError(`workload ${name}: ${errorText(err)} (check the --opt values)`);
    }
    checker = runCheckers(wl);
  }
  const limit = flags.checkerTimeLimit ?? test?.checkerTimeLimit ?? 300;
  const mem = flags.checkerMemoryLimit ?? test?.checkerMemoryLimit;
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
        {
          test: { name: test?.name ?? path, concurrency: test?.concurrency ?? 1, nodes: test?.nodes ?? [] },
        },
        history,
        { timeLimitMs: limit * 1000, ...(mem ? { memoryLimitBytes: mem * 2 ** 20 } : {}), signal: ac.signal },
      );
    }
  } finally {
    process.off('SIGINT', onInt);
  }
  const results = decideVerdict(composed, verdictOpts);
  // The verdict first: a run folder we cannot write to (read-only, another user's) must not hide it.
  if (flags.json) process.stdout.write(`${stringifyExact(results, 2)}\n`);
  else process.stdout.write(formatVerdict(results, invocationCount(history), path));
  if (isDir) {
    try {
      writeJson(join(path, FILES.results), {
        ...results,
        valid: results.valid,
        analyzedAt: new Date().toISOString(),
      });
      const r = await writeReports(path);
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    } catch (err) {
      process.stderr.write(
        `warning: could not store the re-analysis in ${path} (${errorText(err)}); the verdict above stands\n`,
      );
    }
  }
  return exitCodeFor(results.valid);
}
