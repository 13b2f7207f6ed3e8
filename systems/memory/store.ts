/**
 * The in-process store behind the `memory` system: registers (independent keys), sets, counters, queues
 * (FIFO, array-backed) and an id generator, with
 * switchable misbehaviour so that every checker can be shown both passing and failing without Docker.
 * Each op is applied atomically (JavaScript runs one op at a time), so the honest mode is linearizable.
 */
import { Rng } from '../../src/core/rng.ts';

export type MemoryMode = 'honest' | 'lost-writes' | 'stale-reads' | 'duplicated-adds' | 'delayed-visibility';

export const MEMORY_MODES: readonly MemoryMode[] = [
  'honest',
  'lost-writes',
  'stale-reads',
  'duplicated-adds',
  'delayed-visibility',
];

export interface MemoryTuning {
  /** lost-writes: fraction of acknowledged writes/adds silently dropped. */
  lossRate: number;
  /** duplicated-adds: fraction of adds applied twice. */
  duplicateRate: number;
  /** stale-reads: how old a non-primary node's view may get, ms. */
  staleMs: number;
  /** delayed-visibility: how long a write stays invisible after it is acknowledged, ms. */
  visibilityMs: number;
}

export const DEFAULT_TUNING: MemoryTuning = {
  lossRate: 0.05,
  duplicateRate: 0.05,
  staleMs: 200,
  visibilityMs: 300,
};

type Data = Map<string, unknown>;

export class MemoryStore {
  private data: Data = new Map();
  /** Stale-reads mode: each node's lagging copy and when it was taken (`now()`, ms). */
  private replicas = new Map<string, { data: Data; copiedAtMs: number }>();
  /** Delayed-visibility mode: mutations and when they become visible (`now()`, ms). */
  private invisible: { visibleAtMs: number; apply: () => void }[] = [];
  private readonly rng: Rng;
  readonly mode: MemoryMode;
  readonly tuning: MemoryTuning;
  /** The clock, in milliseconds (performance.now() unless a test gives its own). */
  private readonly nowMs: () => number;

  constructor(
    mode: MemoryMode,
    seed: number,
    tuning: Partial<MemoryTuning> = {},
    nowMs = () => performance.now(),
  ) {
    this.mode = mode;
    this.rng = new Rng(seed ^ 0x5eed);
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
    this.nowMs = nowMs;
  }

  /** The view a node reads from: the primary's, or in stale-reads mode a lagging copy on n2…nN. */
  private view(node: string): Data {
    this.applyDue();
    if (this.mode !== 'stale-reads' || node === 'n1') return this.data;
    const r = this.replicas.get(node);
    const tMs = this.nowMs();
    if (r && tMs - r.copiedAtMs < this.tuning.staleMs) return r.data;
    const copy: Data = new Map([...this.data].map(([k, v]) => [k, Array.isArray(v) ? v.slice() : v]));
    this.replicas.set(node, { data: copy, copiedAtMs: tMs });
    return copy;
  }

  private applyDue(): void {
    if (this.invisible.length === 0) return;
    const tMs = this.nowMs();
    while (this.invisible.length > 0 && this.invisible[0]!.visibleAtMs <= tMs)
      this.invisible.shift()!.apply();
  }

  /** Applies a mutation, or in the misbehaving modes loses or delays it. */
  private mutate(apply: () => void): void {
    this.applyDue();
    if (this.mode === 'lost-writes' && this.rng.float() < this.tuning.lossRate) return;
    if (this.mode === 'delayed-visibility') {
      this.invisible.push({ visibleAtMs: this.nowMs() + this.tuning.visibilityMs, apply });
      return;
    }
    apply();
  }

  read(node: string, key: string): unknown {
    const v = this.view(node).get(key);
    return Array.isArray(v) ? v.slice() : (v ?? null);
  }

  write(key: string, value: unknown): void {
    this.mutate(() => this.data.set(key, value));
  }

  /** Compare-and-set against the primary's current value; true when it applied. */
  cas(key: string, from: unknown, to: unknown): boolean {
    this.applyDue();
    if ((this.data.get(key) ?? null) !== from) return false;
    this.mutate(() => this.data.set(key, to));
    return true;
  }

  add(key: string, element: unknown): void {
    const times = this.mode === 'duplicated-adds' && this.rng.float() < this.tuning.duplicateRate ? 2 : 1;
    // Honest (nothing delayed): what mutate would do, without a closure per add (the runner's
    // throughput bench adds as fast as it can).
    if (this.mode === 'honest' && this.invisible.length === 0) this.addNow(key, element, times);
    else this.mutate(() => this.addNow(key, element, times));
  }

  private addNow(key: string, element: unknown, times: number): void {
    const xs = (this.data.get(key) as unknown[] | undefined) ?? [];
    for (let i = 0; i < times; i++) xs.push(element);
    this.data.set(key, xs);
  }

  /**
   * Queue: appends `element` to the queue `key`; lost-writes drops it (after acknowledging),
   * duplicated-adds appends it twice (a redelivery), delayed-visibility hides it for a while.
   */
  enqueue(key: string, element: unknown): void {
    this.add(key, element);
  }

  /** Queue: removes and returns the head of queue `key`; undefined when it is empty. */
  dequeue(key: string): unknown {
    this.applyDue();
    const xs = this.data.get(key) as unknown[] | undefined;
    return xs && xs.length > 0 ? xs.shift() : undefined;
  }

  /** unique-ids: the next id (0, 1, …); duplicated-adds hands out the previous one again at duplicateRate. */
  nextId(key: string): number {
    const last = (this.data.get(key) as number | undefined) ?? -1;
    if (this.mode === 'duplicated-adds' && last >= 0 && this.rng.float() < this.tuning.duplicateRate)
      return last;
    this.data.set(key, last + 1);
    return last + 1;
  }

  increment(key: string, delta: number): void {
    this.mutate(() => this.data.set(key, ((this.data.get(key) as number | undefined) ?? 0) + delta));
  }
}
