import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FaultKind } from '../../../src/core/nemesis.ts';
import { findGrudge, targetsOf } from '../../../src/dashboard/faults.ts';
import {
  bucketUpperNs,
  DashboardState,
  latencyBucket,
  THROUGHPUT_SECONDS,
} from '../../../src/dashboard/state.ts';
import { liveHistory, MS, S, Script, TEST } from './script.ts';

const fresh = () => new DashboardState(TEST);

describe('DashboardState: phases and time', () => {
  it('tracks the phase, and elapsed and remaining time of the main phase', () => {
    const s = fresh();
    expect(s.phase).toBeUndefined();
    new Script()
      .phase('setup', 0)
      .phase('running', 2 * S)
      .flush(s);
    expect(s.phase).toBe('running');
    expect(s.progress(12 * S)).toEqual({ elapsedNs: 10 * S, remainingNs: 20 * S, fraction: 1 / 3 });
    expect(s.progress(40 * S).remainingNs).toBe(0);
    expect(s.progress(40 * S).fraction).toBe(1);
    new Script().phase('healing', 20 * S).flush(s);
    // Stopped early (Ctrl-C): the main phase is over, nothing of it remains.
    expect(s.progress(25 * S)).toEqual({ elapsedNs: 18 * S, remainingNs: 0, fraction: 18 / 30 });
    new Script()
      .phase('recovering', 21 * S)
      .phase('teardown', 23 * S)
      .phase('checking', 24 * S)
      .flush(s);
    expect(s.checkingAtNs).toBe(24 * S);
    expect(s.runningEndAtNs).toBe(20 * S);
  });

  it('before the main phase nothing has elapsed', () => {
    const s = fresh();
    new Script().phase('setup', 0).flush(s);
    expect(s.progress(5 * S)).toEqual({ elapsedNs: 0, remainingNs: 30 * S, fraction: 0 });
  });
});

describe('DashboardState: client ops', () => {
  it('counts ok, fail and info per f and in total, and ops in flight', () => {
    const s = fresh();
    new Script()
      .phase('running', 0)
      .call(0, 'add', 1 * MS, MS, 'ok')
      .call(1, 'add', 2 * MS, MS, 'fail')
      .call(2, 'read', 3 * MS, MS, 'info')
      .call(3, 'read', 4 * MS, MS, 'ok')
      .op(5 * MS, 'invoke', 4, 'add')
      .flush(s);
    expect(Object.fromEntries(s.byF)).toEqual({
      add: { invoked: 3, ok: 1, fail: 1, info: 0 },
      read: { invoked: 2, ok: 1, fail: 0, info: 1 },
    });
    expect(s.totals).toEqual({ invoked: 5, ok: 2, fail: 1, info: 1 });
    expect(s.inFlight).toBe(1);
    expect(s.opCount).toBe(9);
  });

  it('buckets completions per second for the sparkline, and computes the rate', () => {
    const s = fresh();
    new Script()
      .phase('running', 0)
      .load(0, 1 * S, 100)
      .load(1 * S, 2 * S, 300)
      .load(3 * S, 4 * S, 50)
      .flush(s);
    expect(s.throughput(3.5 * S, 5)).toEqual([0, 100, 300, 0, 50]);
    // 3 s before 4 s: seconds 1..3 hold 300 + 0 + 50 (+ second 0's 100 is outside; 4.0 is the boundary).
    expect(s.rate(4 * S - 1, 3)).toBeCloseTo(450 / 3.999999999, 3);
  });

  it('the mean rate covers the main phase only', () => {
    const s = fresh();
    new Script()
      .phase('running', 0)
      .load(0, 10 * S, 1000)
      .phase('recovering', 10 * S)
      .load(12 * S, 13 * S, 50)
      .flush(s);
    expect(s.mainCompleted).toBe(1000);
    expect(s.meanRate(20 * S)).toBe(100);
  });

  it('keeps a bounded ring of seconds: old seconds read as zero, never as stale counts', () => {
    const s = fresh();
    new Script()
      .phase('running', 0)
      .load(0, 1 * S, 10)
      .flush(s);
    const later = (THROUGHPUT_SECONDS + 5) * S;
    new Script().load(later, later + S, 20).flush(s);
    const series = s.throughput(later, THROUGHPUT_SECONDS);
    expect(series.at(-1)).toBe(20);
    expect(series.reduce((a, b) => a + b, 0)).toBe(20);
  });

  it('computes latency quantiles from invoke→completion pairs by process, within 5%', () => {
    const s = fresh();
    const sc = new Script().phase('running', 0);
    // 100 ops at 1..100 ms: p50 = 50 ms, p95 = 95 ms, p99 = 99 ms.
    for (let i = 1; i <= 100; i++) sc.call(i % 7, 'add', 1 * S + i * 5 * MS, i * MS);
    sc.flush(s);
    const l = s.latency(2 * S)!;
    expect(l.count).toBe(100);
    expect(l.p50 / (50 * MS)).toBeGreaterThanOrEqual(1);
    expect(l.p50 / (50 * MS)).toBeLessThan(1.05);
    expect(l.p95 / (95 * MS)).toBeLessThan(1.05);
    expect(l.p99 / (99 * MS)).toBeLessThan(1.05);
    expect(l.p99).toBeGreaterThanOrEqual(99 * MS);
  });

  it('puts every latency from 1 µs to 9 min in a bucket whose upper bound is within 3.2% above it', () => {
    fc.assert(
      fc.property(fc.double({ min: 1025, max: 2 ** 39 - 1, noNaN: true }), (ns) => {
        const up = bucketUpperNs(latencyBucket(ns));
        expect(up).toBeGreaterThanOrEqual(ns);
        expect(up / ns).toBeLessThanOrEqual(1 + 1 / 32);
        // Buckets are ordered: a longer latency never lands in an earlier bucket.
        expect(latencyBucket(ns * 1.01)).toBeGreaterThanOrEqual(latencyBucket(ns));
      }),
    );
    // Below 1 µs and beyond the range: the first and the last bucket, never out of the table.
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(500)).toBe(0);
    expect(latencyBucket(2 ** 45)).toBe(latencyBucket(2 ** 39 - 1));
    expect(bucketUpperNs(latencyBucket(1000))).toBeGreaterThanOrEqual(1000);
  });

  it('pairs each completion with its own process, even interleaved', () => {
    const s = fresh();
    new Script()
      .phase('running', 0)
      .op(0, 'invoke', 0, 'add')
      .op(1 * MS, 'invoke', 1, 'add')
      .op(501 * MS, 'ok', 1, 'add') // 500 ms
      .op(502 * MS, 'ok', 0, 'add') // 502 ms
      .flush(s);
    const l = s.latency(1 * S)!;
    expect(l.count).toBe(2);
    expect(l.p50).toBeGreaterThanOrEqual(500 * MS);
    expect(l.p50).toBeLessThan(525 * MS);
  });

  it('latency covers only the last few seconds', () => {
    const s = fresh();
    const sc = new Script().phase('running', 0);
    for (let i = 0; i < 50; i++) sc.call(0, 'add', i * MS * 10, 900 * MS); // slow, in second 0-1
    for (let i = 0; i < 50; i++) sc.call(1, 'add', 20 * S + i * MS * 10, MS); // fast, much later
    sc.flush(s);
    const l = s.latency(21 * S)!;
    expect(l.count).toBe(50);
    expect(l.p99).toBeLessThan(2 * MS);
    expect(s.latency(40 * S)).toBeUndefined();
  });

  it('freezes its windows at the last op once ops stop flowing', () => {
    const s = fresh();
    new Script()
      .phase('running', 0)
      .load(0, 2 * S, 100)
      .flush(s);
    expect(s.windowEnd(10 * S)).toBe(10 * S);
    new Script()
      .phase('teardown', 3 * S)
      .phase('checking', 4 * S)
      .flush(s);
    expect(s.windowEnd(60 * S)).toBe(s.lastOpAtNs);
    expect(s.latency(s.windowEnd(60 * S))).toBeDefined();
  });
});

describe('DashboardState: faults and nodes', () => {
  it('a partition from a grudge: sides, drops, targets, since; stop heals it', () => {
    const s = fresh();
    const grudge = {
      n1: ['n3', 'n4', 'n5'],
      n2: ['n3', 'n4', 'n5'],
      n3: ['n1', 'n2'],
      n4: ['n1', 'n2'],
      n5: ['n1', 'n2'],
    };
    new Script()
      .phase('running', 0)
      .op(5 * S, 'invoke', 'nemesis', 'start-partition', { topology: 'majority', grudge })
      .flush(s);
    expect(s.nemesisInFlight?.f).toBe('start-partition');
    expect(s.faults.size).toBe(0);
    new Script()
      .op(5 * S + 20 * MS, 'ok', 'nemesis', 'start-partition', { topology: 'majority', grudge })
      .flush(s);
    expect(s.nemesisInFlight).toBeUndefined();
    const p = s.faults.get('partition')!;
    expect(p.detail).toBe('majority: n1 n2 | n3 n4 n5');
    expect(p.targets).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(p.sinceNs).toBe(5 * S + 20 * MS);
    expect(s.nodeState.get('n1')).toMatchObject({ side: 'A', drops: ['n3', 'n4', 'n5'] });
    expect(s.nodeState.get('n4')).toMatchObject({ side: 'B', drops: ['n1', 'n2'] });
    new Script().nemesis(9 * S, 'stop-partition', null).flush(s);
    expect(s.faults.has('partition')).toBe(false);
    expect(s.nodeState.get('n1')).toMatchObject({ drops: [] });
    expect(s.nodeState.get('n1')!.side).toBeUndefined();
  });

  it('a grudge inside a tuple or under .grudge; a non-transitive one (ring) lists drops', () => {
    const s = fresh();
    new Script().nemesis(S, 'start-partition', ['majorities-ring', { n1: ['n3'], n3: ['n1'] }]).flush(s);
    // n1 and n3 cannot talk, but both reach n2: one connected group, so no sides, just the drops.
    expect(s.faults.get('partition')!.detail).toBe('n1✕n3 n3✕n1');
    expect(s.nodeState.get('n1')!.side).toBeUndefined();
    expect(s.faults.get('partition')!.targets).toEqual(['n1', 'n3']);
    new Script()
      .nemesis(2 * S, 'start-partition', {
        grudge: { n5: ['n1', 'n2', 'n3', 'n4'], n1: ['n5'], n2: ['n5'], n3: ['n5'], n4: ['n5'] },
      })
      .flush(s);
    expect(s.faults.get('partition')!.detail).toBe('n1 n2 n3 n4 | n5');
    expect(s.nodeState.get('n3')!.drops).toEqual(['n5']);
  });

  it('kill and start: node states, the kill fault and its targets', () => {
    const s = fresh();
    new Script().nemesis(1 * S, 'kill', { nodes: ['n2', 'n4'] }).flush(s);
    expect(s.nodeState.get('n2')!.status).toBe('killed');
    expect(s.faults.get('kill')).toMatchObject({
      targets: ['n2', 'n4'],
      detail: 'n2 n4',
      sinceNs: 1 * S + 10 * MS,
    });
    new Script().nemesis(3 * S, 'start', { nodes: ['n2'] }).flush(s);
    expect(s.nodeState.get('n2')).toMatchObject({ status: 'up', sinceNs: 3 * S + 10 * MS });
    expect(s.faults.get('kill')!.targets).toEqual(['n4']);
    // 'all' heals every node this family faulted.
    new Script().nemesis(4 * S, 'start', 'all').flush(s);
    expect(s.nodeState.get('n4')!.status).toBe('up');
    expect(s.faults.has('kill')).toBe(false);
  });

  it('a heal touches only its own family: start does not revive a crashed node, restart-node does', () => {
    const s = fresh();
    new Script()
      .nemesis(1 * S, 'kill', { nodes: ['n1'] })
      .nemesis(2 * S, 'crash', { nodes: ['n2'] })
      .flush(s);
    expect(s.nodeState.get('n2')!.status).toBe('crashed');
    expect(s.faults.get('crash')!.targets).toEqual(['n2']);
    expect(s.faults.get('kill')!.targets).toEqual(['n1']);
    new Script().nemesis(3 * S, 'start', 'all').flush(s);
    expect(s.nodeState.get('n1')!.status).toBe('up');
    expect(s.nodeState.get('n2')!.status).toBe('crashed');
    new Script().nemesis(4 * S, 'restart-node', 'all', { nodes: ['n2'] }).flush(s);
    expect(s.nodeState.get('n2')!.status).toBe('up');
    expect(s.faults.size).toBe(0);
  });

  it('a heal that fails keeps the nodes it names down, and a failed stop-X keeps the fault, marked', () => {
    const s = fresh();
    new Script().nemesis(1 * S, 'kill', { nodes: ['n2', 'n4'] }).flush(s);
    new Script()
      .op(2 * S, 'invoke', 'nemesis', 'start', 'all')
      .op(
        2.1 * S,
        'info',
        'nemesis',
        'start',
        { nodes: ['n2', 'n4'] },
        'heal failed: n4: the system cannot start a node',
      )
      .flush(s);
    expect(s.nodeState.get('n2')!.status).toBe('up');
    expect(s.nodeState.get('n4')!.status).toBe('killed');
    expect(s.faults.get('kill')).toMatchObject({
      targets: ['n4'],
      unverified: 'heal failed: n4: the system cannot start a node',
    });
    new Script()
      .nemesis(3 * S, 'start-partition', { topology: 'one', grudge: { n1: ['n2'], n2: ['n1'] } })
      .flush(s);
    new Script()
      .op(4 * S, 'invoke', 'nemesis', 'stop-partition', null)
      .op(4.1 * S, 'info', 'nemesis', 'stop-partition', null, 'heal failed: n1: iptables: timeout')
      .flush(s);
    expect(s.faults.get('partition')).toMatchObject({ unverified: 'heal failed: n1: iptables: timeout' });
    expect(s.nodeState.get('n1')!.drops).toEqual(['n2']);
    new Script().nemesis(5 * S, 'stop-partition', null).flush(s);
    expect(s.faults.has('partition')).toBe(false);
  });

  it('pause and resume, with targets from the completion (primaries resolved at fault time)', () => {
    const s = fresh();
    new Script().nemesis(1 * S, 'pause', { targets: 'primaries' }, { nodes: ['n3'] }).flush(s);
    expect(s.nodeState.get('n3')!.status).toBe('paused');
    expect(s.faults.get('pause')!.targets).toEqual(['n3']);
    new Script().nemesis(2 * S, 'resume', 'all').flush(s);
    expect(s.nodeState.get('n3')!.status).toBe('up');
    expect(s.faults.size).toBe(0);
  });

  it('clock: completions carry absolute offsets in seconds, strobes show their larger side, reset clears', () => {
    const s = fresh();
    new Script().nemesis(1 * S, 'bump-clock', { n1: 0.25, n2: -1.5 }).flush(s);
    expect(s.nodeState.get('n1')!.clockOffsetMs).toBe(250);
    expect(s.faults.get('clock')).toMatchObject({ targets: ['n1', 'n2'], detail: 'n1 +250ms n2 -1.5s' });
    // The invocation names a delta; the completion has where the clock now is.
    new Script().nemesis(2 * S, 'bump-clock', { n1: 0.05 }, { n1: 0.3 }).flush(s);
    expect(s.nodeState.get('n1')!.clockOffsetMs).toBe(300);
    expect(s.faults.get('clock')!.sinceNs).toBe(1 * S + 10 * MS);
    new Script()
      .nemesis(3 * S, 'strobe-clock', { n3: { strobe: [0, -12], periodMs: 100, durationS: 5 } })
      .flush(s);
    expect(s.nodeState.get('n3')).toMatchObject({ clockOffsetMs: -12_000, clockStrobe: true });
    expect(s.faults.get('clock')!.detail).toBe('n1 +300ms n2 -1.5s n3 ~-12s');
    new Script().nemesis(4 * S, 'set-clock', { n2: -58 }).flush(s);
    expect(s.nodeState.get('n2')!.clockOffsetMs).toBe(-58_000);
    expect(s.faults.get('clock')!.detail).toBe('n1 +300ms n2 -58s n3 ~-12s');
    new Script().nemesis(5 * S, 'reset-clock', null, { n1: 0, n2: 0, n3: 0, n4: 0, n5: 0 }).flush(s);
    expect([...s.nodeState.values()].every((n) => n.clockOffsetMs === 0 && !n.clockStrobe)).toBe(true);
    expect(s.faults.has('clock')).toBe(false);
    new Script()
      .nemesis(6 * S, 'set-clock', { n4: 3600 })
      .nemesis(7 * S, 'reset-clock', null)
      .flush(s);
    expect(s.faults.has('clock')).toBe(false);
  });

  it('packet faults: targets, settings and peers; an unverified fault is marked and logged', () => {
    const s = fresh();
    new Script().nemesis(1 * S, 'start-packet', { nodes: ['n1', 'n2'], peers: ['n5'], loss: 0.2 }).flush(s);
    expect(s.faults.get('packet')).toMatchObject({ targets: ['n1', 'n2'], detail: 'n1 n2 loss=0.2 ↔ n5' });
    expect(s.faults.get('packet')!.unverified).toBeUndefined();
    new Script().op(2 * S, 'info', 'nemesis', 'stop-packet', null).flush(s);
    expect(s.faults.size).toBe(0);
    new Script()
      .op(3 * S, 'invoke', 'nemesis', 'start-packet', { nodes: ['n3'], delayMs: 100 })
      .op(
        3.1 * S,
        'info',
        'nemesis',
        'start-packet',
        { nodes: ['n3'], delayMs: 100 },
        'fault not in effect: n3 rtt 0.1 ms',
      )
      .flush(s);
    expect(s.faults.get('packet')).toMatchObject({
      detail: 'n3 delayMs=100',
      unverified: 'fault not in effect: n3 rtt 0.1 ms',
    });
    expect(s.logs.at(-1)).toEqual({
      level: 'warn',
      message: 'nemesis start-packet: fault not in effect: n3 rtt 0.1 ms',
    });
  });

  it('reads only the declared faults: a declared family of any name, not an undeclared f', () => {
    const disk: FaultKind = {
      family: 'disk',
      start: ['fill-disk'],
      stop: ['free-disk'],
      events: [],
      value: { kind: 'none' },
      valueDoc: 'nodes whose disk is filled',
      color: '#000000',
    };
    const s = new DashboardState({ ...TEST, faults: [disk] });
    new Script().nemesis(1 * S, 'fill-disk', ['n1']).flush(s);
    expect(s.faults.get('disk')).toMatchObject({ f: 'fill-disk', targets: ['n1'], detail: 'n1' });
    new Script().nemesis(2 * S, 'free-disk', null).flush(s);
    expect(s.faults.size).toBe(0);
    // Not declared in this run: a crash is shown as the last nemesis op, but not modelled.
    new Script().nemesis(3 * S, 'crash', { nodes: ['n2'] }).flush(s);
    expect(s.faults.size).toBe(0);
    expect(s.nodeState.get('n2')!.status).toBe('up');
    expect(s.lastNemesis).toMatchObject({ f: 'crash' });
    // A run without declarations models nothing.
    const bare = new DashboardState({ nodes: TEST.nodes, timeLimit: 30 });
    new Script().nemesis(1 * S, 'kill', { nodes: ['n1'] }).flush(bare);
    expect(bare.faults.size).toBe(0);
  });

  it('a failed nemesis op changes nothing', () => {
    const s = fresh();
    new Script().nemesis(3 * S, 'kill', ['n1'], ['n1'], 'fail').flush(s);
    expect(s.nodeState.get('n1')!.status).toBe('up');
    expect(s.lastNemesis).toMatchObject({ f: 'kill', atNs: 3 * S + 10 * MS });
  });

  it('nemesis ops are not counted as client ops', () => {
    const s = fresh();
    new Script().nemesis(1 * S, 'kill', ['n1']).flush(s);
    expect(s.totals).toEqual({ invoked: 0, ok: 0, fail: 0, info: 0 });
    expect(s.byF.size).toBe(0);
  });
});

describe('targetsOf and findGrudge', () => {
  const all = TEST.nodes;
  it('reads targets from the usual shapes', () => {
    expect(targetsOf('n2', all)).toEqual(['n2']);
    expect(targetsOf('all', all)).toEqual(all);
    expect(targetsOf('majority', all)).toEqual([]);
    expect(targetsOf(['n1', 'n3'], all)).toEqual(['n1', 'n3']);
    expect(targetsOf({ targets: 'n4' }, all)).toEqual(['n4']);
    expect(targetsOf({ n1: 1, n5: 2, other: 3 }, all)).toEqual(['n1', 'n5']);
    expect(targetsOf(null, all)).toEqual([]);
    expect(targetsOf(42, all)).toEqual([]);
  });
  it('finds a grudge only where every value is a list of nodes', () => {
    expect(findGrudge({ n1: ['n2'] }, all)).toEqual({ n1: ['n2'] });
    expect(findGrudge({ n1: 5 }, all)).toBeUndefined();
    expect(findGrudge({}, all)).toBeUndefined();
    expect(findGrudge('majority', all)).toBeUndefined();
  });
});

describe('DashboardState: cost per op', () => {
  it('folds a million client ops quickly and with bounded memory for the counters', () => {
    const s = fresh();
    s.onEvent({ kind: 'phase', phase: 'running', atNs: 0 });
    const op = { index: 0, time: 0, type: 'invoke' as const, process: 0, f: 'add', value: 1 };
    const done = { index: 0, time: 0, type: 'ok' as const, process: 0, f: 'add', value: 1 };
    const start = performance.now();
    for (let i = 0; i < 500_000; i++) {
      op.time = i * 20_000;
      op.process = i % 100;
      s.onOp(op);
      done.time = op.time + 10_000;
      done.process = op.process;
      s.onOp(done);
    }
    const ms = performance.now() - start;
    expect(s.totals.ok).toBe(500_000);
    expect(s.inFlight).toBe(0);
    // ~0.1 µs per op on a laptop; this bound only catches accidental O(n) work per op.
    expect(ms).toBeLessThan(3000);
  });
});

describe('DashboardState: folding from the run history view', () => {
  type Step =
    | { op: { p: number; type: 'ok' | 'fail' | 'info'; f: 'read' | 'add'; dtNs: number } }
    | 'end-main';
  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 20,
      arbitrary: fc.record({
        op: fc.record({
          p: fc.integer({ min: 0, max: 5 }),
          type: fc.constantFrom('ok' as const, 'fail' as const, 'info' as const),
          f: fc.constantFrom('read' as const, 'add' as const),
          dtNs: fc.integer({ min: 1, max: 400 * MS }),
        }),
      }),
    },
    { weight: 1, arbitrary: fc.constant('end-main' as const) },
  );

  it('gives the same picture as folding every op event, phases included (batches of 256 and partial ones)', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 1500 }), (steps) => {
        const each = fresh();
        const batched = fresh();
        const history: Parameters<DashboardState['onOp']>[0][] = [];
        batched.onEvent({ kind: 'history', ops: history });
        const both = (e: Parameters<DashboardState['onEvent']>[0]) => {
          each.onEvent(e);
          batched.onEvent(e);
        };
        both({ kind: 'phase', phase: 'running', atNs: 0 });
        let t = 0;
        let ended = false;
        const open = new Set<number>();
        for (const s of steps) {
          if (s === 'end-main') {
            if (!ended) both({ kind: 'phase', phase: 'healing', atNs: t });
            ended = true;
            continue;
          }
          const { p, type, f, dtNs } = s.op;
          t += dtNs;
          const op = open.has(p)
            ? { index: history.length, time: t, type, process: p, f, value: 1 }
            : { index: history.length, time: t, type: 'invoke' as const, process: p, f, value: 1 };
          if (open.has(p)) open.delete(p);
          else open.add(p);
          history.push(op);
          both({ kind: 'op', op });
        }
        batched.sync();
        const picture = (s: DashboardState) => ({
          totals: s.totals,
          byF: [...s.byF],
          opCount: s.opCount,
          invocations: s.invocations,
          inFlight: s.inFlight,
          lastAtNs: s.lastAtNs,
          mainCompleted: s.mainCompleted,
          throughput: s.throughput(t, THROUGHPUT_SECONDS),
          latency: s.latency(t),
        });
        expect(picture(batched)).toEqual(picture(each));
      }),
      { numRuns: 200 },
    );
  });

  it('folds nothing twice: ops folded one by one before the view arrived are skipped', () => {
    const s = fresh();
    const history = [
      { index: 0, time: 1, type: 'invoke' as const, process: 0, f: 'add', value: 1 },
      { index: 1, time: 2, type: 'ok' as const, process: 0, f: 'add', value: 1 },
    ];
    s.onEvent({ kind: 'op', op: history[0]! });
    s.onEvent({ kind: 'history', ops: history });
    s.onEvent({ kind: 'op', op: history[1]! });
    s.sync();
    expect(s.opCount).toBe(2);
    expect(s.totals).toEqual({ invoked: 1, ok: 1, fail: 0, info: 0 });
  });

  it('lets go of the history at the verdict: what it gained is folded, later pushes are not read', () => {
    const s = fresh();
    const { history, push } = liveHistory();
    s.onEvent({ kind: 'history', ops: history });
    s.onEvent({ kind: 'op', op: push('invoke', 1) });
    s.onEvent({ kind: 'op', op: push('ok', 2) });
    s.onEvent({ kind: 'verdict', valid: true, runDir: '/tmp/r', summary: 'ok' });
    expect(s.opCount).toBe(2);
    // The history array is no longer the state's: what is pushed to it is not folded from it,
    push('invoke', 3);
    s.sync();
    expect(s.opCount).toBe(2);
    // and an op event after the release is folded on its own.
    s.onEvent({ kind: 'op', op: push('ok', 4) });
    expect(s.opCount).toBe(3);
    expect(s.totals).toEqual({ invoked: 1, ok: 2, fail: 0, info: 0 });
  });
});
