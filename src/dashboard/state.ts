/**
 * The dashboard's aggregator: folds RunEvents into counters that the dashboard and the plain printer read a
 * few times a second. `onEvent` is on the run's hot path (every op), so a client op costs O(1): a map
 * lookup for its f, a map set/delete for its invocation time, and slots in preallocated ring buffers.
 * Nemesis ops are rare and may do more work. Times are ns since the run started, as in the history.
 */

import type { ResolvedTest } from '../config/define.ts';
import { type FaultKind, type FaultRole, faultRoles } from '../core/nemesis.ts';
import type { Op } from '../core/op.ts';
import type { Phase, RunEvent } from '../runner/events.ts';
import { applyNemesis, type FaultRecord, type NodeRecord } from './faults.ts';

export interface FCounts {
  invoked: number;
  ok: number;
  fail: number;
  info: number;
}

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  /** Completions the quantiles are computed from. */
  count: number;
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface Verdict {
  valid: true | false | 'unknown';
  runDir: string;
  summary: string;
}

/**
 * What the aggregator needs from the test, and the nemesis's declared faults (none: no fault is modelled,
 * the last nemesis op is still shown).
 */
export type StateTest = Pick<ResolvedTest, 'nodes' | 'timeLimit'> &
  Partial<Pick<ResolvedTest, 'checkerTimeLimit'>> & { faults?: readonly FaultKind[] };

/** Seconds of throughput kept for the sparkline. */
export const THROUGHPUT_SECONDS = 120;
/** Latency quantiles cover this many seconds before "now". */
export const LATENCY_WINDOW_SECONDS = 5;
const LAT_SLOTS = LATENCY_WINDOW_SECONDS + 2;
// Log-linear latency buckets (as HdrHistogram's): 32 linear sub-buckets per power of two from 1024 ns,
// so a bucket's upper bound is within 1/32 (3.2%) of any latency in it, up to 2^39 ns (~9 min). The
// bucket comes from the float's exponent and top 5 mantissa bits: no Math.log on the per-op path.
const SUB_BITS = 5;
const LAT_MIN_EXP = 10;
const LAT_MAX_EXP = 39;
const LAT_BUCKETS = (LAT_MAX_EXP - LAT_MIN_EXP) << SUB_BITS;
const f64 = new Float64Array(1);
const hi32 = new Uint32Array(f64.buffer, 4, 1);
/** Upper 32 bits of 2^LAT_MIN_EXP as a float64, shifted like a latency's: the first bucket's code. */
const LAT_CODE0 = (1023 + LAT_MIN_EXP) << SUB_BITS;
const LOG_LINES = 4;
/** Processes kept in a typed array (the rest in a map): 40 retirements per thread at concurrency 100. */
const LOW_PROCESSES = 4096;
const SEC = 1e9;
/** Op events per batch fold from the history view: ~50 KB of recent ops, still in the cache. */
const SYNC_EVERY = 256;

export class DashboardState {
  readonly nodes: string[];
  readonly timeLimitNs: number;
  readonly checkerTimeLimitNs: number | undefined;
  phase: Phase | undefined;
  /** When the current phase began (ns since the run started; all times here are). */
  phaseAtNs = 0;
  /** When the main phase started and ended (undefined until it does). */
  runningAtNs: number | undefined;
  runningEndAtNs: number | undefined;
  /** When the checking phase began. */
  checkingAtNs: number | undefined;
  /** Client ops completed by the end of the main phase. */
  mainCompleted: number | undefined;
  /** The latest time seen in any event. */
  lastAtNs = 0;
  /** The latest client-op time, where the sparkline and latency freeze once ops stop. */
  lastOpAtNs = 0;
  /** Every op recorded (client and nemesis, invocations and completions): the history's length. */
  opCount = 0;
  /** Invocations, client and nemesis: the ops of the history, as `faultline run` counts them. */
  invocations = 0;
  totals: FCounts = { invoked: 0, ok: 0, fail: 0, info: 0 };
  /** Per op f, in order of first appearance. */
  readonly byF = new Map<string, FCounts>();
  readonly logs: LogLine[] = [];
  verdict: Verdict | undefined;
  /** Faults in place, by family (partition, kill, pause, clock, …). */
  readonly faults = new Map<string, FaultRecord>();
  readonly nodeState = new Map<string, NodeRecord>();
  /** The declared faults by `f`: what a nemesis op does to the picture. */
  readonly faultRoles: ReadonlyMap<string, FaultRole>;
  /** The last nemesis op seen, whatever its f: shown for faults we do not model. */
  lastNemesis: { f: string; value: unknown; atNs: number; error?: string } | undefined;
  /** The nemesis op invoked and not yet completed; `atNs`: its invocation. */
  nemesisInFlight: { f: string; value: unknown; atNs: number } | undefined;

  // Invocation time of each process's open op, NaN when it has none: a typed array for the processes
  // below LOW_PROCESSES (every process of a run until its threads have retired many after info), a map
  // above (deleted on completion).
  private readonly invokedAtLow = new Float64Array(LOW_PROCESSES).fill(Number.NaN);
  private readonly invokedAtHigh = new Map<number, number>();
  private openOps = 0;
  // The last op's f and its counters: most ops have the previous op's f (a map lookup saved).
  private lastF: string | undefined;
  private lastFCounts: FCounts | undefined;
  private readonly perSec = new Uint32Array(THROUGHPUT_SECONDS);
  private readonly perSecOf = new Int32Array(THROUGHPUT_SECONDS).fill(-1);
  private readonly lat = new Uint32Array(LAT_SLOTS * LAT_BUCKETS);
  private readonly latOf = new Int32Array(LAT_SLOTS).fill(-1);
  // The run's live history (a 'history' event): ops are folded from it in small batches (`sync`); the
  // ops before `folded` are in, and `unsynced` op events have come since the last batch.
  private view: readonly Op[] | undefined;
  private folded = 0;
  private unsynced = 0;

  constructor(test: StateTest) {
    this.nodes = [...test.nodes];
    this.timeLimitNs = test.timeLimit * SEC;
    this.checkerTimeLimitNs = test.checkerTimeLimit === undefined ? undefined : test.checkerTimeLimit * SEC;
    this.faultRoles = faultRoles(test.faults ?? []);
    for (const n of this.nodes)
      this.nodeState.set(n, { status: 'up', sinceNs: 0, drops: [], clockOffsetMs: 0 });
  }

  /**
   * Folds one run event. Once a 'history' event has handed over the run's live history, op events are
   * folded from it in batches of SYNC_EVERY (and at every `sync`): a tight loop over ops still in the
   * cache, with the aggregator's state in it too, costs the runner's thread far less than a fold
   * interleaved with the runner's own work per op (bench/runner.ts --dashboard). Every other event
   * syncs first, so it lands after the ops that preceded it.
   */
  onEvent(e: RunEvent): void {
    if (e.kind === 'op') {
      this.onOp(e.op);
      return;
    }
    this.sync();
    if (e.kind === 'history') {
      this.view = e.ops;
      // Ops folded one by one before the view arrived (none when it comes first, as runTest sends it).
      this.folded = Math.min(this.opCount, e.ops.length);
    } else if (e.kind === 'phase') this.onPhase(e.phase, e.atNs);
    else if (e.kind === 'log') this.addLog(e.level, e.message);
    else if (e.kind === 'verdict') {
      this.verdict = { valid: e.valid, runDir: e.runDir, summary: e.summary };
      this.release();
    }
  }

  /**
   * Folds what the run's history gained and lets go of it: from here on op events fold one at a time.
   * Called once the run is over (its verdict, the dashboard's stop): a history can take gigabytes, and
   * a state still referenced after its run (by ink's last frame, by a caller) must not keep it alive.
   */
  release(): void {
    this.sync();
    this.view = undefined;
  }

  /** Folds the ops the run's history gained since the last sync (none without a view). Call before reading. */
  sync(): void {
    this.unsynced = 0;
    const v = this.view;
    if (v === undefined) return;
    const n = v.length;
    for (let i = this.folded; i < n; i++) this.fold(v[i]!);
    this.folded = n;
  }

  private addLog(level: LogLine['level'], message: string): void {
    this.logs.push({ level, message });
    if (this.logs.length > LOG_LINES) this.logs.shift();
  }

  /** An op event: folded now, or, with the run's history view, in the next batch (see `onEvent`). */
  onOp(op: Op): void {
    if (this.view === undefined) this.fold(op);
    else if (++this.unsynced >= SYNC_EVERY) this.sync();
  }

  private fold(op: Op): void {
    this.opCount++;
    if (op.type === 'invoke') this.invocations++;
    const t = op.time;
    if (t > this.lastAtNs) this.lastAtNs = t;
    const p = op.process;
    if (p === 'nemesis') {
      this.onNemesis(op);
      return;
    }
    if (t > this.lastOpAtNs) this.lastOpAtNs = t;
    let c = op.f === this.lastF ? this.lastFCounts : this.byF.get(op.f);
    if (c === undefined) {
      c = { invoked: 0, ok: 0, fail: 0, info: 0 };
      this.byF.set(op.f, c);
    }
    this.lastF = op.f;
    this.lastFCounts = c;
    const type = op.type;
    if (type === 'invoke') {
      c.invoked++;
      this.totals.invoked++;
      if (p >>> 0 === p && p < LOW_PROCESSES) {
        if (Number.isNaN(this.invokedAtLow[p]!)) this.openOps++;
        this.invokedAtLow[p] = t;
      } else {
        if (!this.invokedAtHigh.has(p)) this.openOps++;
        this.invokedAtHigh.set(p, t);
      }
      return;
    }
    if (type === 'ok') {
      c.ok++;
      this.totals.ok++;
    } else if (type === 'fail') {
      c.fail++;
      this.totals.fail++;
    } else {
      c.info++;
      this.totals.info++;
    }
    const sec = Math.floor(t / SEC);
    const slot = sec % THROUGHPUT_SECONDS;
    if (this.perSecOf[slot] !== sec) {
      this.perSecOf[slot] = sec;
      this.perSec[slot] = 0;
    }
    this.perSec[slot]!++;
    let t0: number | undefined;
    if (p >>> 0 === p && p < LOW_PROCESSES) {
      t0 = this.invokedAtLow[p]!;
      this.invokedAtLow[p] = Number.NaN;
    } else {
      t0 = this.invokedAtHigh.get(p);
      this.invokedAtHigh.delete(p);
    }
    if (t0 !== undefined && !Number.isNaN(t0)) {
      this.openOps--;
      this.addLatency(sec, t - t0);
    }
  }

  private addLatency(sec: number, ns: number): void {
    const slot = sec % LAT_SLOTS;
    if (this.latOf[slot] !== sec) {
      // Once a second per slot: clear the row it last held.
      this.latOf[slot] = sec;
      this.lat.fill(0, slot * LAT_BUCKETS, (slot + 1) * LAT_BUCKETS);
    }
    this.lat[slot * LAT_BUCKETS + latencyBucket(ns)]!++;
  }

  private onPhase(phase: Phase, atNs: number): void {
    if (atNs > this.lastAtNs) this.lastAtNs = atNs;
    if (this.phase === 'running' && phase !== 'running') {
      this.runningEndAtNs = atNs;
      this.mainCompleted = this.totals.ok + this.totals.fail + this.totals.info;
    }
    if (phase === 'running') this.runningAtNs = atNs;
    if (phase === 'checking') this.checkingAtNs = atNs;
    this.phase = phase;
    this.phaseAtNs = atNs;
  }

  private onNemesis(op: Op): void {
    if (op.type === 'invoke') {
      this.nemesisInFlight = { f: op.f, value: op.value, atNs: op.time };
      return;
    }
    this.nemesisInFlight = undefined;
    this.lastNemesis = { f: op.f, value: op.value, atNs: op.time, ...(op.error ? { error: op.error } : {}) };
    if (op.error) this.addLog('warn', `nemesis ${op.f}: ${op.error}`);
    // `fail` means the fault was certainly not applied; `ok` and `info` mean it was, or may have been.
    if (op.type === 'fail') return;
    applyNemesis(this, op.f, op.value, op.time, op.error);
  }

  /** True while ops are expected to flow; afterwards the time windows freeze at the last op. */
  get active(): boolean {
    return (
      this.phase === 'running' ||
      this.phase === 'healing' ||
      this.phase === 'recovering' ||
      this.phase === 'final'
    );
  }

  /** Where the sparkline and latency windows end: now while ops flow, the last op afterwards. */
  windowEnd(nowNs: number): number {
    return this.active ? Math.max(nowNs, this.lastOpAtNs) : this.lastOpAtNs;
  }

  /** Completions per second for the `seconds` whole seconds ending with the one holding `endNs`. */
  throughput(endNs: number, seconds: number): number[] {
    const n = Math.min(seconds, THROUGHPUT_SECONDS);
    const last = Math.floor(endNs / SEC);
    const out = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      const sec = last - (n - 1) + i;
      if (sec < 0) continue;
      const slot = sec % THROUGHPUT_SECONDS;
      if (this.perSecOf[slot] === sec) out[i] = this.perSec[slot]!;
    }
    return out;
  }

  /** Completions per second over the `seconds` before `endNs` (the partial current second counts pro rata). */
  rate(endNs: number, seconds = 3): number {
    const lastSec = Math.floor(endNs / SEC);
    const intoLast = endNs / SEC - lastSec;
    const buckets = this.throughput(endNs, seconds + 1);
    let sum = 0;
    for (const b of buckets) sum += b;
    const span = Math.min(seconds + intoLast, endNs / SEC);
    return span > 0 ? sum / span : 0;
  }

  /** p50/p95/p99 of invoke→completion latency (ns) over the last few seconds before `endNs`. */
  latency(endNs: number): Latency | undefined {
    const last = Math.floor(endNs / SEC);
    const rows: number[] = [];
    let count = 0;
    for (let sec = last - LATENCY_WINDOW_SECONDS + 1; sec <= last; sec++) {
      if (sec < 0) continue;
      const slot = sec % LAT_SLOTS;
      if (this.latOf[slot] !== sec) continue;
      rows.push(slot);
      const base = slot * LAT_BUCKETS;
      for (let b = 0; b < LAT_BUCKETS; b++) count += this.lat[base + b]!;
    }
    if (count === 0) return undefined;
    const targets = [0.5, 0.95, 0.99].map((q) => Math.max(1, Math.ceil(q * count)));
    const out = [0, 0, 0];
    let seen = 0;
    let k = 0;
    for (let b = 0; b < LAT_BUCKETS && k < 3; b++) {
      for (const slot of rows) seen += this.lat[slot * LAT_BUCKETS + b]!;
      while (k < 3 && seen >= targets[k]!) out[k++] = bucketUpperNs(b);
    }
    return { p50: out[0]!, p95: out[1]!, p99: out[2]!, count };
  }

  /** Mean completions per second over the main phase (so far). */
  meanRate(nowNs: number): number {
    if (this.runningAtNs === undefined) return 0;
    const span = ((this.runningEndAtNs ?? nowNs) - this.runningAtNs) / SEC;
    const done = this.mainCompleted ?? this.totals.ok + this.totals.fail + this.totals.info;
    return span > 0 ? done / span : 0;
  }

  /** Ops invoked and not yet completed. */
  get inFlight(): number {
    return this.openOps;
  }

  /** Seconds of the main phase elapsed and remaining at `nowNs`. */
  progress(nowNs: number): { elapsedNs: number; remainingNs: number; fraction: number } {
    if (this.runningAtNs === undefined) return { elapsedNs: 0, remainingNs: this.timeLimitNs, fraction: 0 };
    const end = this.runningEndAtNs ?? nowNs;
    const elapsedNs = Math.max(0, end - this.runningAtNs);
    // Once the main phase is over (time limit or Ctrl-C), nothing of it remains.
    const remainingNs = this.runningEndAtNs === undefined ? Math.max(0, this.timeLimitNs - elapsedNs) : 0;
    // The share of the time limit reached: short of 1 when the run was stopped early.
    const fraction = this.timeLimitNs > 0 ? Math.min(1, elapsedNs / this.timeLimitNs) : 1;
    return { elapsedNs, remainingNs, fraction };
  }
}

/** The latency bucket of `ns` (0 for 1024 ns or less, the last for 2^39 ns or more). */
export function latencyBucket(ns: number): number {
  // Little-endian float64: the high word holds sign, 11 exponent bits and the top 20 mantissa bits.
  f64[0] = ns;
  const b = (hi32[0]! >>> (20 - SUB_BITS)) - LAT_CODE0;
  return b < 0 ? 0 : b >= LAT_BUCKETS ? LAT_BUCKETS - 1 : b;
}

/** The largest latency (ns) bucket `b` holds: 2^e × (1 + (sub + 1)/32). */
export function bucketUpperNs(b: number): number {
  return 2 ** (LAT_MIN_EXP + (b >> SUB_BITS)) * (1 + ((b & ((1 << SUB_BITS) - 1)) + 1) / (1 << SUB_BITS));
}

export interface RunClock {
  observe(e: RunEvent): void;
  /** ns since the run started, never less than `floorNs` (the latest event time). */
  now(floorNs: number): number;
}

/** Maps wall time onto the run's clock (ns since the run started), learned from the first phase event. */
export function runClock(): RunClock {
  let base: number | undefined;
  return {
    observe(e) {
      if (base === undefined && e.kind === 'phase') base = performance.now() - e.atNs / 1e6;
    },
    now(floorNs) {
      return base === undefined ? floorNs : Math.max(floorNs, Math.round((performance.now() - base) * 1e6));
    },
  };
}
