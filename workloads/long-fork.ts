/**
 * The long-fork workload (Jepsen's jepsen.tests.long-fork): inserts of unique keys, each written once
 * with value 1, in groups of `longForkGroupSize` consecutive keys, and reads of a whole group (keys in
 * shuffled order). Under snapshot isolation (or anything stronger) all reads of a group agree on one
 * order of its inserts; a long fork is two reads that disagree (one sees x but not y, the other y but
 * not x), which parallel snapshot isolation and weaker allow.
 *
 * Ops are rw-register txns (Elle's micro-op form), so any system with an `rw-register` client runs it:
 * inserts `{f:'txn', value:[['w', k, 1]]}`, reads `{f:'txn', value:[['r', k1, null], ['r', k2, null], …]}`.
 * The generator follows Jepsen's: a thread that just inserted key k next reads k's group; otherwise it
 * reads the group of another thread's latest insert (half the time, when there is one) or inserts the
 * next key.
 */
import { longForkChecker } from '../checkers/long-fork.ts';
import type { Context, Generator, OpResult, Thread } from '../src/core/generator.ts';
import type { Workload, WorkloadDescriptor, WorkloadOptions } from '../src/core/index.ts';
import type { Op } from '../src/core/op.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import { fillIn } from '../src/generator/index.ts';

/** Jepsen's default group size. */
export const DEFAULT_LONG_FORK_GROUP_SIZE = 2;

/** The keys of k's group: n consecutive keys from k - k mod n. */
export function groupFor(n: number, k: number): number[] {
  const lower = k - (k % n);
  return Array.from({ length: n }, (_, i) => lower + i);
}

class LongForkGen implements Generator {
  readonly n: number;
  readonly nextKey: number;
  /** Per thread, the key it inserted last and has not read since. */
  readonly lastInsert: ReadonlyMap<Thread, number>;
  constructor(n: number, nextKey: number, lastInsert: ReadonlyMap<Thread, number>) {
    this.n = n;
    this.nextKey = nextKey;
    this.lastInsert = lastInsert;
  }

  op(ctx: Context): OpResult {
    const picked = fillIn({ f: 'txn', value: null }, ctx);
    if (picked === 'pending') return 'pending';
    const thread = ctx.threadOf(picked.process);
    const readOf = (k: number) => {
      // Shuffled, as Jepsen's: a fixed read order would hide forks that depend on it.
      return ctx.rng.shuffle(groupFor(this.n, k)).map((key) => ['r', key, null]);
    };
    const mine = this.lastInsert.get(thread);
    if (mine !== undefined) {
      const rest = new Map(this.lastInsert);
      rest.delete(thread);
      return { op: { ...picked, value: readOf(mine) }, gen: new LongForkGen(this.n, this.nextKey, rest) };
    }
    const others = [...this.lastInsert.values()];
    if (others.length > 0 && ctx.rng.float() < 0.5) {
      return { op: { ...picked, value: readOf(others[ctx.rng.int(others.length)]!) }, gen: this };
    }
    const next = new Map(this.lastInsert).set(thread, this.nextKey);
    return {
      op: { ...picked, value: [['w', this.nextKey, 1]] },
      gen: new LongForkGen(this.n, this.nextKey + 1, next),
    };
  }

  update(_ctx: Context, _event: Op): Generator {
    return this;
  }
}

/** Inserts of fresh keys and group reads, as Jepsen's long-fork generator. Pure. */
export function longForkGenerator(groupSize: number): Generator {
  return new LongForkGen(groupSize, 0, new Map());
}

/** The long-fork workload's `--opt` keys. */
export const longForkOptions = optionsSchema({
  /** Keys per group (each read reads one whole group); Jepsen's default is 2. */
  longForkGroupSize: opt.int(2, 1000),
});

export function longForkWorkload(o: WorkloadOptions): Workload {
  const n = Number(o.options.longForkGroupSize ?? DEFAULT_LONG_FORK_GROUP_SIZE);
  return {
    name: 'long-fork',
    client: 'rw-register',
    generator: longForkGenerator(n),
    checkers: [longForkChecker(n)],
  };
}

export const longForkWorkloadDescriptor: WorkloadDescriptor = {
  name: 'long-fork',
  client: 'rw-register',
  description:
    'inserts of unique keys and reads of key groups (rw-register txns); finds reads that disagree on the order of inserts',
  options: longForkOptions,
  create: longForkWorkload,
};
