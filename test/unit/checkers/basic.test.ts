import { describe, expect, it } from 'vitest';
import { compose } from '../../../checkers/compose.ts';
import { errorClass, exceptions } from '../../../checkers/exceptions.ts';
import { stats } from '../../../checkers/stats.ts';
import type { Checker } from '../../../src/core/checker.ts';
import { mergeValidity, noAnomalies } from '../../../src/core/checker.ts';
import type { Op } from '../../../src/core/op.ts';

const ctx = { test: { name: 't', concurrency: 1, nodes: [] } };
const ops = (...xs: [Op['type'], string, string?][]): Op[] =>
  xs.map(([type, f, error], index) => ({
    index,
    time: index,
    type,
    process: 0,
    f,
    value: null,
    ...(error ? { error } : {}),
  }));
const fixed = (name: string, valid: true | false | 'unknown'): Checker => ({
  name,
  check: () => ({ valid, ...noAnomalies() }),
});

describe('mergeValidity / compose', () => {
  it('false beats unknown beats true', () => {
    expect(mergeValidity([true, true])).toBe(true);
    expect(mergeValidity([true, 'unknown'])).toBe('unknown');
    expect(mergeValidity(['unknown', false, true])).toBe(false);
    expect(mergeValidity([])).toBe(true);
  });

  it('runs every checker and keeps each result; a crashing checker is unknown, not fatal', async () => {
    const boom: Checker = {
      name: 'boom',
      check: () => {
        throw new Error('kaput');
      },
    };
    const r = await compose([fixed('a', true), boom, fixed('c', false)]).check(ctx, [], {});
    expect(r.valid).toBe(false);
    const results = r.results as Record<string, { valid: unknown; reason?: string }>;
    expect(Object.keys(results)).toEqual(['a', 'boom', 'c']);
    expect(results.boom).toEqual({
      valid: 'unknown',
      reason: 'checker crashed: kaput',
      anomalyTypes: [],
      anomalies: {},
    });
    expect((await compose([fixed('a', true), boom]).check(ctx, [], {})).valid).toBe('unknown');
  });
});

describe('stats', () => {
  it('counts completions per f and is unknown when an f never succeeded', () => {
    const h = ops(
      ['invoke', 'read'],
      ['ok', 'read'],
      ['invoke', 'write'],
      ['fail', 'write'],
      ['invoke', 'write'],
      ['info', 'write'],
    );
    const r = stats.check(ctx, h, {}) as unknown as {
      valid: unknown;
      byF: Record<string, unknown>;
      reason: string;
    };
    expect(r.byF).toEqual({
      read: { count: 1, ok: 1, fail: 0, info: 0 },
      write: { count: 2, ok: 0, fail: 1, info: 1 },
    });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toMatch(/no write op ever succeeded/);
    expect(stats.check(ctx, ops(['invoke', 'read'], ['ok', 'read']), {})).toMatchObject({ valid: true });
  });
});

describe('exceptions', () => {
  it('groups errors that differ only in numbers and keeps an example', () => {
    const h = ops(
      ['invoke', 'read'],
      ['info', 'read', 'timed out after 5000 ms'],
      ['invoke', 'read'],
      ['info', 'read', 'timed out after 7000 ms'],
      ['invoke', 'write'],
      ['fail', 'write', 'connection refused 10.0.0.1:2379'],
    );
    const r = exceptions.check(ctx, h, {}) as unknown as {
      valid: unknown;
      groups: { error: string; count: number; example: Op }[];
    };
    expect(r.valid).toBe(true);
    expect(r.groups.map((g) => [g.error, g.count])).toEqual([
      ['timed out after N ms', 2],
      ['connection refused N', 1],
    ]);
    expect(r.groups[0]!.example.index).toBe(1);
    expect(errorClass('a  b\n c')).toBe('a b c');
  });

  it('keeps an error that is a bare number (a status code) as its own kind', () => {
    const h = ops(
      ['invoke', 'add'],
      ['fail', 'add', '503'],
      ['invoke', 'add'],
      ['fail', 'add', '503'],
      ['invoke', 'add'],
      ['fail', 'add', ' 404 '],
    );
    const r = exceptions.check(ctx, h, {}) as unknown as { summary: string; groups: { error: string }[] };
    expect(r.groups.map((g) => g.error)).toEqual(['503', '404']);
    expect(r.summary).toBe('3 errors in 2 kinds; most: 503 ×2');
    expect(errorClass('timed out after 503 ms')).toBe('timed out after N ms');
  });
});
