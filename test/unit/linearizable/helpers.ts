import type { Op } from '../../../src/core/op.ts';

/** Builds a history from compact rows: [process, type, f, value]; index and time are the position. */
export function h(rows: [number | 'nemesis', Op['type'], string, unknown][]): Op[] {
  return rows.map(([process, type, f, value], index) => ({ index, time: index, type, process, f, value }));
}
