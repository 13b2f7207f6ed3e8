/** Property tests of the generators through the simulator (fast-check, fixed seeds: no flakes). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../../src/core/op.ts';
import {
  clients,
  clientsAndNemesis,
  cycle,
  eachThread,
  fn,
  type GenLike,
  independentConcurrent,
  limit,
  mix,
  phases,
  type Rng,
  repeat,
  seq,
  simulate,
  sleep,
  stagger,
  timeLimit,
} from '../../../src/generator/index.ts';
import { completions, countByThread, invokes, MS, pairs, sec, threadOf } from './helpers.ts';

const FC = { seed: 20261123, numRuns: 60 };

type OutcomeMix = { info: number; fail: number; minLatency: number; maxLatency: number };
const outcomesWith = (minLatency: number) =>
  fc.record({
    info: fc.double({ min: 0, max: 0.4, noNaN: true }),
    fail: fc.double({ min: 0, max: 0.3, noNaN: true }),
    minLatency: fc.constant(minLatency),
    maxLatency: fc.integer({ min: minLatency, max: 20 * MS }),
  });
const outcomes = outcomesWith(0);
/** Random latencies and outcomes, drawn from the simulator's completion Rng (so: deterministic). */
const completeWith =
  (o: OutcomeMix) =>
  (_op: Op, rng: Rng): { type: 'ok' | 'fail' | 'info'; latencyNs: number } => {
    const x = rng.float();
    const type = x < o.info ? 'info' : x < o.info + o.fail ? 'fail' : 'ok';
    return { type, latencyNs: o.minLatency + rng.int(o.maxLatency - o.minLatency + 1) };
  };

/** A few infinite client generators of different shapes. */
const infinite = (kind: number, mean: number): GenLike =>
  [
    repeat({ f: 'r' }),
    mix([
      repeat({ f: 'r' }),
      repeat({ f: 'w', value: 1 }),
      fn((ctx) => ({ f: 'cas', value: ctx.rng.int(5) })),
    ]),
    stagger(sec(mean), repeat({ f: 'r' })),
    cycle([{ f: 'a' }, { f: 'b' }]),
  ][kind % 4];

describe('generator properties', () => {
  it('the same seed gives the same history; different seeds give different ones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 2 ** 20 }),
        fc.integer({ min: 1, max: 6 }),
        outcomes,
        (seed, delta, concurrency, o) => {
          const g = clientsAndNemesis(
            limit(60, stagger(sec(MS), mix([repeat({ f: 'r' }), repeat({ f: 'w' }), repeat({ f: 'cas' })]))),
            limit(4, cycle([sleep(sec(3 * MS)), { f: 'start' }, sleep(sec(3 * MS)), { f: 'stop' }])),
          );
          const run = (s: number) => simulate(g, { concurrency, seed: s, complete: completeWith(o) });
          const one = run(seed);
          expect(run(seed)).toEqual(one);
          const other = run(seed + delta);
          expect(other.map((x) => [x.f, x.time])).not.toEqual(one.map((x) => [x.f, x.time]));
        },
      ),
      FC,
    );
  });

  it('limit(n) of an infinite generator emits exactly n ops', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 150 }),
        fc.integer({ min: 1, max: 10 }),
        fc.nat(),
        fc.integer({ min: 1, max: 5 * MS }),
        outcomes,
        fc.integer(),
        (n, concurrency, kind, mean, o, seed) => {
          const h = simulate(limit(n, infinite(kind, mean)), {
            concurrency,
            seed,
            complete: completeWith(o),
          });
          expect(invokes(h)).toHaveLength(n);
          expect(completions(h)).toHaveLength(n);
        },
      ),
      FC,
    );
  });

  it('nothing is emitted at or after a time limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 * MS }),
        fc.integer({ min: 0, max: 10 * MS }),
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        fc.integer({ min: MS / 10, max: 3 * MS }),
        // Ops that take no time at all would run without end at one instant: the clock must move.
        outcomesWith(MS / 10),
        fc.integer(),
        (ns, pause, concurrency, kind, mean, o, seed) => {
          const h = simulate(seq(sleep(sec(pause)), timeLimit(sec(ns), infinite(kind, mean))), {
            concurrency,
            seed,
            complete: completeWith(o),
          });
          for (const op of invokes(h)) {
            expect(op.time).toBeGreaterThanOrEqual(pause);
            expect(op.time).toBeLessThan(pause + ns);
          }
          if (ns >= MS) expect(invokes(h).length).toBeGreaterThan(0);
        },
      ),
      FC,
    );
  });

  it("stagger's achieved rate is within 10% of the asked rate", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MS / 10, max: 20 * MS }),
        fc.integer({ min: 2, max: 10 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer(),
        (mean, concurrency, load, seed) => {
          const n = 2000;
          // Latency up to the mean: the threads can keep up, so the schedule alone sets the pace.
          const h = simulate(clients(limit(n, stagger(sec(mean), repeat({ f: 'r' })))), {
            concurrency,
            seed,
            nemesis: false,
            complete: (_op, rng) => ({ latencyNs: Math.floor(rng.float() * load * mean) }),
          });
          const ts = invokes(h).map((o) => o.time);
          const rate = (n - 1) / (ts[n - 1]! - ts[0]!);
          expect(Math.abs(rate * mean - 1)).toBeLessThan(0.1);
        },
      ),
      { seed: 42, numRuns: 30 },
    );
  });

  it('eachThread gives every thread its own copy, and a crashed thread keeps working', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        outcomes,
        fc.integer(),
        (concurrency, k, withNemesis, o, seed) => {
          const h = simulate(eachThread(limit(k, repeat({ f: 'r' }))), {
            concurrency,
            seed,
            nemesis: withNemesis,
            complete: completeWith(o),
          });
          const counts = countByThread(h, concurrency);
          const threads = [...Array(concurrency).keys(), ...(withNemesis ? ['nemesis' as const] : [])];
          for (const t of threads) expect(counts.get(t) ?? 0).toBe(k);
          expect(invokes(h)).toHaveLength(k * threads.length);
        },
      ),
      FC,
    );
  });

  it('info bumps the process by the concurrency; nothing else changes it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), outcomes, fc.integer(), (concurrency, o, seed) => {
        const h = simulate(limit(80, repeat({ f: 'r' })), { concurrency, seed, complete: completeWith(o) });
        const expected = new Map<number | 'nemesis', number | 'nemesis'>([
          ...[...Array(concurrency).keys()].map((t) => [t, t] as [number, number]),
          ['nemesis', 'nemesis'],
        ]);
        let infos = 0;
        for (const op of h) {
          const t = threadOf(op.process, concurrency);
          expect(op.process).toBe(expected.get(t));
          if (op.type === 'info' && t !== 'nemesis') {
            expected.set(t, (op.process as number) + concurrency);
            infos++;
          }
        }
        pairs(h); // throws if a process had two ops outstanding
        expect(invokes(h)).toHaveLength(80);
        const retired = new Set(invokes(h).map((x) => x.process)).size - concurrency - 1;
        expect(retired).toBeLessThanOrEqual(infos);
      }),
      FC,
    );
  });

  it('phases: no op of a phase is invoked before every op of the previous one completed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        outcomes,
        fc.integer(),
        (concurrency, n1, n2, o, seed) => {
          const h = simulate(
            phases(
              limit(n1, mix([repeat({ f: 'a' }), repeat({ f: 'a2' })])),
              clients(limit(n2, stagger(sec(MS / 2), repeat({ f: 'b' })))),
            ),
            { concurrency, seed, complete: completeWith(o) },
          );
          const one = h.filter((x) => x.f !== 'b');
          const two = h.filter((x) => x.f === 'b');
          expect(invokes(one)).toHaveLength(n1);
          expect(invokes(two)).toHaveLength(n2);
          const lastDone = Math.max(...completions(one).map((x) => x.index));
          const firstTwo = Math.min(...invokes(two).map((x) => x.index));
          expect(firstTwo).toBeGreaterThan(lastDone);
          expect(invokes(two)[0]!.time).toBeGreaterThanOrEqual(
            Math.max(...completions(one).map((x) => x.time)),
          );
        },
      ),
      FC,
    );
  });

  it('independentConcurrent: at most threadsPerKey threads per key, each key fed by its own generator', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
        outcomes,
        fc.integer(),
        (perKey, groups, opsPerKey, o, seed) => {
          const concurrency = perKey * groups;
          const keys = opsPerKey.map((_, i) => `k${i}`);
          const g = independentConcurrent(perKey, keys, (k) =>
            limit(
              opsPerKey[keys.indexOf(k)]!,
              fn(() => ({ f: 'w', value: `from ${k}` })),
            ),
          );
          const h = simulate(g, { concurrency, seed, complete: completeWith(o) });
          const inFlight = new Map<string, Set<number>>();
          const everOn = new Map<string, Set<number>>();
          const count = new Map<string, number>();
          const keyOf = new Map<Op['process'], string>();
          for (const op of h) {
            const t = threadOf(op.process, concurrency) as number;
            if (op.type === 'invoke') {
              const [k, v] = op.value as [string, string];
              expect(v).toBe(`from ${k}`);
              keyOf.set(op.process, k);
              count.set(k, (count.get(k) ?? 0) + 1);
              inFlight.set(k, (inFlight.get(k) ?? new Set()).add(t));
              everOn.set(k, (everOn.get(k) ?? new Set()).add(t));
              expect(inFlight.get(k)!.size).toBeLessThanOrEqual(perKey);
            } else {
              inFlight.get(keyOf.get(op.process)!)!.delete(t);
            }
          }
          for (const [i, k] of keys.entries()) expect(count.get(k)).toBe(opsPerKey[i]);
          for (const ts of everOn.values()) {
            expect(ts.size).toBeLessThanOrEqual(perKey);
            expect(new Set([...ts].map((t) => Math.floor(t / perKey))).size).toBe(1);
          }
        },
      ),
      FC,
    );
  });
});
