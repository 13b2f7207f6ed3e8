import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../../src/core/op.ts';
import { Journal } from '../../../src/history/journal.ts';
import { closeOpenInvokes, pairOps, partnerIndex } from '../../../src/history/pairs.ts';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'faultline-journal-')), 'history.jsonl');
const op = (
  index: number,
  type: Op['type'],
  process: Op['process'],
  f = 'add',
  value: unknown = index,
): Op => ({
  index,
  time: index * 1000,
  type,
  process,
  f,
  value,
});
const lines = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean);

describe('Journal', () => {
  it('buffers client ops and writes them within the flush interval', async () => {
    const p = tmp();
    const j = new Journal(p, { flushMs: 20 });
    j.append(op(0, 'invoke', 0));
    j.append(op(1, 'ok', 0));
    expect(lines(p)).toHaveLength(0);
    await delay(80);
    expect(lines(p).map((l) => JSON.parse(l))).toEqual([op(0, 'invoke', 0), op(1, 'ok', 0)]);
    j.close();
  });

  it('writes at once when a nemesis op completes, so fault windows survive a crash', () => {
    const p = tmp();
    const j = new Journal(p, { flushMs: 60_000 });
    j.append(op(0, 'invoke', 'nemesis', 'start-partition'));
    expect(lines(p)).toHaveLength(0);
    j.append(op(1, 'info', 'nemesis', 'start-partition'));
    expect(lines(p)).toHaveLength(2);
    j.close();
  });

  it('close flushes everything and is idempotent', () => {
    const p = tmp();
    const j = new Journal(p, { flushMs: 60_000 });
    for (let i = 0; i < 1000; i++) j.append(op(i, i % 2 ? 'ok' : 'invoke', 0));
    j.close();
    j.close();
    expect(lines(p)).toHaveLength(1000);
    expect(JSON.parse(lines(p)[999]!).index).toBe(999);
  });
});

describe('pairing', () => {
  it('pairs each invoke with the next completion of its process', () => {
    const h = [op(0, 'invoke', 0), op(1, 'invoke', 1), op(2, 'ok', 1), op(3, 'info', 0), op(4, 'invoke', 5)];
    const { pairs, problems } = pairOps(h);
    expect(problems).toEqual([]);
    expect(pairs.map((p) => [p.invoke.index, p.completion?.index])).toEqual([
      [0, 3],
      [1, 2],
      [4, undefined],
    ]);
    expect([...partnerIndex(h)]).toEqual([3, 2, 1, 0, -1]);
  });

  it('reports a completion without an invoke and a double invoke', () => {
    const { problems } = pairOps([op(0, 'ok', 3), op(1, 'invoke', 0), op(2, 'invoke', 0)]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/no open invoke/);
    expect(problems[1]).toMatch(/invoked again/);
  });

  it('closes invokes left open with info completions', () => {
    const closed = closeOpenInvokes([op(0, 'invoke', 0), op(1, 'invoke', 1), op(2, 'ok', 1)]);
    expect(closed).toHaveLength(4);
    expect(closed[3]).toMatchObject({ index: 3, type: 'info', process: 0, f: 'add', value: 0 });
    expect(pairOps(closed).pairs.every((p) => p.completion)).toBe(true);
  });
});
