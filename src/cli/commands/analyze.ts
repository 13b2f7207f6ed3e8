/** `faultline analyze <run-dir|history>`: re-checks a stored history; never needs the cluster. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedTest } from '../../config/define.ts';
import { oneLine } from '../../config/options.ts';
import type { Checker, CheckResult } from '../../core/checker.ts';
import { errorText, exitCodeFor, UserError } from '../../core/errors.ts';
import type { Op } from '../../core/op.ts';
import { FORMATS, type HistoryFormat, readHistoryFile } from '../../history/formats/index.ts';
import { findWorkload, linearizable, runCheckers } from '../../registry.ts';
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
    try {
      checker = runCheckers({ checkers: [linearizable({ model })] });
    } catch (err) {
      // An unknown model is the user's to fix (the message lists the known ones).
      throw new UserError(`--model ${oneLine(model)}: ${errorText(err)}`);
    }
  } else {
    const name = flags.workload ?? test?.workload;
    if (!name) {
      throw new UserError(
        `cannot tell how to check ${path}: pass --workload (e.g. set, register) or --model (e.g. cas-register)`,
      );
    }
    const descriptor = findWorkload(name);
    let wl: ReturnType<typeof descriptor.create>;
    try {
      wl = descriptor.create({
        concurrency: test?.concurrency ?? 1,
        nodes: test?.nodes ?? [],
        rate: test?.rate ?? 0,
        options: test?.options ?? {},
      });
    } catch (err) {
      // The stored options do not build this workload (e.g. a hand-edited test.json): the user's to fix.
      throw new UserError(`workload ${name}: ${errorText(err)}`);
    }
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
  // The verdict first: a run folder we cannot write to (read-only, another user's) must not hide it.
  if (flags.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
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
