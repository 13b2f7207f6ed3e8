import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Op } from '../../../src/core/op.ts';

/** Builds a history from compact rows: [process, type, f, value]; index and time are the position. */
export function h(rows: [number | 'nemesis', Op['type'], string, unknown][]): Op[] {
  return rows.map(([process, type, f, value], index) => ({ index, time: index, type, process, f, value }));
}

/**
 * Porcupine's test data: shared/histories/porcupine beside the checkout, found from the nearest ancestor
 * of this file that has it (a main checkout and a worktree nest differently). A path that does not exist
 * when there is none (the tests that need it skip).
 */
export function porcupineDir(): string {
  let dir = fileURLToPath(new URL('../../..', import.meta.url));
  for (;;) {
    const here = join(dir, 'shared/histories/porcupine');
    if (existsSync(join(here, 'EXPECTED.md'))) return here;
    const up = dirname(dir);
    if (up === dir) return fileURLToPath(new URL('../../../../shared/histories/porcupine', import.meta.url));
    dir = up;
  }
}
