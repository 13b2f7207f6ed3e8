/** `faultline analyze <run-dir|history>`: re-checks a stored history; never needs the cluster. */

import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Checker, CheckResult } from '../../../checkers/checker.ts';
import {
  findUninterpretableOp,
  getModel,
  linearizable,
  modelNames,
} from '../../../checkers/linearizable/index.ts';
import { findOpWorkloadCannotCheck } from '../../../workloads/accepts.ts';
import { findWorkload } from '../../../workloads/index.ts';
import { FORMATS, type HistoryFormat, readHistoryFile } from '../../history/formats/index.ts';
import type { Op } from '../../history/op.ts';
import { stringifyExact } from '../../history/values.ts';
import { writeReports } from '../../report/index.ts';
import { exitCodeFor, runCheckers } from '../../runner/run.ts';
import { FILES, readJson, writeJson } from '../../store/run-dir.ts';
import type { ResolvedTest } from '../../test/define.ts';
import { UserError } from '../errors.ts';
import { formatVerdict, invocationCount } from '../print.ts';

export interface AnalyzeFlags {
  format?: string;
  model?: string;
  workload?: string;
  checkerTimeLimit?: number;
  checkerMemoryLimit?: number;
  json?: boolean;
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
  let read: ReturnType<typeof readHistoryFile>;
  try {
    read = readHistoryFile(historyPath, flags.format ? { format: flags.format as HistoryFormat } : {});
  } catch (err) {
    // Bad input, not a faultline failure: one line, exit 254.
    throw new UserError(err instanceof Error ? err.message : String(err));
  }
  for (const w of read.warnings) process.stderr.write(`warning: ${w}\n`);
  const history: Op[] = read.history;

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
    const wl = descriptor.create({
      concurrency: test?.concurrency ?? 1,
      nodes: test?.nodes ?? [],
      rate: test?.rate ?? 0,
      options: test?.options ?? {},
    });
    checker = runCheckers(wl);
  }
  const limit = flags.checkerTimeLimit ?? test?.checkerTimeLimit ?? 300;
  const mem = flags.checkerMemoryLimit ?? test?.checkerMemoryLimit;
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
  let results: CheckResult;
  try {
    results = await checker.check(
      { test: { name: test?.name ?? path, concurrency: test?.concurrency ?? 1, nodes: test?.nodes ?? [] } },
      history,
      { timeLimitMs: limit * 1000, ...(mem ? { memoryLimitBytes: mem * 2 ** 20 } : {}), signal: ac.signal },
    );
  } finally {
    process.off('SIGINT', onInt);
  }
  if (isDir) {
    writeJson(join(path, FILES.results), {
      ...results,
      valid: results.valid,
      analyzedAt: new Date().toISOString(),
    });
    const r = await writeReports(path);
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  }
  if (flags.json) process.stdout.write(`${stringifyExact(results, 2)}\n`);
  else process.stdout.write(formatVerdict(results, invocationCount(history), path));
  return exitCodeFor(results.valid);
}
