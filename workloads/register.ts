/**
 * The register workload (Jepsen's linearizable-register): independent keys, each a register that a
 * group of client threads reads, writes and compare-and-sets with small random values, so concurrent
 * ops collide often. Checked for linearizability per key (P-compositionality: keys are independent).
 * Op values are [key, value]: read [k, null] → [k, v]; write [k, v]; cas [k, [from, to]].
 */
import { linearizable } from '../checkers/linearizable/index.ts';
import type { Generator } from '../src/core/generator.ts';
import type { Workload, WorkloadDescriptor, WorkloadOptions } from '../src/core/index.ts';
import { opt, optionsSchema } from '../src/core/options.ts';
import { fn, independentConcurrent, limit, mix } from '../src/generator/index.ts';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** `--opt` keys of the register workload. */
export interface RegisterOptions {
  /** Threads working on one key at a time; must divide the concurrency. Default: gcd(concurrency, nodes). */
  threadsPerKey?: number;
  /** Ops per key before the group moves on to a fresh key. */
  opsPerKey?: number;
  /** Values are drawn from 0..valueCount-1: few values make collisions (and violations) visible. */
  valueCount?: number;
  /** 0 leaves out compare-and-set (for systems that only read and write); default: cas is a third of ops. */
  casRatio?: number;
}

/** One key's ops: a random mix of reads, writes and compare-and-sets. */
export function registerOps(valueCount: number, withCas = true): Generator {
  return mix([
    fn(() => ({ f: 'read', value: null })),
    fn((ctx) => ({ f: 'write', value: ctx.rng.int(valueCount) })),
    ...(withCas
      ? [fn((ctx) => ({ f: 'cas', value: [ctx.rng.int(valueCount), ctx.rng.int(valueCount)] }))]
      : []),
  ]);
}

/** The register workload: reads, writes and cas on independent keys, checked for linearizability per key. */
export function registerWorkload(o: WorkloadOptions): Workload {
  const opts = o.options as RegisterOptions;
  const threadsPerKey = Number(opts.threadsPerKey ?? gcd(o.concurrency, Math.max(1, o.nodes.length)));
  if (!Number.isInteger(threadsPerKey) || threadsPerKey < 1 || o.concurrency % threadsPerKey !== 0) {
    throw new Error(
      `register workload: threadsPerKey ${threadsPerKey} must divide the concurrency ${o.concurrency}`,
    );
  }
  const opsPerKey = Number(opts.opsPerKey ?? 200);
  const valueCount = Number(opts.valueCount ?? 5);
  const withCas = Number(opts.casRatio ?? 1) !== 0;
  const keys = (function* () {
    for (let k = 0; ; k++) yield k;
  })();
  return {
    name: 'register',
    generator: independentConcurrent(threadsPerKey, keys, () =>
      limit(opsPerKey, registerOps(valueCount, withCas)),
    ),
    checkers: [linearizable({ model: 'kv' })],
  };
}

/** The register workload's `--opt` keys (RegisterOptions). */
export const registerOptions = optionsSchema({
  threadsPerKey: opt.int(1, 10_000),
  opsPerKey: opt.int(1, 1e9),
  valueCount: opt.int(1, 2 ** 31),
  casRatio: opt.number(0, 1),
});

export const registerWorkloadDescriptor: WorkloadDescriptor = {
  name: 'register',
  options: registerOptions,
  description: 'read/write/cas on independent keys; checked for linearizability per key',
  create: registerWorkload,
};
