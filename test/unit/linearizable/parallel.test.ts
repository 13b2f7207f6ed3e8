import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../../checkers/linearizable/index.ts';
import type { Op } from '../../../src/core/op.ts';
import { readHistoryFile } from '../../../src/history/formats/index.ts';
import { porcupineDir } from './helpers.ts';

const DIR = porcupineDir();

/** Per key: n concurrent writes and a concurrent read of a value nobody wrote (≈2^n steps to refute). */
function hardKv(keys: number, n: number): Op[] {
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ ...o, index: h.length, time: h.length });
  for (let k = 0; k < keys; k++) {
    const base = k * (n + 1);
    for (let p = 0; p < n; p++) push({ type: 'invoke', process: base + p, f: 'write', value: [k, p] });
    push({ type: 'invoke', process: base + n, f: 'read', value: [k, null] });
  }
  for (let k = 0; k < keys; k++) {
    const base = k * (n + 1);
    for (let p = 0; p < n; p++) push({ type: 'ok', process: base + p, f: 'write', value: [k, p] });
    push({ type: 'ok', process: base + n, f: 'read', value: [k, -1] });
  }
  return h;
}

describe('partitions in worker threads', () => {
  it.skipIf(!existsSync(DIR))('reaches the same verdicts on kv c50', async () => {
    for (const [file, expected] of [
      ['kv/c50-bad.txt', false],
      ['kv/c50-ok.txt', true],
    ] as const) {
      const { history, model } = readHistoryFile(`${DIR}/${file}`);
      const r = await checkLinearizable(history, model!, { parallel: true, minimize: false });
      expect(r.valid, file).toBe(expected);
      if (!expected) expect(r.failure?.partition).toMatch(/^\d$/);
    }
  });

  it('stops every worker at the time limit and answers unknown', async () => {
    const t0 = performance.now();
    const r = await checkLinearizable(hardKv(2, 40), 'kv', { parallel: true, timeLimitMs: 400 });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/time limit/);
    expect(r.partitions.undecided.length).toBe(2);
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('finds a violation in one partition while another is hopeless', async () => {
    const history = hardKv(2, 40);
    // key 9: a read of a value never written, decided at once
    const n = history.length;
    history.push(
      { index: n, time: n, type: 'invoke', process: 999, f: 'read', value: [9, null] },
      { index: n + 1, time: n + 1, type: 'ok', process: 999, f: 'read', value: [9, 5] },
    );
    const r = await checkLinearizable(history, 'kv', { parallel: true, timeLimitMs: 20_000 });
    expect(r.valid).toBe(false);
    expect(r.partitions.illegal).toEqual(['9']);
  });
});
