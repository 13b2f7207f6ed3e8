import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizableSync } from '../../../checkers/linearizable/index.ts';
import { getModel } from '../../../checkers/linearizable/models/registry.ts';
import { prepareHistory } from '../../../checkers/linearizable/prepare.ts';
import { PartitionSearch } from '../../../checkers/linearizable/search.ts';
import type { Op } from '../../../src/core/op.ts';
import { pairOps } from '../../../src/history/pairs.ts';
import { simulateCasRegister } from './simulate.ts';

/**
 * The code paths added for speed (issue 20) against the slow, obvious way of doing the same thing:
 * final paths kept as a shared prefix plus tails vs a full copy of the stack each time; round-robin over
 * keys that stops at the first illegal one vs checking every key on its own; one-pass pairing in
 * prepareHistory vs pairOps.
 */

/** The next state of a 32-bit linear congruential generator (exact integer arithmetic). */
const lcg = (s: number): number => (Math.imul(s, 1103515245) + 12345) >>> 0;

/** A cas-register history with reads corrupted at the given rate (so it is often not linearizable). */
function corrupted(n: number, threads: number, seed: number, crash: number, rate: number): Op[] {
  const h = simulateCasRegister(n, threads, seed, crash);
  let s = seed;
  return h.map((o) => {
    s = lcg(s);
    if (o.type === 'ok' && o.f === 'read' && o.value !== null && s / 2 ** 32 < rate)
      return { ...o, value: ((o.value as number) + 1) % 5 };
    return o;
  });
}

type Internals = {
  noteBlocked(op: number, depth: number): void;
  stackOp: Int32Array;
  rank: Int32Array;
  blockedRank: number;
};

/** Runs a search in slices of `slice` steps, recording final paths the obvious way alongside. */
function searchWithReference(
  history: Op[],
  slice: number,
): { search: PartitionSearch; reference: number[][] } {
  const [partition] = prepareHistory(history, getModel('cas-register')).partitions;
  const search = new PartitionSearch(partition!);
  const reference: number[][] = [];
  const inner = search as unknown as Internals;
  const original = inner.noteBlocked.bind(search);
  inner.noteBlocked = (op: number, depth: number) => {
    const r = inner.rank[2 * op + 1]!;
    if (r > inner.blockedRank) reference.length = 0;
    if (r >= inner.blockedRank && reference.length < 8) reference.push([...inner.stackOp.slice(0, depth)]);
    original(op, depth);
  };
  while (search.run(slice) === 'running') {}
  return { search, reference };
}

describe('speed paths agree with the obvious implementation', () => {
  it('final paths: prefix + tails give exactly the stacks a full copy gives (slices of 1 to 4 K steps)', () => {
    let illegal = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 400 }),
        fc.integer({ min: 2, max: 6 }),
        fc.nat(1_000_000),
        fc.constantFrom(0, 0.05),
        fc.constantFrom(1, 7, 64, 4096),
        (n, threads, seed, crash, slice) => {
          const { search, reference } = searchWithReference(corrupted(n, threads, seed, crash, 0.02), slice);
          if (search.status === 'illegal') illegal++;
          expect(search.finalPaths.map((p) => [...p])).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
    expect(illegal).toBeGreaterThan(50);
  });

  it('early stop across keys: same verdict, an illegal key, and the same kind of counterexample as key by key', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.nat(1_000_000),
        fc.constantFrom(0, 0.02, 0.2),
        (keys, seed, rate) => {
          // Keys' histories interleaved in a seeded order; each key's ops keep their own order.
          const perKey = Array.from({ length: keys }, (_, k) =>
            corrupted(20 + ((seed >> k) % 40), 3, seed + k, 0, rate).map((o) => ({
              ...o,
              process: (o.process as number) * keys + k,
              value: [`k${k}`, o.value],
            })),
          );
          const merged: Op[] = [];
          const at = perKey.map(() => 0);
          let s = seed + 1;
          while (merged.length < perKey.reduce((n, h) => n + h.length, 0)) {
            s = lcg(s);
            const k = (s >>> 8) % keys;
            const o = perKey[k]![at[k]!];
            if (!o) continue;
            at[k]!++;
            merged.push({ ...o, index: merged.length, time: merged.length });
          }
          const all = checkLinearizableSync(merged, 'kv', { minimize: true, minimizeTimeMs: 2000 });
          const alone = perKey.map((h) => checkLinearizableSync(h, 'kv', { minimize: false }).valid);
          const illegalKeys = alone.flatMap((v, k) => (v === false ? [`k${k}`] : []));
          expect(all.valid).toBe(illegalKeys.length === 0);
          if (illegalKeys.length) {
            expect(all.partitions.illegal).toHaveLength(1);
            expect(illegalKeys).toContain(all.failure!.partition);
            expect(all.anomalyTypes).toEqual(['nonlinearizable']);
            // The counterexample is on that key alone and is itself not linearizable.
            const m = all.failure!.minimal!;
            expect(m.history.every((o) => (o.value as [string, unknown])[0] === all.failure!.partition)).toBe(
              true,
            );
            expect(checkLinearizableSync(m.history, 'kv', { minimize: false }).valid).toBe(false);
          } else expect(all.anomalyTypes).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('one-pass pairing: the same ops, positions and problems as pairOps, nemesis ops skipped', () => {
    const event = fc.record({
      process: fc.constantFrom<number | 'nemesis'>(0, 1, 2, 'nemesis'),
      type: fc.constantFrom<Op['type']>('invoke', 'invoke', 'ok', 'fail', 'info'),
      f: fc.constantFrom('read', 'write'),
      value: fc.constantFrom(1, 2),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const h: Op[] = events.map((e, index) => ({
          ...e,
          value: e.f === 'read' && e.type === 'invoke' ? null : e.value,
          index,
          time: index,
        }));
        const prepared = prepareHistory(h, getModel('register'));
        const client = h.filter((o) => o.process !== 'nemesis');
        const { pairs, problems } = pairOps(client);
        expect(prepared.problems).toEqual(problems);
        expect(prepared.dropped.nemesis).toBe(h.length - client.length);
        const kept = pairs.filter((p) => p.completion?.type !== 'fail');
        const ops = [...prepared.partitions.flatMap((p) => [...p.ops, ...p.pruned])].sort(
          (a, b) => a.callPos - b.callPos,
        );
        expect(ops.map((o) => [o.invoke, o.completion, o.crashed])).toEqual(
          kept.map((p) => [p.invoke, p.completion, p.completion?.type !== 'ok']),
        );
        for (const o of ops) {
          expect(h[o.callPos]).toBe(o.invoke);
          expect(o.retPos).toBe(o.crashed ? Number.POSITIVE_INFINITY : o.completion!.index);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
