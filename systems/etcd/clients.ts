/**
 * etcd clients for the register, set and counter workloads. Each is bound to one node's gateway.
 * Classification: a read that errs is `fail` (it changed nothing); a write is `fail` only when it certainly
 * had no effect (refused connection, a compare that failed, a rejection raised before Raft), else `info`.
 */

import { errorText } from '../../src/core/errors.ts';
import type { Invocation } from '../../src/core/generator.ts';
import type { Client, ClientFactory, Completion, NodeRef, RunContext } from '../../src/core/index.ts';
import { EtcdError, EtcdHttp, type KeyValue } from './http.ts';

export type ReadMode = 'linearizable' | 'serializable';

export function readModeOf(options: Record<string, unknown>): ReadMode {
  const m = options.readMode ?? 'linearizable';
  if (m !== 'linearizable' && m !== 'serializable') {
    throw new Error(`etcd: --opt readMode=${String(m)}: use linearizable or serializable`);
  }
  return m;
}

function httpFor(node: NodeRef): EtcdHttp {
  if (!node.remote) throw new Error(`etcd: node ${node.name} has no remote`);
  return new EtcdHttp(node.remote.ip);
}

const message = errorText;

/** The completion for a write that threw: fail only when nothing can have happened. */
export function writeError(err: unknown): Completion {
  const definite = err instanceof EtcdError && err.definite;
  return { type: definite ? 'fail' : 'info', error: message(err) };
}

/** A read has no effect, so any error is a definite failure. */
export function readError(err: unknown): Completion {
  return { type: 'fail', error: message(err) };
}

/**
 * Read-modify-write by compare-and-swap on the key's mod revision, retried while other clients win the
 * race. `initial` is the state read beforehand. Returns `ok` once a txn applied; `fail` if the op was cut
 * off between attempts (no txn applied); a txn that errs is classified by writeError.
 */
async function casLoop(
  http: EtcdHttp,
  key: string,
  initial: KeyValue | undefined,
  update: (old: string | undefined) => string,
  signal: AbortSignal,
): Promise<Completion> {
  let cur = initial;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted)
      return { type: 'fail', error: `gave up after ${attempt - 1} lost compare-and-swap races` };
    let r: Awaited<ReturnType<EtcdHttp['casRevision']>>;
    try {
      r = await http.casRevision(key, cur?.modRevision ?? 0, update(cur?.value), signal);
    } catch (err) {
      return writeError(err);
    }
    if (r.ok) return { type: 'ok' };
    cur = r.current;
  }
}

function client(invoke: (op: Invocation, signal: AbortSignal) => Promise<Completion>): Client {
  return { invoke, async close() {} };
}

/** register: [k, v] values; read [k, null] → [k, v]; write [k, v]; cas [k, [from, to]]. */
export const etcdRegisterClient: ClientFactory = async (test: RunContext, node: NodeRef) => {
  const http = httpFor(node);
  const serializable = readModeOf(test.options) === 'serializable';
  return client(async (op, signal) => {
    const [k, v] = op.value as [unknown, unknown];
    const key = `register/${JSON.stringify(k)}`;
    switch (op.f) {
      case 'read':
        try {
          const kv = await http.get(key, serializable, signal);
          return { type: 'ok', value: [k, kv ? (JSON.parse(kv.value) as unknown) : null] };
        } catch (err) {
          return readError(err);
        }
      case 'write':
        try {
          await http.put(key, JSON.stringify(v), signal);
          return { type: 'ok' };
        } catch (err) {
          return writeError(err);
        }
      case 'cas': {
        const [from, to] = v as [unknown, unknown];
        try {
          const ok = await http.casValue(key, JSON.stringify(from), JSON.stringify(to), signal);
          return ok ? { type: 'ok' } : { type: 'fail', error: 'cas mismatch' };
        } catch (err) {
          return writeError(err);
        }
      }
      default:
        return { type: 'fail', error: `etcd register: unknown op f=${op.f}` };
    }
  });
};

const SET_KEY = 'set';
const COUNTER_KEY = 'counter';

/** set: add v appends to a JSON list under one key (compare-and-swap); read → the list. */
export const etcdSetClient: ClientFactory = async (test: RunContext, node: NodeRef) => {
  const http = httpFor(node);
  const serializable = readModeOf(test.options) === 'serializable';
  return client(async (op, signal) => {
    switch (op.f) {
      case 'add': {
        let cur: KeyValue | undefined;
        try {
          cur = await http.get(SET_KEY, false, signal);
        } catch (err) {
          return readError(err); // Nothing written yet.
        }
        const add = (old: string | undefined) =>
          JSON.stringify([...(old ? (JSON.parse(old) as unknown[]) : []), op.value]);
        return casLoop(http, SET_KEY, cur, add, signal);
      }
      case 'read':
        try {
          const kv = await http.get(SET_KEY, serializable, signal);
          return { type: 'ok', value: kv ? (JSON.parse(kv.value) as unknown[]) : [] };
        } catch (err) {
          return readError(err);
        }
      default:
        return { type: 'fail', error: `etcd set: unknown op f=${op.f}` };
    }
  });
};

/** counter: add d increments by compare-and-swap; read → the number (0 before any add). */
export const etcdCounterClient: ClientFactory = async (test: RunContext, node: NodeRef) => {
  const http = httpFor(node);
  const serializable = readModeOf(test.options) === 'serializable';
  return client(async (op, signal) => {
    switch (op.f) {
      case 'add': {
        const delta = Number(op.value);
        let cur: KeyValue | undefined;
        try {
          cur = await http.get(COUNTER_KEY, false, signal);
        } catch (err) {
          return readError(err);
        }
        return casLoop(http, COUNTER_KEY, cur, (old) => String(Number(old ?? 0) + delta), signal);
      }
      case 'read':
        try {
          const kv = await http.get(COUNTER_KEY, serializable, signal);
          return { type: 'ok', value: kv ? Number(kv.value) : 0 };
        } catch (err) {
          return readError(err);
        }
      default:
        return { type: 'fail', error: `etcd counter: unknown op f=${op.f}` };
    }
  });
};
