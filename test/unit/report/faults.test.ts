import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTIN_FAULTS, NEMESES } from '../../../nemeses/index.ts';
import type { FaultKind } from '../../../src/core/nemesis.ts';
import type { Op } from '../../../src/core/op.ts';
import { clockSeries, parseSettings } from '../../../src/report/clock.ts';
import { faultKindsOf } from '../../../src/report/fault-kinds.ts';
import { faultWindows } from '../../../src/report/faults.ts';
import { loadRun } from '../../../src/report/load.ts';
import { syntheticRun } from '../../fixtures/synthetic.ts';
import { historyOf, removeTempDirs, tempDir } from './helpers.ts';

const kinds = (...names: string[]): FaultKind[] => names.flatMap((n) => NEMESES[n]!.faults);
const grudge = { n1: ['n3', 'n4', 'n5'], n2: ['n3', 'n4', 'n5'], n3: ['n1', 'n2'] };

describe('fault windows, from the declared faults', () => {
  it('pairs start-partition with stop-partition, from the start invocation to the stop completion', () => {
    const value = { topology: 'majority', grudge };
    const h = historyOf([
      [0, 'invoke', 0, 'add', 1],
      [100, 'invoke', 'nemesis', 'start-partition', value],
      [110, 'ok', 'nemesis', 'start-partition', value],
      [120, 'ok', 0, 'add', 1],
      [500, 'invoke', 'nemesis', 'stop-partition'],
      [520, 'ok', 'nemesis', 'stop-partition'],
    ]);
    const { windows, events } = faultWindows(h, kinds('partition'));
    expect(events).toEqual([]);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({
      key: 'partition',
      f: 'start-partition',
      startNs: 100e6,
      endNs: 520e6,
      endF: 'stop-partition',
      startIndex: 1,
      endIndex: 5,
    });
    expect(windows[0]!.value).toEqual(value);
  });

  it('draws crash/restart-node, kill/start, pause/resume and set-clock/reset-clock as windows', () => {
    const h = historyOf([
      [0, 'invoke', 'nemesis', 'crash', { nodes: ['n2'] }],
      [1, 'ok', 'nemesis', 'crash', { nodes: ['n2'] }],
      [2, 'invoke', 'nemesis', 'kill', { nodes: ['n1'] }],
      [3, 'ok', 'nemesis', 'kill', { nodes: ['n1'] }],
      [4, 'invoke', 'nemesis', 'pause', { targets: 'primaries' }],
      [5, 'ok', 'nemesis', 'pause', { nodes: ['n3'] }],
      [6, 'invoke', 'nemesis', 'set-clock', { n4: -58 }],
      [7, 'ok', 'nemesis', 'set-clock', { n4: -58 }],
      [8, 'invoke', 'nemesis', 'start', 'all'],
      [9, 'ok', 'nemesis', 'start', { nodes: ['n1'] }],
      [10, 'invoke', 'nemesis', 'restart-node', 'all'],
      [11, 'ok', 'nemesis', 'restart-node', { nodes: ['n2'] }],
      [12, 'invoke', 'nemesis', 'resume', 'all'],
      [13, 'ok', 'nemesis', 'resume', { nodes: ['n3'] }],
      [14, 'invoke', 'nemesis', 'reset-clock', null],
      [15, 'ok', 'nemesis', 'reset-clock', { n1: 0, n2: 0, n3: 0, n4: 0, n5: 0 }],
    ]);
    const { windows, events } = faultWindows(h, BUILTIN_FAULTS);
    expect(events).toEqual([]);
    expect(windows.map((w) => [w.key, w.f, w.startNs / 1e6, w.endNs / 1e6, w.endF])).toEqual([
      ['crash', 'crash', 0, 11, 'restart-node'],
      ['kill', 'kill', 2, 9, 'start'],
      ['pause', 'pause', 4, 13, 'resume'],
      ['clock', 'set-clock', 6, 15, 'reset-clock'],
    ]);
  });

  it('reads only the declarations: undeclared fs are events, and a custom declaration draws its own', () => {
    const h = historyOf([
      [0, 'invoke', 'nemesis', 'crash', { nodes: ['n2'] }],
      [1, 'ok', 'nemesis', 'crash', { nodes: ['n2'] }],
      [2, 'invoke', 'nemesis', 'flood', { rate: 9 }],
      [3, 'ok', 'nemesis', 'flood'],
      [4, 'invoke', 'nemesis', 'compact'],
      [5, 'ok', 'nemesis', 'compact'],
      [6, 'invoke', 'nemesis', 'drain'],
      [7, 'ok', 'nemesis', 'drain'],
    ]);
    // Declared for partitions only: the crash is not drawn as a window.
    const none = faultWindows(h, kinds('partition'));
    expect(none.windows).toEqual([]);
    expect(none.events.map((e) => [e.f, e.family])).toEqual([
      ['crash', undefined],
      ['flood', undefined],
      ['compact', undefined],
      ['drain', undefined],
    ]);
    const flood: FaultKind = {
      family: 'flood',
      start: ['flood'],
      stop: ['drain'],
      events: ['compact'],
      value: { kind: 'none' },
      valueDoc: 'requests per second',
      color: '#123456',
    };
    const custom = faultWindows(h, [flood, ...kinds('crash')]);
    expect(custom.windows.map((w) => [w.key, w.startNs / 1e6, w.endNs / 1e6])).toEqual([
      ['crash', 0, 7],
      ['flood', 2, 7],
    ]);
    expect(custom.events).toMatchObject([{ f: 'compact', family: 'flood', timeNs: 4e6, index: 4 }]);
  });

  it('gives no window to a fault that certainly failed, and runs an unhealed one to the end', () => {
    const h = historyOf([
      [0, 'invoke', 'nemesis', 'crash', { nodes: ['n1'] }],
      [1, 'fail', 'nemesis', 'crash', null, { error: 'this cluster cannot crash a whole node' }],
      [2, 'invoke', 'nemesis', 'crash', { nodes: ['n2'] }],
      [3, 'info', 'nemesis', 'crash', { nodes: ['n2'] }],
      [900, 'invoke', 0, 'read'],
    ]);
    const { windows } = faultWindows(h, kinds('crash'));
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({
      value: { nodes: ['n2'] },
      startNs: 2e6,
      endNs: 900e6,
      endF: undefined,
    });
  });

  it('closes every open window of a family with one stop', () => {
    const h = historyOf([
      [0, 'invoke', 'nemesis', 'kill', { nodes: ['n1'] }],
      [1, 'ok', 'nemesis', 'kill', { nodes: ['n1'] }],
      [2, 'invoke', 'nemesis', 'kill', { nodes: ['n2'] }],
      [3, 'ok', 'nemesis', 'kill', { nodes: ['n2'] }],
      [6, 'invoke', 'nemesis', 'start', 'all'],
      [7, 'ok', 'nemesis', 'start', { nodes: ['n1', 'n2'] }],
    ]);
    const { windows } = faultWindows(h, kinds('kill'));
    expect(windows.map((w) => [w.value, w.endNs / 1e6])).toEqual([
      [{ nodes: ['n1'] }, 7],
      [{ nodes: ['n2'] }, 7],
    ]);
  });
});

describe('fault windows against a brute-force oracle', () => {
  const KINDS = kinds('partition', 'crash', 'clock');
  const FS = [
    'start-partition',
    'stop-partition',
    'crash',
    'restart-node',
    'set-clock',
    'reset-clock',
    'noop',
  ];
  /** Random nemesis op pairs (sequential, as the nemesis thread runs them), with gaps of 1-5 ms. */
  const histories = fc
    .array(
      fc.record({
        f: fc.constantFrom(...FS),
        type: fc.constantFrom('ok' as const, 'fail' as const, 'info' as const),
        gap: fc.integer({ min: 1, max: 5 }),
        took: fc.integer({ min: 0, max: 5 }),
        done: fc.boolean(),
      }),
      { maxLength: 12 },
    )
    .map((steps) => {
      const h: Op[] = [];
      let t = 0;
      steps.forEach((st, k) => {
        t += st.gap * 1e6;
        h.push({ index: h.length, time: t, type: 'invoke', process: 'nemesis', f: st.f, value: null });
        // Only the last op may be left without a completion (the history ended).
        if (!st.done && k === steps.length - 1) return;
        t += st.took * 1e6;
        h.push({ index: h.length, time: t, type: st.type, process: 'nemesis', f: st.f, value: null });
      });
      return h;
    });

  /**
   * Is family `fam` possibly in effect at `t`: some start of it that did not fail was invoked at or before
   * `t`, and no stop of it invoked after that start completed before `t` (an unfinished op runs to the end).
   */
  function covered(h: readonly Op[], fam: string, t: number): boolean {
    const k = KINDS.find((x) => x.family === fam)!;
    const end = Math.max(0, ...h.map((o) => o.time));
    const pairs = h.flatMap((o, i) => {
      if (o.type !== 'invoke') return [];
      const done = h[i + 1]?.type !== 'invoke' ? h[i + 1] : undefined;
      return [{ f: o.f, at: o.time, doneAt: done?.time ?? end, failed: done?.type === 'fail' }];
    });
    return pairs.some(
      (s) =>
        k.start.includes(s.f) &&
        !s.failed &&
        s.at <= t &&
        !pairs.some((x) => k.stop.includes(x.f) && x.at > s.at && x.doneAt < t),
    );
  }

  it('a family is drawn as in effect at exactly the instants the oracle says (property)', () => {
    fc.assert(
      fc.property(histories, (h) => {
        const { windows, events } = faultWindows(h, KINDS);
        // Every op time and the instants between them, up to the end of the history.
        const end = Math.max(0, ...h.map((o) => o.time));
        const times = h.flatMap((o) => [o.time, o.time + 0.5e6]).filter((t) => t <= end);
        for (const fam of ['partition', 'crash', 'clock'])
          for (const t of times) {
            const drawn = windows.some((w) => w.key === fam && w.startNs <= t && t <= w.endNs);
            if (drawn !== covered(h, fam, t)) return false;
          }
        // Events: exactly the undeclared ops that did not fail.
        const noops = h.filter((o, i) => o.type === 'invoke' && o.f === 'noop' && h[i + 1]?.type !== 'fail');
        return events.map((e) => e.index).join() === noops.map((o) => o.index).join();
      }),
      { numRuns: 500 },
    );
  });
});

describe('clock offsets, in seconds', () => {
  it('reads settings: seconds per node, or a strobe', () => {
    expect(parseSettings({ n1: -58, n2: 0.25 })).toEqual({ n1: -58, n2: 0.25 });
    expect(parseSettings({ n1: { strobe: [0, -58], periodMs: 100, durationS: 10 } })).toEqual({
      n1: { strobe: [0, -58] },
    });
    expect(parseSettings('n1')).toBeUndefined();
    expect(parseSettings(['n1'])).toBeUndefined();
    expect(parseSettings(null)).toBeUndefined();
  });

  it('steps per node from the completions (absolute), keeps strobes, and resets to zero', () => {
    const strobe = { strobe: [0, -58], periodMs: 100, durationS: 10 };
    const h = historyOf([
      [1000, 'invoke', 'nemesis', 'set-clock', { n1: -58 }],
      [1001, 'ok', 'nemesis', 'set-clock', { n1: -58 }],
      // A bump's invocation carries deltas; its completion the absolute setting.
      [2000, 'invoke', 'nemesis', 'bump-clock', { n1: 3 }],
      [2001, 'ok', 'nemesis', 'bump-clock', { n1: -55 }],
      [3000, 'invoke', 'nemesis', 'strobe-clock', { n2: strobe }],
      [3001, 'ok', 'nemesis', 'strobe-clock', { n2: strobe }],
      [4000, 'invoke', 'nemesis', 'reset-clock', null],
      [4001, 'ok', 'nemesis', 'reset-clock', { n1: 0, n2: 0 }],
    ]);
    const c = clockSeries(h, BUILTIN_FAULTS)!;
    expect(c.nodes).toEqual(['n1', 'n2']);
    expect(c.tS).toEqual([1.001, 2.001, 3.001, 4.001]);
    expect(c.offsetsS).toEqual({ n1: [-58, -55, -55, 0], n2: [0, 0, -58, 0] });
    expect(c.strobes).toEqual({ n1: [null, null, null, null], n2: [null, null, [0, -58], null] });
  });

  it('is undefined without declared clock faults or clock ops', () => {
    const h = historyOf([
      [0, 'invoke', 'nemesis', 'set-clock', { n1: 5 }],
      [1, 'ok', 'nemesis', 'set-clock', { n1: 5 }],
    ]);
    expect(clockSeries(h, kinds('partition', 'crash'))).toBeUndefined();
    expect(clockSeries(historyOf([[0, 'invoke', 0, 'read']]), BUILTIN_FAULTS)).toBeUndefined();
  });
});

describe('the declarations a report reads', () => {
  it("test.json's faults, else the built-in families'; a damaged list is a warning", () => {
    const warnings: string[] = [];
    expect(faultKindsOf({ faults: kinds('crash') }, warnings)).toEqual(kinds('crash'));
    expect(faultKindsOf({}, warnings)).toEqual(BUILTIN_FAULTS);
    expect(faultKindsOf({ faults: [] }, warnings)).toEqual([]);
    expect(warnings).toEqual([]);
    expect(faultKindsOf({ faults: [{ family: 'x', start: 'x' }] }, warnings)).toEqual(BUILTIN_FAULTS);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^test\.json faults is not a list of fault declarations \(0\.start: /);
  });

  it('the synthetic fixture (real families) gives crash windows and a −58 s clock', async () => {
    const dir = tempDir('faults');
    const fx = await syntheticRun(dir, { ops: 300, duration: 60, faultCount: 6, seed: 3 });
    const run = await loadRun(dir);
    expect(run.faults.map((k) => k.family)).toEqual(['crash', 'partition', 'clock']);
    const { windows, events } = faultWindows(run.history, run.faults);
    expect(events).toEqual([]);
    expect(windows.map((w) => [w.key, w.f, w.startNs, w.endNs])).toEqual(
      fx.faults.map((w) => [w.family, w.f, w.startNs, w.endNs]),
    );
    expect(windows.filter((w) => w.key === 'crash').length).toBeGreaterThan(0);
    const c = clockSeries(run.history, run.faults)!;
    expect(Math.min(...c.nodes.flatMap((n) => c.offsetsS[n]!))).toBe(-58);
  });
});

afterAll(removeTempDirs);
