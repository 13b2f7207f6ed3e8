/**
 * `memory`: an in-process key-value store behind the ordinary System/Client interfaces. No cluster, no
 * Docker: it exists so the whole pipeline (generator → workers → journal → checkers → store) and every
 * checker can be exercised in both directions in a unit test. Choose the misbehaviour with --mode.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Invocation } from '../../src/core/generator.ts';
import type { Client, Completion, RunContext, System, SystemDescriptor } from '../../src/core/index.ts';
import { opt, optionsSchema } from '../../src/core/options.ts';
import { MEMORY_MODES, type MemoryMode, MemoryStore, type MemoryTuning } from './store.ts';

function tuningFrom(options: Record<string, unknown>): Partial<MemoryTuning> {
  const out: Partial<MemoryTuning> = {};
  for (const k of ['lossRate', 'duplicateRate', 'staleMs', 'visibilityMs'] as const) {
    if (options[k] !== undefined) out[k] = Number(options[k]);
  }
  return out;
}

/** Applies one op to the store. Values of independent-key ops are [key, value] tuples. */
function apply(store: MemoryStore, node: string, op: Invocation): Completion {
  const v = op.value;
  switch (op.f) {
    case 'read': {
      if (Array.isArray(v) && v.length === 2)
        return { type: 'ok', value: [v[0], store.read(node, String(v[0]))] };
      return { type: 'ok', value: store.read(node, 'set') ?? [] };
    }
    case 'write': {
      const [k, x] = v as [unknown, unknown];
      store.write(String(k), x);
      return { type: 'ok' };
    }
    case 'cas': {
      const [k, [from, to]] = v as [unknown, [unknown, unknown]];
      return store.cas(String(k), from, to) ? { type: 'ok' } : { type: 'fail', error: 'cas mismatch' };
    }
    case 'add':
      store.add('set', v);
      return { type: 'ok' };
    case 'increment':
      store.increment('counter', Number(v));
      return { type: 'ok' };
    case 'read-counter':
      return { type: 'ok', value: store.read(node, 'counter') ?? 0 };
    default:
      return { type: 'fail', error: `memory system: unknown op f=${op.f}` };
  }
}

export function createMemorySystem(mode: MemoryMode): System {
  let store: MemoryStore | undefined;
  const open = async (test: RunContext, node: { name: string }): Promise<Client> => {
    const latencyMs = Number(test.options.latencyMs ?? 0);
    return {
      async invoke(op) {
        if (!store) throw new Error('memory system used before setup');
        if (latencyMs > 0) await delay(latencyMs);
        return apply(store, node.name, op);
      },
      async close() {},
    };
  };
  // The counter workload's ops are `add` (a delta) and `read`: map them onto the store's counter ops.
  const openCounter = async (test: RunContext, node: { name: string }): Promise<Client> => {
    const c = await open(test, node);
    const f = (x: string) => (x === 'add' ? 'increment' : x === 'read' ? 'read-counter' : x);
    return { invoke: (op, signal) => c.invoke({ ...op, f: f(op.f) }, signal), close: () => c.close() };
  };
  return {
    name: 'memory',
    needsCluster: false,
    async setup(test, node) {
      // One store per run, made when the first node is set up.
      if (!store || node.name === test.nodes[0])
        store = new MemoryStore(mode, test.seed, tuningFrom(test.options));
    },
    async teardown() {},
    clients: { set: open, register: open, counter: openCounter },
  };
}

/** The memory system's `--opt` keys: its modes' tuning (store.ts) and a per-op latency. */
export const memoryOptions = optionsSchema({
  lossRate: opt.number(0, 1),
  duplicateRate: opt.number(0, 1),
  staleMs: opt.number(0, 3_600_000, 'ms'),
  visibilityMs: opt.number(0, 3_600_000, 'ms'),
  latencyMs: opt.number(0, 60_000, 'ms'),
});

export const memorySystem: SystemDescriptor = {
  name: 'memory',
  description: 'in-process key-value store with switchable bugs (no Docker needed)',
  modes: [...MEMORY_MODES],
  options: memoryOptions,
  create: (mode) => createMemorySystem(mode as MemoryMode),
};
