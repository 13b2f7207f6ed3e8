import { type Checker, noAnomalies } from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';

export interface ErrorGroup {
  error: string;
  count: number;
  types: Record<string, number>;
  example: Op;
}

/**
 * Groups errors so that 40,000 identical timeouts read as one line; numbers and addresses are folded. An
 * error that is only a number (a status code such as NATS's `503`) is its own kind and stays as it is:
 * folded, every code would read `N`.
 */
export function errorClass(error: string): string {
  const bare = error.trim();
  if (/^\d+$/.test(bare)) return bare;
  return error
    .replace(/\b\d+(\.\d+)*(:\d+)?\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** Informational: which errors the clients saw, how often, with one example op each. Always valid. */
export const exceptions: Checker = {
  name: 'exceptions',
  check(_ctx, history) {
    const groups = new Map<string, ErrorGroup>();
    for (const op of history) {
      if (op.type === 'invoke' || op.error === undefined) continue;
      const key = errorClass(op.error);
      const g = groups.get(key) ?? { error: key, count: 0, types: {}, example: op };
      g.count++;
      g.types[op.type] = (g.types[op.type] ?? 0) + 1;
      groups.set(key, g);
    }
    const list = [...groups.values()].sort((a, b) => b.count - a.count);
    const n = list.reduce((s, g) => s + g.count, 0);
    return {
      valid: true,
      summary:
        list.length === 0
          ? 'no errors'
          : `${n} errors in ${list.length} kinds; most: ${list[0]!.error} ×${list[0]!.count}`,
      groups: list,
      ...noAnomalies(), // informational: errors are not anomalies
    };
  },
};
