/**
 * Every tiny example of docs/transactions.md's anomaly table, as a history, gives the anomaly the table
 * names (the real checker, list-append, strict-serializable): the user docs cannot drift from the checker.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTxnHistory } from '../../../checkers/elle/index.ts';
import type { Op } from '../../../src/core/op.ts';

/** Txns on their own processes: all invoked, then all completed (concurrent), or one after another (`serial`). */
type T = { p?: number; inv: unknown[][]; ok: unknown[][]; type?: 'ok' | 'fail' | 'info' };
function hist(txns: T[], serial = false): Op[] {
  // all invoked concurrently, then completed, unless serial
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ index: h.length, time: h.length * 1000, ...o });
  if (serial)
    for (const [i, t] of txns.entries()) {
      push({ type: 'invoke', process: t.p ?? i, f: 'txn', value: t.inv });
      push({ type: t.type ?? 'ok', process: t.p ?? i, f: 'txn', value: t.ok });
    }
  else {
    for (const [i, t] of txns.entries()) push({ type: 'invoke', process: t.p ?? i, f: 'txn', value: t.inv });
    for (const [i, t] of txns.entries())
      push({ type: t.type ?? 'ok', process: t.p ?? i, f: 'txn', value: t.ok });
  }
  return h;
}
const r = (k: string) => ['r', k, null];
/** Anomaly name → the docs' example as txns, and whether they ran one after another. */
const cases: Record<string, [T[], boolean?]> = {
  G0: [
    [
      {
        inv: [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ],
        ok: [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ],
      },
      {
        inv: [
          ['append', 'x', 2],
          ['append', 'y', 2],
        ],
        ok: [
          ['append', 'x', 2],
          ['append', 'y', 2],
        ],
      },
      {
        inv: [r('x'), r('y')],
        ok: [
          ['r', 'x', [1, 2]],
          ['r', 'y', [2, 1]],
        ],
      },
    ],
  ],
  G1a: [
    [
      { inv: [['append', 'x', 1]], ok: [['append', 'x', 1]], type: 'fail' },
      { inv: [r('x')], ok: [['r', 'x', [1]]] },
    ],
    true,
  ],
  G1b: [
    [
      {
        inv: [
          ['append', 'x', 1],
          ['append', 'x', 2],
        ],
        ok: [
          ['append', 'x', 1],
          ['append', 'x', 2],
        ],
      },
      { inv: [r('x')], ok: [['r', 'x', [1]]] },
    ],
    true,
  ],
  G1c: [
    [
      {
        inv: [['append', 'x', 1], r('y')],
        ok: [
          ['append', 'x', 1],
          ['r', 'y', [1]],
        ],
      },
      {
        inv: [['append', 'y', 1], r('x')],
        ok: [
          ['append', 'y', 1],
          ['r', 'x', [1]],
        ],
      },
    ],
  ],
  'G-single': [
    [
      {
        inv: [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ],
        ok: [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ],
      },
      {
        inv: [r('x'), r('y')],
        ok: [
          ['r', 'x', [1]],
          ['r', 'y', []],
        ],
      },
    ],
  ],
  'G2-item': [
    [
      {
        inv: [r('x'), ['append', 'y', 1]],
        ok: [
          ['r', 'x', []],
          ['append', 'y', 1],
        ],
      },
      {
        inv: [r('y'), ['append', 'x', 1]],
        ok: [
          ['r', 'y', []],
          ['append', 'x', 1],
        ],
      },
      {
        inv: [r('x'), r('y')],
        ok: [
          ['r', 'x', [1]],
          ['r', 'y', [1]],
        ],
      },
    ],
  ],
  'G-single-realtime': [
    [
      { inv: [['append', 'x', 1]], ok: [['append', 'x', 1]] },
      { inv: [r('x')], ok: [['r', 'x', []]] },
    ],
    true,
  ],
  internal: [
    [
      {
        inv: [['append', 'x', 1], r('x')],
        ok: [
          ['append', 'x', 1],
          ['r', 'x', []],
        ],
      },
    ],
    true,
  ],
  'future-read': [
    [
      {
        inv: [r('x'), ['append', 'x', 1]],
        ok: [
          ['r', 'x', [1]],
          ['append', 'x', 1],
        ],
      },
    ],
    true,
  ],
  'dirty-update': [
    [
      { inv: [['append', 'x', 1]], ok: [['append', 'x', 1]], type: 'fail' },
      { inv: [['append', 'x', 2]], ok: [['append', 'x', 2]] },
      { inv: [r('x')], ok: [['r', 'x', [1, 2]]] },
    ],
    true,
  ],
  'lost-update': [
    [
      {
        inv: [r('x'), ['append', 'x', 1]],
        ok: [
          ['r', 'x', []],
          ['append', 'x', 1],
        ],
      },
      {
        inv: [r('x'), ['append', 'x', 2]],
        ok: [
          ['r', 'x', []],
          ['append', 'x', 2],
        ],
      },
    ],
  ],
  'duplicate-elements': [
    [
      { inv: [['append', 'x', 1]], ok: [['append', 'x', 1]] },
      { inv: [r('x')], ok: [['r', 'x', [1, 1]]] },
    ],
    true,
  ],
  'incompatible-order': [
    [
      { inv: [['append', 'x', 1]], ok: [['append', 'x', 1]] },
      { inv: [['append', 'x', 2]], ok: [['append', 'x', 2]] },
      { inv: [r('x')], ok: [['r', 'x', [1, 2]]] },
      { inv: [r('x')], ok: [['r', 'x', [2, 1]]] },
    ],
    true,
  ],
  'garbage-read': [[{ inv: [r('x')], ok: [['r', 'x', [9]]] }], true],
};

describe("docs/transactions.md: each anomaly's tiny example", () => {
  for (const [name, [txns, serial]] of Object.entries(cases))
    it(name, () => {
      const r = checkTxnHistory(hist(txns, serial), {
        workload: 'list-append',
        consistencyModels: ['strict-serializable'],
      });
      expect(r.valid).toBe(false);
      expect(r.anomalyTypes).toContain(name);
    });

  it('the docs name every example tested here', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/transactions.md'), 'utf8');
    for (const name of Object.keys(cases))
      expect(doc).toMatch(
        new RegExp(`^\\| (${name.replace('-realtime', '')}|\`-process\`, \`-realtime\`) \\|`, 'm'),
      );
  });
});
