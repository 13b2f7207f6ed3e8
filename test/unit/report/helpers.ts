import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Op, OpType, Process } from '../../../src/core/op.ts';

/** A history builder: ops get dense indices; times are given in ms for readability. */
export function historyOf(
  spec: [ms: number, type: OpType, process: Process, f: string, value?: unknown, extra?: Partial<Op>][],
): Op[] {
  return spec.map(([ms, type, process, f, value, extra], index) => ({
    index,
    time: ms * 1e6,
    type,
    process,
    f,
    value: value ?? null,
    ...extra,
  }));
}

const made: string[] = [];

/** A fresh temporary folder, removed by `removeTempDirs` (call it from afterAll). */
export function tempDir(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `faultline-report-${tag}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}
