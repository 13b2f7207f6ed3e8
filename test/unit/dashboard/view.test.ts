import { render } from 'ink-testing-library';
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardLines } from '../../../src/dashboard/lines.ts';
import { DashboardState } from '../../../src/dashboard/state.ts';
import { Dashboard, type DashboardProps } from '../../../src/dashboard/view.ts';
import { MS, S, Script, TEST } from './script.ts';

const h = React.createElement;
let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

/** Renders the dashboard for `state` at `nowNs`; returns a function that renders it again later. */
function mount(state: DashboardState, extra: Partial<DashboardProps> = {}) {
  const props = (nowNs: number): DashboardProps => ({ test: TEST, state, nowNs, width: 110, ...extra });
  const r = render(h(Dashboard, props(0)));
  unmount = r.unmount;
  return {
    at(nowNs: number, more: Partial<DashboardProps> = {}): string {
      r.rerender(h(Dashboard, { ...props(nowNs), ...more }));
      return r.lastFrame() ?? '';
    },
  };
}

/** The first line of `frame` holding `word` as a whole word. */
const nodeLine = (frame: string, node: string) =>
  frame.split('\n').find((l) => new RegExp(`^(nodes)?\\s+${node}\\s+(up|killed|paused)`).test(l)) ?? '';
const line = (frame: string, word: string) =>
  frame.split('\n').find((l) => l.split(/\s+/).includes(word)) ?? '';

describe('Dashboard (ink) over a scripted run', () => {
  it('shows the header, phases, counts, faults, nodes, checking and the verdict as the run goes', () => {
    const s = new DashboardState(TEST);
    const sc = new Script();
    const ui = mount(s, { keys: true });

    sc.phase('setup', 0).flush(s);
    let f = ui.at(0.5 * S);
    expect(f).toContain('faultline ▸ memory-set');
    expect(f).toContain('system memory (honest) · workload set · 5 nodes · concurrency 4 · seed 42');
    expect(f).toMatch(/ setup +›/);
    expect(f).toContain('faults      none');
    expect(f).toContain('q quit · ? help');

    sc.phase('running', 1 * S)
      .load(1 * S, 4 * S, 300, 'add', 2 * MS)
      .load(1 * S, 4 * S, 30, 'read', 5 * MS)
      .flush(s);
    f = ui.at(4 * S);
    expect(f).toMatch(/› +running +›/);
    expect(f).toContain('elapsed 4.0s  main 3.0s of 30.0s  remaining 27.0s');
    expect(f).toContain('10%');
    expect(line(f, 'add')).toMatch(/add\s+300\s+0\s+0\s+300/);
    expect(line(f, 'read')).toMatch(/read\s+30\s+0\s+0\s+30/);
    expect(line(f, 'total')).toMatch(/total\s+330\s+0\s+0\s+330/);
    expect(f).toMatch(/throughput\s+110 ops\/s/);
    expect(f).toMatch(/p50 2\.\d\dms\s+p95 \d\.\d\dms\s+p99 5\.\d\dms/);

    // A partition starts, a node is killed, counts keep climbing.
    sc.nemesis(4 * S, 'start-partition', 'majority', {
      n1: ['n3', 'n4', 'n5'],
      n2: ['n3', 'n4', 'n5'],
      n3: ['n1', 'n2'],
      n4: ['n1', 'n2'],
      n5: ['n1', 'n2'],
    })
      .nemesis(5 * S, 'kill', ['n4'])
      .load(4 * S, 6 * S, 200, 'add', 2 * MS)
      .call(1, 'add', 6 * S, 5 * S, 'info')
      .flush(s);
    f = ui.at(11.01 * S);
    expect(line(f, 'faults')).toMatch(/faults\s+partition\s+n1 n2 \| n3 n4 n5\s+for 7\.0s/);
    expect(f).toMatch(/kill\s+n4\s+for 6\.0s/);
    expect(nodeLine(f, 'n4')).toMatch(/n4\s+killed\s+for 6\.0s\s+side B drops n1,n2/);
    expect(nodeLine(f, 'n1')).toMatch(/n1\s+up\s+side A drops n3,n4,n5/);
    expect(line(f, 'add')).toMatch(/add\s+500\s+0\s+1\s+501/);

    // The partition heals, the node restarts.
    sc.nemesis(12 * S, 'stop-partition', null)
      .nemesis(12 * S, 'start', ['n4'])
      .flush(s);
    f = ui.at(13 * S);
    expect(line(f, 'faults')).toMatch(/faults\s+none/);
    expect(nodeLine(f, 'n4')).toMatch(/n4\s+up/);
    expect(f).not.toContain('side');

    sc.phase('healing', 31 * S)
      .phase('recovering', 31.1 * S)
      .phase('final', 33 * S)
      .phase('teardown', 34 * S)
      .phase('checking', 35 * S)
      .flush(s);
    f = ui.at(37 * S);
    expect(f).toMatch(/› +checking *$/m);
    expect(f).toContain('remaining 0.0s');
    expect(f).toContain('100%');
    expect(f).toMatch(/checking 535 ops: 2\.0s\s+budget 5m00s/);

    sc.phase('done', 38 * S)
      .verdict(false, 'results/memory-set/20261123T110000', '3 lost adds')
      .flush(s);
    f = ui.at(38 * S, { keys: false });
    expect(f).toMatch(/verdict\s+INVALID\s+3 lost adds/);
    expect(f).toContain('report      results/memory-set/20261123T110000');
    expect(f).toContain('checked 535 ops in');
    expect(f).not.toContain('q quit');
  });

  it('shows a nemesis op in flight, clock offsets, and log lines without escape codes', () => {
    const s = new DashboardState(TEST);
    new Script()
      .phase('running', 0)
      .nemesis(1 * S, 'bump-clock', { n2: 0.25 })
      .op(2 * S, 'invoke', 'nemesis', 'pause', 'n3')
      .log('warn', 'client n3: \x1b[31mslow\x1b[0m reply')
      .flush(s);
    const f = mount(s).at(3 * S);
    expect(f).toMatch(/clock\s+n2 \+250ms/);
    expect(f).toContain('… pause (1.0s)');
    expect(nodeLine(f, 'n2')).toContain('clock +250ms');
    expect(f).toContain('warn client n3: slow reply');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for them
    expect(line(f, 'log')).not.toMatch(/\x1b/);
  });

  it('fits a short terminal by dropping detail: logs first, then node rows', () => {
    const nodes = Array.from({ length: 9 }, (_, i) => `n${i + 1}`);
    const test = { ...TEST, nodes };
    const s = new DashboardState(test);
    const sc = new Script()
      .phase('running', 0)
      .load(0, 1 * S, 10, 'add')
      .load(0, 1 * S, 10, 'read');
    for (let i = 0; i < 4; i++) sc.log('warn', `warning ${i}`);
    sc.nemesis(0.5 * S, 'kill', { nodes: ['n7'] }).flush(s);
    const r = render(h(Dashboard, { test, state: s, nowNs: 1 * S, width: 110, height: 40, keys: true }));
    unmount = r.unmount;
    const tall = r.lastFrame() ?? '';
    expect(tall).toContain('warning 3');
    expect(tall).toMatch(/n9\s+up/);
    // 25 lines wanted, 23 allowed: the two oldest log lines go.
    r.rerender(h(Dashboard, { test, state: s, nowNs: 1 * S, width: 110, height: 24, keys: true }));
    const short = r.lastFrame() ?? '';
    expect(short.split('\n').length).toBeLessThan(24);
    expect(short).toContain('warning 2');
    expect(short).toContain('warning 3');
    expect(short).not.toContain('warning 1');
    expect(short).toMatch(/n9\s+up/);
    r.rerender(h(Dashboard, { test, state: s, nowNs: 1 * S, width: 110, height: 14, keys: true }));
    const tiny = r.lastFrame() ?? '';
    expect(tiny.split('\n').length).toBeLessThan(14);
    expect(tiny).not.toContain('warning');
    expect(tiny).toMatch(/nodes\s+n7 killed\s+8 of 9 up/);
    expect(tiny).toMatch(/total\s+20/);
  });

  it('on a terminal too short even for the least frame, keeps the header, the verdict and the key hints', () => {
    const s = new DashboardState(TEST);
    const sc = new Script().phase('running', 0).load(0, 1 * S, 10, 'add');
    sc.flush(s);
    const lines = (height: number, extra: Partial<DashboardProps> = {}) =>
      dashboardLines({ test: TEST, state: s, nowNs: 1 * S, width: 60, height, keys: true, ...extra }).map(
        (l) => l.spans.map((x) => x.text).join(''),
      );
    for (const height of [10, 8, 5]) {
      const f = lines(height);
      expect(f.length).toBeLessThanOrEqual(height - 1);
      expect(f[0]).toMatch(/^faultline ▸/);
      expect(f.at(-1)).toBe('q quit · ? help');
    }
    new Script()
      .phase('checking', 2 * S)
      .phase('done', 3 * S)
      .verdict(true, '/tmp/run-9', 'all valid')
      .flush(s);
    const done = lines(10, { keys: false });
    expect(done.length).toBeLessThanOrEqual(9);
    expect(done.join('\n')).toMatch(/VALID\s+all valid/);
    expect(done.join('\n')).toContain('/tmp/run-9');
    // Help, once asked for, stays while node rows give way to the one-line summary.
    const help = lines(16, { help: true, keys: true });
    expect(help.join('\n')).toContain('q or Ctrl-C  stop the run');
    expect(help.join('\n')).toMatch(/nodes\s+5 of 5 up/);
  });

  it('toggles the help text and shows the stopping notice', () => {
    const s = new DashboardState(TEST);
    const ui = mount(s, { keys: true });
    expect(ui.at(0, { help: true })).toContain('q or Ctrl-C  stop the run');
    expect(ui.at(0, { quitting: 1 })).toContain('stopping: finishing ops in flight');
    expect(ui.at(0, { quitting: 2 })).toContain('stopping without waiting');
  });

  it('the sparkline shows per-second throughput, blank where nothing completed', () => {
    const s = new DashboardState(TEST);
    new Script()
      .phase('running', 0)
      .load(0, 1 * S, 100)
      .load(2 * S, 3 * S, 50)
      .flush(s);
    const lines = mount(s)
      .at(3.5 * S)
      .split('\n');
    const spark = lines[lines.findIndex((l) => l.startsWith('throughput')) + 1] ?? '';
    expect(spark.trimEnd()).toMatch(/█ ▄$/);
  });
});
