/**
 * Where observed values come from, for counterexamples that explain themselves: a read of 63 in a
 * counterexample is kept with a write of 63 (per key: these are the per-partition ops). Which values an
 * op observes and writes is the model's `dataflow`; nothing here steps the model.
 */
import { type Model, NO_DATAFLOW } from './model.ts';
import type { PreparedOp } from './prepare.ts';

/** Value identity across ops: JSON text, with bigints spelled apart from numbers and strings. */
const valueKey = (v: unknown): string =>
  JSON.stringify(v ?? null, (_k, x) => (typeof x === 'bigint' ? { $bigint: x.toString() } : x)) ?? 'null';

export class Sources {
  /** False when the model declares no data flow: then `close` only adds the seed. */
  readonly flows: boolean;
  private readonly observes = new Map<PreparedOp, string[]>();
  /** Writers per value, latest invoked first. */
  private readonly writers = new Map<string, PreparedOp[]>();

  /** `ops`: every op of one partition (the writers a closure may draw on). */
  constructor(model: Model<unknown>, ops: readonly PreparedOp[]) {
    const flow = model.dataflow;
    this.flows = flow !== undefined;
    for (const o of ops) {
      const d = flow ? flow(o.call) : NO_DATAFLOW;
      if (d.observes.length) this.observes.set(o, d.observes.map(valueKey));
      for (const w of d.writes) {
        const k = valueKey(w);
        const list = this.writers.get(k);
        if (list) list.push(o);
        else this.writers.set(k, [o]);
      }
    }
    for (const list of this.writers.values()) list.sort((a, b) => b.callPos - a.callPos);
  }

  /** Ops that wrote `key` and could have been seen by `o`: invoked before `o` returned. Latest first. */
  private candidates(o: PreparedOp, key: string): PreparedOp[] {
    return (this.writers.get(key) ?? []).filter((w) => w !== o && w.callPos < o.retPos);
  }

  /**
   * `seed` plus, for every value an op in the result observes and that some op of the partition wrote,
   * one writer of it, transitively (a CAS kept for its read keeps the write it compared with). A value
   * already written inside the set needs nothing more; otherwise the latest-invoked candidate from
   * `pool` is taken, else from the whole partition. Returned in invoke order.
   */
  close(seed: readonly PreparedOp[], pool: readonly PreparedOp[]): PreparedOp[] {
    const set = new Set(seed);
    if (this.flows) {
      const inPool = new Set(pool);
      const work = [...set];
      while (work.length) {
        const o = work.pop()!;
        for (const key of this.observes.get(o) ?? []) {
          const c = this.candidates(o, key);
          if (c.length === 0 || c.some((w) => set.has(w))) continue;
          const pick = c.find((w) => inPool.has(w)) ?? c[0]!;
          set.add(pick);
          work.push(pick);
        }
      }
    }
    return [...set].sort((a, b) => a.callPos - b.callPos);
  }
}
