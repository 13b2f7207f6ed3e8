/**
 * Histories for the linearizability benches (bench/linearizability.ts, bench/lin-long.ts), made by the
 * memory system's store (systems/memory/store.ts, mode `honest`) driven directly, not through the runner
 * (1M ops through the runner would take minutes and measure the runner). `concurrency` simulated
 * processes each invoke an op (read, write or cas on `[key, v]`, keys chosen uniformly), apply it to the
 * store at one later instant and complete it later still, the three events of all processes interleaved
 * at random (seeded). The store applies one op at a time, so the history is linearizable by
 * construction, as a run of the memory system would record it. Written values are unique per history,
 * so a stale read is certainly illegal: the planted anomaly is one ok read in the second half of the
 * history whose value is replaced by a value of its key certainly overwritten before the read began.
 */
import type { Op } from '../src/core/op.ts';
import { MemoryStore } from '../systems/memory/store.ts';

/**
 * A history of `nOps` client ops over `keys` keys from `concurrency` processes (see above); with `plant`,
 * `staleAt` is the position of the planted stale read's completion (-1: none planted or none possible).
 */
export function generate(
  nOps: number,
  keys: number,
  concurrency: number,
  seed: number,
  plant: boolean,
): { history: Op[]; staleAt: number } {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const store = new MemoryStore('honest', seed);
  const history: Op[] = [];
  const push = (type: Op['type'], process: number, f: string, value: unknown): number => {
    history.push({ index: history.length, time: history.length, type, process, f, value });
    return history.length - 1;
  };
  interface Pending {
    f: string;
    key: string;
    arg: unknown;
    applied: boolean;
    result: unknown;
    ok: boolean;
    /** For a write/cas that changed the key: the value it replaced (index into overwritten). */
    replaced: number;
    invokedAt: number;
  }
  const pending: (Pending | undefined)[] = new Array(concurrency).fill(undefined);
  /**
   * Values overwritten: the history index where the op that wrote the value completed, where the op
   * that overwrote it was invoked and where it completed (-1 until then).
   */
  const overwritten: { value: unknown; writtenAt: number; invokedAt: number; completedAt: number }[] = [];
  /** Written value → where the op that wrote it completed. */
  const writtenAt = new Map<unknown, number>();
  const lastOverwrite = new Map<string, number[]>();
  let written = 0;
  let started = 0;
  let busy = 0;
  while (started < nOps || busy > 0) {
    const p = Math.floor(rnd() * concurrency);
    const op = pending[p];
    if (!op) {
      if (started >= nOps) continue;
      started++;
      busy++;
      const key = String(Math.floor(rnd() * keys));
      const r = rnd();
      const f = r < 0.5 ? 'read' : r < 0.8 ? 'write' : 'cas';
      let arg: unknown = null;
      if (f === 'write') arg = ++written;
      if (f === 'cas') {
        const cur = store.read('n1', key);
        arg = [rnd() < 0.7 ? cur : written, ++written];
      }
      const invokedAt = push('invoke', p, f, [key, arg]);
      pending[p] = { f, key, arg, applied: false, result: null, ok: true, replaced: -1, invokedAt };
    } else if (!op.applied) {
      op.applied = true;
      const before = store.read('n1', op.key);
      if (op.f === 'read') op.result = before;
      else if (op.f === 'write') store.write(op.key, op.arg);
      else op.ok = store.cas(op.key, (op.arg as [unknown, unknown])[0], (op.arg as [unknown, unknown])[1]);
      if (op.f !== 'read' && op.ok && before !== null) {
        op.replaced =
          overwritten.push({
            value: before,
            writtenAt: writtenAt.get(before) ?? Number.POSITIVE_INFINITY,
            invokedAt: op.invokedAt,
            completedAt: -1,
          }) - 1;
      }
    } else {
      pending[p] = undefined;
      busy--;
      const value = op.f === 'read' ? [op.key, op.result] : [op.key, op.arg];
      const at = push(op.ok ? 'ok' : 'fail', p, op.f, value);
      if (op.ok && op.f !== 'read') writtenAt.set(op.f === 'write' ? op.arg : (op.arg as unknown[])[1], at);
      if (op.replaced >= 0) {
        overwritten[op.replaced]!.completedAt = at;
        const list = lastOverwrite.get(op.key) ?? [];
        list.push(op.replaced);
        lastOverwrite.set(op.key, list);
      }
    }
  }
  // The stale read: an ok read past the middle returns a value v of its key that is certainly overwritten
  // before the read: v's write completed before the overwriting op was invoked, and that op completed
  // before the read was invoked (values are unique, so v never comes back).
  const invokeOf = new Map<number, number>();
  const open = new Map<number, number>();
  for (const o of history) {
    if (o.type === 'invoke') open.set(o.process as number, o.index);
    else invokeOf.set(o.index, open.get(o.process as number)!);
  }
  let staleAt = -1;
  for (let i = history.length >> 1; plant && i < history.length && staleAt < 0; i++) {
    const o = history[i]!;
    if (o.type !== 'ok' || o.f !== 'read') continue;
    const [key] = o.value as [string, unknown];
    const inv = invokeOf.get(i)!;
    const list = lastOverwrite.get(key) ?? [];
    for (let j = list.length - 1; j >= 0; j--) {
      const w = overwritten[list[j]!]!;
      if (w.completedAt >= 0 && w.completedAt < inv && w.writtenAt < w.invokedAt) {
        history[i] = { ...o, value: [key, w.value] };
        staleAt = i;
        break;
      }
    }
  }
  return { history, staleAt };
}

/** Registers as one key checked with cas-register (values unwrapped), kv with the kv model. */
export function asRegister(history: Op[]): Op[] {
  return history.map((o) => ({ ...o, value: (o.value as [string, unknown])[1] }));
}
