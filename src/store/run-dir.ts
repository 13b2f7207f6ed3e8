/**
 * The results folder layout: results/<test>/<start-time>/ with results/latest and results/<test>/latest.
 * The store owns the run folder: every file name (FILES), the one writer (`writeAtomic`/`writeJson`),
 * the one history reader (history.ts) and where re-analyses go (`analysisDir`).
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { errorText, UserError } from '../core/errors.ts';
import { parseJsonExact, stringifyExact } from '../history/values.ts';

/** Every name in a run folder. */
export const FILES = {
  /** The resolved test; the runner rewrites it at the very end with `endTime` (the end marker). */
  test: 'test.json',
  history: 'history.jsonl',
  /** The run's own verdict; `analyze` never replaces it unless asked (`--overwrite`). */
  results: 'results.json',
  log: 'faultline.log',
  schedule: 'nemesis-schedule.json',
  nodes: 'nodes',
  report: 'report.html',
  junit: 'junit.xml',
  summary: 'summary.md',
  /** analysis/<time>/: one folder per re-analysis (results.json and its reports). */
  analysis: 'analysis',
  /** results/latest and results/<test>/latest: links to the newest run. */
  latest: 'latest',
} as const;

/** The outputs `writeReports` produces, by kind. */
export const REPORT_FILES = { html: FILES.report, junit: FILES.junit, markdown: FILES.summary } as const;

/** What the outputs say about a run folder whose test.json has no end marker. */
export const INCOMPLETE_RUN = 'incomplete run (no end marker: the process was killed?)';

/**
 * True when test.json carries the runner's end marker (`endTime` with `durationMs`, written together once
 * teardown and the check are over; either one counts). A folder whose test.json has a `startTime` but
 * neither is a run that never finished (killed). Folders without `startTime` are not runs: true.
 */
export function runEnded(test: object): boolean {
  const t = test as { startTime?: unknown; endTime?: unknown; durationMs?: unknown };
  return t.startTime === undefined || typeof t.endTime === 'string' || typeof t.durationMs === 'number';
}

/** A fresh folder for one re-analysis: <runDir>/analysis/<timestamp>[-n]. */
export function createAnalysisDir(runDir: string, at: Date): string {
  const base = join(runDir, FILES.analysis);
  let dir = join(base, timestampName(at));
  for (let i = 1; existsSync(dir); i++) dir = join(base, `${timestampName(at)}-${i}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** 2026-11-23T10:52:00.123Z → 20261123T105200.123Z (sortable, no colons: safe in every filesystem). */
export function timestampName(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '');
}

/** Test names become folder names: keep them readable but harmless. */
export function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return s || 'test';
}

export function createRunDir(resultsDir: string, testName: string, start: Date): string {
  const base = join(resolve(resultsDir), safeName(testName));
  let dir = join(base, timestampName(start));
  // Two runs in the same millisecond (--test-count) must not share a folder.
  for (let i = 1; existsSync(dir); i++) dir = join(base, `${timestampName(start)}-${i}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Points results/latest and results/<test>/latest at runDir (relative links, so the folder can move). */
export function linkLatest(resultsDir: string, runDir: string): void {
  const root = resolve(resultsDir);
  for (const link of [join(root, FILES.latest), join(dirname(runDir), FILES.latest)]) {
    const tmp = `${link}.tmp-${process.pid}`;
    try {
      if (existsSync(tmp) || isLink(tmp)) unlinkSync(tmp);
      symlinkSync(relative(dirname(link), runDir), tmp);
      renameSync(tmp, link); // atomic replace
    } catch {
      // A filesystem without symlinks still has the run folder; latest is a convenience.
    }
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Writes `text` to `path` atomically (a temp file in the same folder, then rename): readers never see half a file. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Writes `value` as indented JSON, atomically. */
export function writeJson(path: string, value: unknown): void {
  writeAtomic(path, `${stringifyExact(value, 2)}\n`);
}

/** True when `dir` looks like a run folder (it holds test.json or history.jsonl). */
export const isRunDir = (dir: string): boolean =>
  existsSync(join(dir, FILES.test)) || existsSync(join(dir, FILES.history));

/** A JSON object file, or undefined when it is missing or damaged (for listings that must not fail). */
export function readJsonIfValid(path: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a run folder's JSON file (test.json, results.json, nemesis-schedule.json). A file that cannot be
 * read or parsed is the user's input gone bad: a one-line UserError naming the file (exit 254).
 */
export function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? errorText(err);
    throw new UserError(`${path}: cannot read it (${code}); check the path and its permissions`);
  }
  try {
    return parseJsonExact(text) as T;
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${errorText(err)}); restore or delete the file`);
  }
}

export function runLabel(runDir: string): string {
  return `${basename(dirname(runDir))}/${basename(runDir)}`;
}
