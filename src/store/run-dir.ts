/** The results folder layout: results/<test>/<start-time>/ with results/latest and results/<test>/latest. */

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
import { parseJsonExact, stringifyExact } from '../history/values.ts';

export const FILES = {
  test: 'test.json',
  history: 'history.jsonl',
  results: 'results.json',
  log: 'faultline.log',
  schedule: 'nemesis-schedule.json',
  nodes: 'nodes',
} as const;

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
  for (const link of [join(root, 'latest'), join(dirname(runDir), 'latest')]) {
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

export function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${stringifyExact(value, 2)}\n`);
  renameSync(tmp, path);
}

export function readJson<T>(path: string): T {
  return parseJsonExact(readFileSync(path, 'utf8')) as T;
}

export function runLabel(runDir: string): string {
  return `${basename(dirname(runDir))}/${basename(runDir)}`;
}
