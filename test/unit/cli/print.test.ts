/** The terminal's verdict lines render the one anomaly shape, and nothing for results without it. */
import { describe, expect, it } from 'vitest';
import { formatVerdict } from '../../../src/cli/print.ts';

const lost = (i: number) => ({
  ops: [i, 99],
  explanation: `the add of ${i} was acknowledged (#${i}) but the final read (#99) lacks it`,
});

describe('formatVerdict', () => {
  it('lists each false checker’s anomaly types with their first cases and how many more', () => {
    const text = formatVerdict(
      {
        valid: false,
        summary: 'set: INVALID',
        anomalyTypes: ['set/lost'],
        anomalies: { 'set/lost': [lost(1)] },
        results: {
          set: {
            valid: false,
            summary: '9 LOST',
            anomalyTypes: ['lost'],
            anomalies: { lost: [1, 2, 3, 4, 5, 6].map(lost) },
            anomalyCounts: { lost: 9 },
          },
          stats: { valid: true, summary: '10 ops', anomalyTypes: [], anomalies: {} },
        },
      },
      10,
      'results/x',
    );
    expect(text).toBe(
      [
        'INVALID  10 ops  results/x',
        '  set            INVALID  9 LOST',
        '  stats          VALID    10 ops',
        '  set: lost (9)',
        ...[1, 2, 3, 4, 5].map(
          (i) => `    the add of ${i} was acknowledged (#${i}) but the final read (#99) lacks it`,
        ),
        '    … 4 more in results.json',
        '',
      ].join('\n'),
    );
  });

  it('a bare result: its own anomalies; a result without the fields: its summary line only', () => {
    const bare = formatVerdict(
      { valid: false, summary: '1 LOST', anomalyTypes: ['lost'], anomalies: { lost: [lost(3)] } },
      4,
      'h.jsonl',
    );
    expect(bare).toContain('  1 LOST\n  lost (1)\n    the add of 3 was acknowledged (#3)');
    const old = formatVerdict(
      { valid: false, results: { set: { valid: false, summary: '1 LOST', lost: [3] } } },
      4,
      'h',
    );
    expect(old).toBe('INVALID  4 ops  h\n  set            INVALID  1 LOST\n');
  });

  it('an unknown reason the summary already says is printed once', () => {
    const text = formatVerdict(
      {
        valid: 'unknown',
        results: {
          linearizable: { valid: 'unknown', summary: 'unknown: cancelled', reason: 'cancelled' },
          'total-queue': { valid: 'unknown', summary: '1 LOST', reason: 'no drain completed' },
        },
      } as never,
      4,
      'h',
    );
    expect(text).toContain('  linearizable   UNKNOWN  unknown: cancelled\n');
    expect(text).toContain('1 LOST (no drain completed)');
  });
});
