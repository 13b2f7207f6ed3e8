import { describe, expect, it } from 'vitest';
import { clockSeries, parseOffsets } from '../../../src/report/clock.ts';
import { faultRole, faultWindows } from '../../../src/report/faults.ts';
import { historyOf } from './helpers.ts';

describe('fault windows', () => {
  it('pairs start-X with stop-X, from the start invocation to the stop completion', () => {
    const grudge = { n1: ['n2', 'n3'] };
    const h = historyOf([
      [0, 'invoke', 0, 'add', 1],
      [100, 'invoke', 'nemesis', 'start-partition', grudge],
      [110, 'ok', 'nemesis', 'start-partition', grudge],
      [120, 'ok', 0, 'add', 1],
      [500, 'invoke', 'nemesis', 'stop-partition'],
      [520, 'ok', 'nemesis', 'stop-partition'],
    ]);
    const { windows, events } = faultWindows(h);
    expect(events).toEqual([]);
    expect(windows).toHaveLength(1);
    const w = windows[0]!;
    expect(w).toMatchObject({
      key: 'partition',
      f: 'start-partition',
      start: 100e6,
      end: 520e6,
      endF: 'stop-partition',
      startIndex: 1,
      endIndex: 5,
    });
    expect(w.value).toEqual(grudge);
    expect(w.label).toBe('start-partition {"n1":["n2","n3"]}');
  });

  it('knows kill/restart, pause/resume and the clock faults', () => {
    const h = historyOf([
      [0, 'invoke', 'nemesis', 'kill', ['n1']],
      [1, 'ok', 'nemesis', 'kill', ['n1']],
      [2, 'invoke', 'nemesis', 'pause', ['n2']],
      [3, 'ok', 'nemesis', 'pause', ['n2']],
      [4, 'invoke', 'nemesis', 'restart', ['n1']],
      [5, 'ok', 'nemesis', 'restart', ['n1']],
      [6, 'invoke', 'nemesis', 'resume', ['n2']],
      [7, 'ok', 'nemesis', 'resume', ['n2']],
      [8, 'invoke', 'nemesis', 'start-clock', { n1: 100 }],
      [9, 'ok', 'nemesis', 'start-clock', { n1: 100 }],
      [10, 'invoke', 'nemesis', 'reset-clock'],
      [11, 'ok', 'nemesis', 'reset-clock'],
    ]);
    const ws = faultWindows(h).windows.map((w) => [w.key, w.start / 1e6, w.end / 1e6]);
    expect(ws).toEqual([
      ['kill', 0, 5],
      ['pause', 2, 7],
      ['clock', 8, 11],
    ]);
  });

  it('gives no window to a fault that certainly failed, and runs an unhealed one to the end', () => {
    const h = historyOf([
      [0, 'invoke', 'nemesis', 'start-partition', 'majority'],
      [1, 'fail', 'nemesis', 'start-partition', 'majority', { error: 'iptables missing' }],
      [2, 'invoke', 'nemesis', 'start-partition', 'minority'],
      [3, 'info', 'nemesis', 'start-partition', 'minority'],
      [900, 'invoke', 0, 'read'],
    ]);
    const { windows } = faultWindows(h);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ value: 'minority', start: 2e6, end: 900e6, endF: undefined });
  });

  it('closes every open window of a family with one stop, and keeps other ops as events', () => {
    const h = historyOf([
      [0, 'invoke', 'nemesis', 'kill', 'n1'],
      [1, 'ok', 'nemesis', 'kill', 'n1'],
      [2, 'invoke', 'nemesis', 'kill', 'n2'],
      [3, 'ok', 'nemesis', 'kill', 'n2'],
      [4, 'invoke', 'nemesis', 'compact'],
      [5, 'ok', 'nemesis', 'compact'],
      [6, 'invoke', 'nemesis', 'start'],
      [7, 'ok', 'nemesis', 'start'],
    ]);
    const { windows, events } = faultWindows(h);
    expect(windows.map((w) => [w.value, w.end / 1e6])).toEqual([
      ['n1', 7],
      ['n2', 7],
    ]);
    expect(events).toMatchObject([{ f: 'compact', time: 4e6, index: 4 }]);
  });

  it('classifies nemesis functions', () => {
    expect(faultRole('start-partition')).toEqual({ open: 'partition' });
    expect(faultRole('stop-partition')).toEqual({ close: 'partition' });
    expect(faultRole('bump-clock')).toEqual({ open: 'clock' });
    expect(faultRole('start-clock')).toEqual({ open: 'clock' });
    expect(faultRole('reset-clock')).toEqual({ close: 'clock' });
    expect(faultRole('kill-primary')).toEqual({ open: 'kill' });
    expect(faultRole('noop')).toBeUndefined();
  });
});

describe('clock offsets', () => {
  it('accepts several value shapes', () => {
    expect(parseOffsets({ n1: 5, n2: -3 })).toEqual({ n1: 5, n2: -3 });
    expect(parseOffsets({ offsets: { n1: 5 } })).toEqual({ n1: 5 });
    expect(parseOffsets([{ node: 'n1', delta: 7 }])).toEqual({ n1: 7 });
    expect(parseOffsets([['n2', 9]])).toEqual({ n2: 9 });
    expect(parseOffsets('n1')).toBeUndefined();
    expect(parseOffsets(null)).toBeUndefined();
  });

  it('steps per node and resets to zero', () => {
    const h = historyOf([
      [1000, 'invoke', 'nemesis', 'bump-clock', { n1: 200 }],
      [1001, 'ok', 'nemesis', 'bump-clock'],
      [2000, 'invoke', 'nemesis', 'bump-clock'],
      [2001, 'ok', 'nemesis', 'bump-clock', { n2: -50 }],
      [3000, 'invoke', 'nemesis', 'reset-clock'],
      [3001, 'ok', 'nemesis', 'reset-clock'],
    ]);
    const c = clockSeries(h)!;
    expect(c.nodes).toEqual(['n1', 'n2']);
    expect(c.t).toEqual([1.001, 2.001, 3.001]);
    expect(c.offsets).toEqual({ n1: [200, 200, 0], n2: [null, -50, 0] });
  });

  it('is undefined without clock ops', () => {
    expect(clockSeries(historyOf([[0, 'invoke', 0, 'read']]))).toBeUndefined();
  });
});
