import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../../src/core/op.ts';
import { Journal, opJson } from '../../../src/history/journal.ts';
import { closeOpenInvokes, pairOps, partnerIndex } from '../../../src/history/pairs.ts';
import { keyword, stringifyExact } from '../../../src/history/values.ts';

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

describe('opJson (the journal line)', () => {
  it('is exactly the text stringifyExact gives, on the fast path and off it', () => {
    const plain = op(7, 'ok', 3, 'add', 42);
    const cases: unknown[] = [
      plain,
      op(0, 'invoke', 0, 'read', null),
      op(1, 'invoke', 'nemesis', 'start-partition', null),
      op(2, 'ok', 1, 'w', 'a "quoted"\nline \u2028 \ud800'),
      op(3, 'ok', 1, 'weird "f"\\', true),
      op(4, 'fail', 1, 'cas', false),
      op(5, 'ok', 1, 'x', -0),
      op(6, 'ok', 1, 'x', 1.5e-7),
      op(7, 'ok', 1, 'x', 2 ** 60),
      op(8, 'ok', 1, 'x', Number.NaN),
      op(9, 'ok', 1, 'x', Number.POSITIVE_INFINITY),
      op(10, 'ok', 1, 'x', 2n ** 70n),
      op(11, 'ok', 1, 'read', [1, 2, 3]),
      op(12, 'ok', 1, 'read', keyword('k')),
      op(13, 'ok', 1, 'x', undefined),
      { ...plain, node: 'n1' },
      { ...plain, error: 'timeout' },
      { ...plain, fault: 'not-in-effect' },
      { ...plain, error: 'timed out', fault: 'heal-failed' },
      { ...plain, node: 'n"1' },
      { ...plain, 'odd "key"': 1.25 },
      { ...plain, node: undefined },
      { ...plain, node: ['n1'] },
      { ...plain, node: 2n ** 64n },
      { value: 1, index: 0, time: 0, type: 'ok', process: 0, f: 'x' },
      { index: 0, time: 0, type: 'ok', process: 0, f: 'x' },
      { index: 0, time: 0.5, type: 'ok', process: Number.NaN, f: 'x', value: 1 },
      Object.assign(Object.create({ inherited: 1 }), plain),
    ];
    for (const c of cases) expect(opJson(c as Op)).toBe(stringifyExact(c));
    // The fast path really is taken for the plain op (its text has no spaces, keys in order).
    expect(opJson(plain)).toBe('{"index":7,"time":7000,"type":"ok","process":3,"f":"add","value":42}');
    expect(opJson({ ...plain, node: 'n2' })).toBe(
      '{"index":7,"time":7000,"type":"ok","process":3,"f":"add","value":42,"node":"n2"}',
    );
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
