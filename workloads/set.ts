/**
 * The set workload (Jepsen's): clients add unique integers to one set while faults happen; after the
 * heal one client on each node reads the whole set. The set checker then lists acknowledged adds that
 * were lost, elements nobody added, and duplicates.
 */
import { setChecker } from '../checkers/set.ts';
import { setFull } from '../checkers/set-full.ts';
import type { Context, Generator, OpResult } from '../src/core/generator.ts';
import type { Workload, WorkloadDescriptor } from '../src/core/index.ts';
import type { Op } from '../src/core/op.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import { eachThread, fillIn, fn, mix, once, onThreads } from '../src/generator/index.ts';

// A class, not an object literal with methods: one small object per op instead of two closures too.
class UniqueAdds implements Generator {
  readonly next: number;
  constructor(next: number) {
    this.next = next;
  }
  op(ctx: Context): OpResult {
    const op = fillIn({ f: 'add', value: this.next }, ctx);
    return op === 'pending' ? 'pending' : { op, gen: new UniqueAdds(this.next + 1) };
  }
  update(_ctx: Context, _event: Op): Generator {
    return this;
  }
}

/** add 0, add 1, add 2, … — a pure generator: its state is the next element. */
export function uniqueAdds(next = 0): Generator {
  return new UniqueAdds(next);
}

/** Final reads: one from each node (thread i talks to node i mod n), so every replica's view is recorded. */
export function finalReadPerNode(nodeCount: number): Generator {
  return onThreads(
    (t) => typeof t === 'number' && t < nodeCount,
    eachThread(once({ f: 'read', value: null })),
  );
}

/**
 * `--opt setReads=true` mixes reads into the run, and adds Jepsen's set-full checker: per element, when
 * it became visible, whether it stayed (stable), vanished after being seen (lost), or was never seen.
 */
export function setWorkload(nodeCount: number, options: Record<string, unknown> = {}): Workload {
  const reads = options.setReads === true || options.setReads === 'true';
  return {
    name: 'set',
    generator: reads ? mix([uniqueAdds(), fn(() => ({ f: 'read', value: null }))]) : uniqueAdds(),
    finalGenerator: finalReadPerNode(nodeCount),
    checkers: reads ? [setChecker, setFull()] : [setChecker],
  };
}

/** The set workload's `--opt` keys. */
export const setOptions = optionsSchema({ setReads: opt.bool() });

export const setWorkloadDescriptor: WorkloadDescriptor = {
  options: setOptions,
  name: 'set',
  description:
    'unique adds to a set, final reads after the heal; finds lost, unexpected and duplicated elements',
  create: (o) => setWorkload(o.nodes.length, o.options),
};
