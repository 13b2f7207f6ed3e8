/**
 * A set of threads over a fixed universe (client threads 0..concurrency-1, and the nemesis if there is
 * one), as the Machine keeps its free threads. It behaves as a Set<Thread> does (iteration in insertion
 * order) but never reallocates: a JS Set that empties and refills every batch of ops (100 threads taken,
 * then freed, many thousand times a second) rebuilds its hash table as it shrinks and grows.
 */
import type { Thread } from './types.ts';

export class ThreadSet implements ReadonlySet<Thread> {
  private readonly concurrency: number;
  private readonly nemesis: boolean;
  /** 1 where the slot's thread is in the set. Slot of client thread t: t; of the nemesis: concurrency. */
  private readonly member: Uint8Array;
  // A doubly linked list of the members in insertion order; the sentinel is the last slot.
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly head: number;
  private count = 0;

  /** An empty set over client threads 0..concurrency-1 (and the nemesis when `nemesis`). */
  constructor(concurrency: number, nemesis: boolean) {
    this.concurrency = concurrency;
    this.nemesis = nemesis;
    const slots = concurrency + 1;
    this.member = new Uint8Array(slots);
    this.next = new Int32Array(slots + 1);
    this.prev = new Int32Array(slots + 1);
    this.head = slots;
    this.next[this.head] = this.head;
    this.prev[this.head] = this.head;
  }

  /** The slot of `t`, or -1 when it is not a thread of this universe. */
  private slot(t: unknown): number {
    if (typeof t === 'number') return Number.isInteger(t) && t >= 0 && t < this.concurrency ? t : -1;
    return t === 'nemesis' && this.nemesis ? this.concurrency : -1;
  }

  private threadAt(slot: number): Thread {
    return slot === this.concurrency ? 'nemesis' : slot;
  }

  get size(): number {
    return this.count;
  }

  has(t: Thread): boolean {
    const i = this.slot(t);
    return i >= 0 && this.member[i] === 1;
  }

  /** Adds `t` (at the end of the iteration order, as Set does). Throws for a thread outside the universe. */
  add(t: Thread): this {
    const i = this.slot(t);
    if (i < 0) throw new Error(`thread ${String(t)} is not one of this machine's threads`);
    if (this.member[i] === 1) return this;
    this.member[i] = 1;
    const last = this.prev[this.head]!;
    this.next[last] = i;
    this.prev[i] = last;
    this.next[i] = this.head;
    this.prev[this.head] = i;
    this.count++;
    return this;
  }

  /** Removes `t`; true when it was there. */
  delete(t: Thread): boolean {
    const i = this.slot(t);
    if (i < 0 || this.member[i] === 0) return false;
    this.member[i] = 0;
    const p = this.prev[i]!;
    const n = this.next[i]!;
    this.next[p] = n;
    this.prev[n] = p;
    this.count--;
    return true;
  }

  /**
   * The k-th (0-based) member in thread order (client threads ascending, then the nemesis: the order of
   * a Machine's `threads`), or undefined when there are not that many. A scan of a byte array, for
   * fillIn's choice of a free thread.
   */
  nthInThreadOrder(k: number): Thread | undefined {
    const member = this.member;
    if (k < 0 || k >= this.count) return undefined;
    // From the nearer end: half the bytes on average.
    if (2 * k < this.count) {
      for (let i = 0; i < member.length; i++) if (member[i] === 1 && k-- === 0) return this.threadAt(i);
    } else {
      let j = this.count - 1 - k;
      for (let i = member.length - 1; i >= 0; i--) if (member[i] === 1 && j-- === 0) return this.threadAt(i);
    }
    return undefined;
  }

  /** True when `threads` lists exactly this set's universe in thread order (a Machine's `threads`). */
  isUniverse(threads: readonly Thread[]): boolean {
    if (threads === this.universe) return true;
    if (threads.length !== this.concurrency + (this.nemesis ? 1 : 0)) return false;
    for (let i = 0; i < threads.length; i++) if (threads[i] !== this.threadAt(i)) return false;
    this.universe = threads;
    return true;
  }
  // The last array isUniverse accepted (the machine's own `threads`, asked about on every op).
  private universe: readonly Thread[] | undefined;

  *values(): SetIterator<Thread> {
    // Members are listed as of each step (a thread deleted before it is reached is skipped).
    for (let i = this.next[this.head]!; i !== this.head; i = this.next[i]!) yield this.threadAt(i);
  }
  keys(): SetIterator<Thread> {
    return this.values();
  }
  *entries(): SetIterator<[Thread, Thread]> {
    for (const t of this.values()) yield [t, t];
  }
  [Symbol.iterator](): SetIterator<Thread> {
    return this.values();
  }
  forEach(cb: (value: Thread, key: Thread, set: ReadonlySet<Thread>) => void, thisArg?: unknown): void {
    for (const t of this.values()) cb.call(thisArg, t, t, this);
  }
}
