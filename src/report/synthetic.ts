/**
 * Synthetic run folders (test.json, history.jsonl, results.json) for tests, benchmarks and screenshots:
 * a set workload on a few threads with partitions, kills and clock faults, checked by the real checkers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compose } from '../../checkers/compose.ts';
import { exceptions } from '../../checkers/exceptions.ts';
import { setChecker } from '../../checkers/set.ts';
import { stats } from '../../checkers/stats.ts';
import type { CheckResult } from '../core/checker.ts';
import type { Op, OpType, Process } from '../core/op.ts';
import { FILES } from '../store/run-dir.ts';

export interface SyntheticOptions {
  /** Client ops (invocations), default 2,000. */
  ops?: number;
  concurrency?: number;
  nodes?: string[];
  /** Seconds of workload, default 20. */
  duration?: number;
  faults?: boolean;
  /** Fault windows (partition, kill, clock in turn), default 3. */
  faultCount?: number;
  seed?: number;
  /** Acknowledged adds the final read leaves out (lost writes), default 3. */
  lost?: number;
  /** Put `<img src=x onerror=alert(1)>`-style values and errors in the history. */
  xss?: boolean;
  /** Add a made-up linearizability failure that points at real ops. */
  linearizable?: boolean;
  /** Drop the history's last line half-way, as a crash would. */
  truncate?: boolean;
  name?: string;
}

export const XSS = '<img src=x onerror=alert(1)>';

/** mulberry32: small, seeded, good enough for fake latencies. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Raw = Omit<Op, 'index'> & { seq: number };

export interface SyntheticRun {
  history: Op[];
  results: CheckResult;
  test: Record<string, unknown>;
  faults: { f: string; start: number; end: number }[];
}

export async function syntheticRun(dir: string, o: SyntheticOptions = {}): Promise<SyntheticRun> {
  const ops = o.ops ?? 2000;
  const concurrency = o.concurrency ?? 10;
  const nodes = o.nodes ?? ['n1', 'n2', 'n3', 'n4', 'n5'];
  const durNs = (o.duration ?? 20) * 1e9;
  const rand = rng(o.seed ?? 1);
  const raw: Raw[] = [];
  let seq = 0;
  const push = (r: Omit<Raw, 'seq'>) => raw.push({ ...r, seq: seq++ });

  // Faults first: the client latencies depend on them.
  const faults: { f: string; start: number; end: number; value: unknown; stop: string }[] = [];
  if (o.faults !== false) {
    const kinds = [
      {
        f: 'start-partition',
        stop: 'stop-partition',
        value: { n1: ['n3', 'n4', 'n5'], n2: ['n3', 'n4', 'n5'] },
      },
      { f: 'kill', stop: 'restart', value: ['n2'] },
      { f: 'start-clock', stop: 'reset-clock', value: { n1: 250, n3: -120 } },
    ];
    const n = o.faultCount ?? 3;
    for (let k = 0; k < n; k++) {
      const kind = kinds[k % kinds.length]!;
      const start = Math.round(durNs * ((k + 0.5) / (n + 0.5)));
      const end = Math.round(start + durNs * Math.min(0.12, 0.6 / n));
      faults.push({ ...kind, start, end });
    }
    for (const w of faults) {
      const v = o.xss && w.f === 'kill' ? [XSS] : w.value;
      push({ time: w.start, type: 'invoke', process: 'nemesis', f: w.f, value: v });
      push({ time: w.start + 2e6, type: 'ok', process: 'nemesis', f: w.f, value: v });
      const stopValue = w.stop === 'reset-clock' ? { n1: 0, n3: 0 } : null;
      push({ time: w.end, type: 'invoke', process: 'nemesis', f: w.stop, value: null });
      push({ time: w.end + 2e6, type: 'ok', process: 'nemesis', f: w.stop, value: stopValue });
    }
  }
  const inFault = (t: number) => faults.some((w) => w.f !== 'start-clock' && t >= w.start && t <= w.end);

  // Clients: each thread issues ops back to back, spread evenly over the duration.
  const perThread = Math.ceil(ops / concurrency);
  const gap = durNs / perThread;
  const acked: number[] = [];
  const present: number[] = [];
  let value = 0;
  for (let th = 0; th < concurrency; th++) {
    let proc = th;
    for (let k = 0; k < perThread && value < ops; k++) {
      const v = value++;
      const start = Math.round(k * gap + rand() * gap * 0.3);
      const slow = inFault(start);
      const lat = Math.round((0.4 + rand() * 2 + (rand() < 0.02 ? 30 : 0)) * 1e6 * (slow ? 8 : 1));
      const u = rand();
      const type: OpType = slow
        ? u < 0.4
          ? 'ok'
          : u < 0.8
            ? 'fail'
            : 'info'
        : u < 0.96
          ? 'ok'
          : u < 0.985
            ? 'fail'
            : 'info';
      const node = nodes[th % nodes.length]!;
      const xss = o.xss && k === 3 && th === 0;
      const val = xss ? XSS : v;
      push({ time: start, type: 'invoke', process: proc, f: 'add', value: val, node });
      const done: Omit<Raw, 'seq'> = {
        time: Math.min(start + lat, Math.round((k + 1) * gap) - 1),
        type,
        process: proc,
        f: 'add',
        value: val,
        node,
      };
      if (type === 'fail') done.error = xss ? XSS : 'connection refused';
      if (type === 'info') done.error = 'timeout after 5000 ms';
      push(done);
      if (!xss) {
        if (type === 'ok') acked.push(v);
        if (type === 'ok' || (type === 'info' && rand() < 0.5)) present.push(v);
      }
      if (type === 'info') proc += concurrency; // the thread continues under a fresh process
    }
  }
  // Lost writes: the final read leaves out a few acknowledged adds.
  const lostN = Math.min(o.lost ?? 3, acked.length);
  const lost = new Set<number>();
  for (let k = 0; k < lostN; k++) lost.add(acked[Math.floor(((k + 0.5) / lostN) * acked.length)]!);
  const finalValue = present.filter((x) => !lost.has(x)).sort((a, b) => a - b);
  const readProc: Process = 10_000;
  push({ time: durNs + 5e8, type: 'invoke', process: readProc, f: 'read', value: null, node: nodes[0]! });
  push({
    time: durNs + 5e8 + 3e6,
    type: 'ok',
    process: readProc,
    f: 'read',
    value: finalValue,
    node: nodes[0]!,
  });

  raw.sort((a, b) => a.time - b.time || a.seq - b.seq);
  const history: Op[] = raw.map(({ seq: _s, ...r }, index) => ({ index, ...r }) as Op);

  const test = {
    name: o.name ?? 'synthetic-set',
    system: 'memory',
    mode: 'lost-writes',
    workload: 'set',
    nemesis: o.faults === false ? [] : ['partition', 'kill', 'clock'],
    nodes,
    concurrency,
    timeLimit: o.duration ?? 20,
    rate: 0,
    seed: o.seed ?? 1,
    options: { lossRate: 0.01 },
    argv: [
      'run',
      '--system',
      'memory',
      '--workload',
      'set',
      '--mode',
      'lost-writes',
      '--nemesis',
      'partition,kill,clock',
    ],
    testFile: null,
    faultlineVersion: '0.1.0',
    nodeVersion: process.version,
    startTime: '2026-11-23T10:00:00.000Z',
    endTime: new Date(Date.parse('2026-11-23T10:00:00.000Z') + durNs / 1e6 + 600).toISOString(),
    durationMs: Math.round(durNs / 1e6 + 600),
    opCount: history.length,
  };
  const ctx = { test: { name: test.name, concurrency, nodes } };
  const results = (await compose([setChecker, stats, exceptions]).check(ctx, history, {})) as CheckResult & {
    results: Record<string, CheckResult>;
  };
  if (o.linearizable) {
    results.results.linearizable = fakeLinearizability(history);
    results.valid = false;
    results.summary = `${results.summary}, linearizable: INVALID`;
  }

  mkdirSync(join(dir, FILES.nodes, nodes[0]!), { recursive: true });
  writeFileSync(join(dir, FILES.nodes, nodes[0]!, 'db.log'), 'started\n');
  writeFileSync(join(dir, FILES.test), `${JSON.stringify(test, null, 2)}\n`);
  writeFileSync(join(dir, FILES.results), `${JSON.stringify(results, null, 2)}\n`);
  let text = history.map((op) => JSON.stringify(op)).join('\n') + '\n';
  if (o.truncate)
    text += JSON.stringify({
      index: history.length,
      time: durNs + 1e9,
      type: 'invoke',
      process: 0,
      f: 'add',
      value: 1,
    }).slice(0, 30);
  writeFileSync(join(dir, FILES.history), text);
  return {
    history,
    results,
    test,
    faults: faults.map((w) => ({ f: w.f, start: w.start, end: w.end + 2e6 })),
  };
}

/** A LinearizabilityResult-shaped failure over three overlapping ok adds, as if they were register ops. */
function fakeLinearizability(history: Op[]): CheckResult {
  const oks = history
    .filter((op) => op.type === 'ok' && op.process !== 'nemesis' && op.f === 'add')
    .slice(5, 8);
  const ref = (c: Op, description: string) => {
    const inv = history
      .filter((op) => op.process === c.process && op.type === 'invoke' && op.index < c.index)
      .pop()!;
    return { index: inv.index, completionIndex: c.index, process: c.process, outcome: 'ok', description };
  };
  const refs = oks.map((c, k) => ref(c, k === 2 ? 'read → 3' : `write ${k + 1}`));
  const blocked = refs[2]!;
  const minimalHistory = refs
    .flatMap((r) => [history[r.index]!, history[r.completionIndex]!])
    .sort((a, b) => a.index - b.index);
  return {
    valid: false,
    summary: `NOT linearizable: ${blocked.description}`,
    model: 'register',
    opCount: 3,
    failure: {
      partition: 'all',
      op: blocked,
      finalPaths: [
        {
          path: [
            { op: refs[0], state: '1' },
            { op: refs[1], state: '2' },
          ],
          elided: 0,
          state: '2',
          tried: [{ op: blocked, error: 'the register holds 2, not 3 <b>', next: null }],
        },
      ],
      window: refs.slice(0, 2),
      minimal: { history: minimalHistory, ops: refs, oneMinimal: true, checks: 7, ms: 1 },
    },
    stats: { ms: 12, steps: 40, cacheEntries: 3, states: 3, cacheBytes: 100 },
    problems: [],
  };
}
