/**
 * Reports for a run folder: report.html (self-contained, interactive), junit.xml and summary.md (CI).
 * `writeReports` is called at the end of every run and after `analyze`; `faultline report` rebuilds them.
 */
import { isAbsolute, join, relative, resolve } from 'node:path';
import { REPORT_FILES, writeAtomic } from '../store/run-dir.ts';
import { reportData } from './data.ts';
import { renderHtml } from './html.ts';
import { junitXml } from './junit.ts';
import { type LoadedRun, loadRun, type RunResults } from './load.ts';
import { summaryMarkdown } from './markdown.ts';
import { summarizeRun } from './summary.ts';

export { REPORT_FILES } from '../store/run-dir.ts';

export interface ReportOptions {
  /** How summary.md and junit.xml name the report (default: its path relative to the working directory). */
  reportPath?: string;
  /** Which outputs to write (default all three). */
  only?: ('html' | 'junit' | 'markdown')[];
  /** Report these results instead of the folder's results.json (a re-analysis; see `analyze`). */
  results?: RunResults;
  /** Where `writeReports` writes (default the run folder; a re-analysis writes into analysis/<time>/). */
  outDir?: string;
}

/**
 * The three outputs and the damage found while reading the run folder. From `buildReports`: the texts
 * (empty for outputs not asked for); from `writeReports`: the paths written.
 */
export interface Reports {
  html: string;
  junit: string;
  markdown: string;
  warnings: string[];
}

/** Builds the three outputs in memory (used by `serve` for folders without a report). */
export function buildReports(run: LoadedRun, opts: ReportOptions = {}): Reports {
  const s = summarizeRun(run);
  const reportPath = opts.reportPath ?? displayPath(join(run.runDir, REPORT_FILES.html));
  const want = new Set(opts.only ?? ['html', 'junit', 'markdown']);
  return {
    html: want.has('html') ? renderHtml(reportData(run, s)) : '',
    junit: want.has('junit') ? junitXml(run, s, { reportPath }) : '',
    markdown: want.has('markdown') ? summaryMarkdown(run, s, { reportPath }) : '',
    warnings: run.warnings,
  };
}

/** Relative to the working directory when inside it (results/…), else absolute. */
export function displayPath(p: string): string {
  const rel = relative(process.cwd(), resolve(p));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(p);
}

/**
 * Reads test.json, history.jsonl and results.json from `runDir` (through the store) and writes
 * report.html, junit.xml and summary.md next to them, or into `opts.outDir` with `opts.results` for a
 * re-analysis. Missing or damaged inputs are reported in the page and in `warnings`, never thrown: a
 * crashed run deserves a report most of all. Returns the written paths.
 */
export async function writeReports(runDir: string, opts: ReportOptions = {}): Promise<Reports> {
  const run = await loadRun(runDir);
  if (opts.results) run.results = opts.results;
  const outDir = opts.outDir ?? runDir;
  const out: Reports = {
    html: join(outDir, REPORT_FILES.html),
    junit: join(outDir, REPORT_FILES.junit),
    markdown: join(outDir, REPORT_FILES.markdown),
    warnings: run.warnings,
  };
  // The page lists the folder's files as links relative to itself (a re-analysis page sits two folders
  // down); the outputs about to be written belong in that list.
  const fromPage = (p: string) => relative(outDir, p).split(/[\\/]/).join('/');
  if (outDir !== runDir) run.files = run.files.map((f) => ({ ...f, path: fromPage(join(runDir, f.path)) }));
  for (const p of [out.html, out.junit, out.markdown]) {
    const name = fromPage(p);
    if (!run.files.some((f) => f.path === name)) run.files.push({ path: name, bytes: -1 });
  }
  const built = buildReports(run, { reportPath: displayPath(out.html), ...opts });
  const want = new Set(opts.only ?? ['html', 'junit', 'markdown']);
  if (want.has('html')) writeAtomic(out.html, built.html);
  if (want.has('junit')) writeAtomic(out.junit, built.junit);
  if (want.has('markdown')) writeAtomic(out.markdown, built.markdown);
  return out;
}

export { type LoadedRun, loadRun, type RunResults } from './load.ts';
export { type RunSummary, summarizeRun } from './summary.ts';
