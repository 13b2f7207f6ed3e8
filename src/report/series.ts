/**
 * Performance series (what Jepsen's perf checker plots): throughput and latency over time, per outcome
 * and per op function. Pure: computed here from rows, drawn in the page by uPlot.
 */
import { nsToMs, nsToS } from '../core/time.ts';
import type { Outcome, Rows } from './rows.ts';

export type Completed = Exclude<Outcome, 'pending'>;

export interface ScatterGroup {
  f: string;
  outcome: Completed;
  /** Completion time, seconds since the start. */
  tS: number[];
  /** Latency, ms. */
  latencyMs: number[];
  /** Positions of the ops in `Rows.rows` (the page reads times from its op columns instead of t/latency). */
  rows: number[];
}

export interface PerfSeries {
  /** Bucket width, seconds. */
  bucketS: number;
  /** Bucket start times, seconds. */
  tS: number[];
  /** Completions per second in each bucket, by outcome. */
  throughput: Record<Completed, number[]>;
  /** Latency quantiles (ms) of the completions in each bucket; null for an empty bucket. */
  quantiles: { p50: (number | null)[]; p95: (number | null)[]; p99: (number | null)[] };
  scatter: ScatterGroup[];
  /** Overall latency quantiles, ms (ok completions only), for the summary. */
  overall: { count: number; p50: number | null; p95: number | null; p99: number | null; max: number | null };
  /** Seconds from the first to the last op. */
  durationS: number;
}

const NICE = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

/** A round bucket width (seconds) giving at most ~`target` buckets over `durationS` seconds. */
export function bucketWidth(durationS: number, target = 120): number {
  const raw = durationS / target;
  return NICE.find((n) => n >= raw) ?? Math.ceil(raw / 3600) * 3600;
}

/** Nearest-rank quantile of an ascending array. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

const round = (x: number, digits: number) => {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
};

export function perfSeries(rows: Rows, opts: { buckets?: number } = {}): PerfSeries {
  const durationS = nsToS(rows.endNs);
  const bucketS = bucketWidth(durationS, opts.buckets);
  // The last op lands in the last bucket (clamped below), not in a bucket of its own.
  const n = Math.max(1, Math.ceil(durationS / bucketS - 1e-9));
  const tS = Array.from({ length: n }, (_, i) => round(i * bucketS, 3));
  const counts: Record<Completed, number[]> = {
    ok: new Array(n).fill(0),
    fail: new Array(n).fill(0),
    info: new Array(n).fill(0),
  };
  const perBucket: number[][] = Array.from({ length: n }, () => []);
  const groups = new Map<string, ScatterGroup>();
  const okLatencies: number[] = [];
  rows.rows.forEach((r, pos) => {
    if (r.lane < 0 || !r.completion) return;
    const outcome = r.outcome as Completed;
    const doneS = nsToS(r.completion.time);
    const latMs = Math.max(0, nsToMs(r.completion.time - r.invoke.time));
    const b = Math.min(n - 1, Math.floor(doneS / bucketS));
    counts[outcome][b]!++;
    perBucket[b]!.push(latMs);
    if (outcome === 'ok') okLatencies.push(latMs);
    const key = `${r.invoke.f}\u0000${outcome}`;
    let g = groups.get(key);
    if (!g) {
      g = { f: r.invoke.f, outcome, tS: [], latencyMs: [], rows: [] };
      groups.set(key, g);
    }
    g.tS.push(round(doneS, 6));
    g.latencyMs.push(round(latMs, 3));
    g.rows.push(pos);
  });
  const q = (p: number) =>
    perBucket.map((xs) => {
      const v = quantile(xs, p);
      return v === null ? null : round(v, 3);
    });
  for (const xs of perBucket) xs.sort((a, b) => a - b);
  okLatencies.sort((a, b) => a - b);
  const order: Record<Completed, number> = { ok: 0, info: 1, fail: 2 };
  return {
    bucketS,
    tS,
    throughput: {
      ok: counts.ok.map((c) => round(c / bucketS, 3)),
      fail: counts.fail.map((c) => round(c / bucketS, 3)),
      info: counts.info.map((c) => round(c / bucketS, 3)),
    },
    quantiles: { p50: q(0.5), p95: q(0.95), p99: q(0.99) },
    scatter: [...groups.values()].sort(
      (a, b) => a.f.localeCompare(b.f) || order[a.outcome] - order[b.outcome],
    ),
    overall: {
      count: okLatencies.length,
      p50: quantile(okLatencies, 0.5),
      p95: quantile(okLatencies, 0.95),
      p99: quantile(okLatencies, 0.99),
      max: okLatencies.length ? okLatencies[okLatencies.length - 1]! : null,
    },
    durationS: round(durationS, 6),
  };
}
