/**
 * `memory`: an in-process key-value store behind the ordinary System/Client interfaces. No cluster, no
 * Docker: it exists so the whole pipeline (generator → workers → journal → checkers → store) and every
 * checker can be exercised in both directions in a unit test. Choose the misbehaviour with --mode: the
 * store's modes (store.ts) for register, set, counter, queue and unique-ids, the isolation levels
 * (txn-store.ts) for the txn workloads list-append, rw-register and long-fork (which uses the
 * rw-register client; `honest` runs them serializable). Queue: lost-writes loses acknowledged
 * enqueues, duplicated-adds delivers some twice; unique-ids: duplicated-adds repeats ids; long-fork:
 * read-committed shows long forks.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Invocation } from '../../src/core/generator.ts';
import type { Client, Completion, RunContext, System, SystemDescriptor } from '../../src/core/index.ts';
import { opt, optionsSchema } from '../../src/core/options.ts';
import { FAULTLINE_VERSION } from '../../src/util/package-version.ts';
import { MEMORY_MODES, type MemoryMode, MemoryStore, type MemoryTuning } from './store.ts';
import { TXN_MODES, type TxnKind, type TxnMode, TxnStore, type TxnTuning } from './txn-store.ts';

/** Every mode of the memory system: the store's, then the isolation levels of txn workloads. */
export type MemorySystemMode = MemoryMode | TxnMode;

const isTxnMode = (m: string): m is TxnMode => (TXN_MODES as readonly string[]).includes(m);

function tuningFrom(options: Record<string, unknown>): Partial<MemoryTuning> {
  const out: Partial<MemoryTuning> = {};
  for (const k of ['lossRate', 'duplicateRate', 'staleMs', 'visibilityMs'] as const) {
    if (options[k] !== undefined) out[k] = Number(options[k]);
  }
  return out;
}

function txnTuningFrom(options: Record<string, unknown>): Partial<TxnTuning> {
  const out: Partial<TxnTuning> = {};
  for (const k of ['txnStepMs', 'abortRate'] as const) {
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
    case 'enqueue':
      store.enqueue('queue', v);
      return { type: 'ok' };
    case 'dequeue': {
      const x = store.dequeue('queue');
      return x === undefined ? { type: 'fail', error: 'empty' } : { type: 'ok', value: x };
    }
    case 'drain': {
      const xs: unknown[] = [];
      for (let x = store.dequeue('queue'); x !== undefined; x = store.dequeue('queue')) xs.push(x);
      return { type: 'ok', value: xs };
    }
    case 'generate':
      return { type: 'ok', value: store.nextId('ids') };
    case 'increment':
      store.increment('counter', Number(v));
      return { type: 'ok' };
    case 'read-counter':
      return { type: 'ok', value: store.read(node, 'counter') ?? 0 };
    default:
      return { type: 'fail', error: `memory system: unknown op f=${op.f}` };
  }
}

/**
 * The memory system in `mode`: a store mode (store.ts) offers register, set and counter; a txn mode
 * (txn-store.ts) offers list-append and rw-register; `honest` offers all of them (txns serializable).
 */
export function createMemorySystem(mode: MemorySystemMode): System {
  const system =
    mode === 'honest'
      ? combine(kvSystem('honest'), txnSystem('serializable'))
      : isTxnMode(mode)
        ? txnSystem(mode)
        : kvSystem(mode);
  // The store is faultline's own code: its version is faultline's.
  system.version = async () => `memory (faultline ${FAULTLINE_VERSION})`;
  return system;
}

/** Two in-process systems as one: both set up and torn down, their clients together. */
function combine(a: System, b: System): System {
  return {
    name: 'memory',
    needsCluster: false,
    async setup(test, node) {
      await a.setup(test, node);
      await b.setup(test, node);
    },
    async teardown(test, node) {
      await a.teardown(test, node);
      await b.teardown(test, node);
    },
    clients: { ...a.clients, ...b.clients },
  };
}

/** The txn workloads' clients on one TxnStore per run, under isolation level `mode`. */
function txnSystem(mode: TxnMode): System {
  let store: TxnStore | undefined;
  const open =
    (kind: TxnKind) =>
    async (test: RunContext): Promise<Client> => {
      const latencyMs = Number(test.options.latencyMs ?? 0);
      return {
        async invoke(op) {
          if (!store) throw new Error('memory system used before setup');
          if (op.f !== 'txn') return { type: 'fail', error: `memory system: ${kind} has no op f=${op.f}` };
          if (latencyMs > 0) await delay(latencyMs);
          try {
            return await store.execute(kind, op.value);
          } catch (err) {
            // A micro-op the store cannot run: nothing was applied.
            return { type: 'fail', error: `memory system: ${(err as Error).message}` };
          }
        },
        async close() {},
      };
    };
  return {
    name: 'memory',
    needsCluster: false,
    async setup(test, node) {
      // One store per run, made when the first node is set up.
      if (!store || node.name === test.nodes[0])
        store = new TxnStore(mode, test.seed, txnTuningFrom(test.options));
    },
    async teardown() {},
    clients: { 'list-append': open('list-append'), 'rw-register': open('rw-register') },
  };
}

/** The register, set, counter, queue and unique-ids clients on one MemoryStore per run, in store mode `mode`. */
function kvSystem(mode: MemoryMode): System {
  let store: MemoryStore | undefined;
  const open = async (test: RunContext, node: { name: string }): Promise<Client> => {
    const latencyMs = Number(test.options.latencyMs ?? 0);
    const run = (op: Invocation): Completion => {
      if (!store) throw new Error('memory system used before setup');
      return apply(store, node.name, op);
    };
    return {
      // Not async without a latency: an already-settled promise, no async frame per op (the runner's
      // throughput bench runs this client). A throw becomes a rejected promise, as from an async function.
      invoke(op) {
        if (latencyMs > 0) return delay(latencyMs).then(() => run(op));
        try {
          return Promise.resolve(run(op));
        } catch (err) {
          return Promise.reject(err);
        }
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
    clients: { set: open, register: open, counter: openCounter, queue: open, 'unique-ids': open },
  };
}

/** The memory system's `--opt` keys: its modes' tuning (store.ts, txn-store.ts) and a per-op latency. */
export const memoryOptions = optionsSchema({
  lossRate: opt.number(0, 1),
  duplicateRate: opt.number(0, 1),
  staleMs: opt.number(0, 3_600_000, 'ms'),
  visibilityMs: opt.number(0, 3_600_000, 'ms'),
  latencyMs: opt.number(0, 60_000, 'ms'),
  // Transactions (txn-store.ts): the pause between micro-ops, and dirty-read's share of aborts.
  txnStepMs: opt.number(0, 1000, 'ms'),
  abortRate: opt.number(0, 1),
});

export const memorySystem: SystemDescriptor = {
  name: 'memory',
  description:
    'in-process key-value store with switchable bugs and transaction isolation levels (no Docker needed)',
  modes: [...MEMORY_MODES, ...TXN_MODES],
  options: memoryOptions,
  create: (mode) => createMemorySystem(mode as MemorySystemMode),
};
