import { describe, expect, it } from 'vitest';
import type { Context, Generator, OpResult } from '../../../src/core/generator.ts';
import type { Op } from '../../../src/core/op.ts';
import {
  clients,
  fillIn,
  limit,
  mix,
  nemesis,
  once,
  repeat,
  simulate,
  stagger,
} from '../../../src/generator/index.ts';
import { invokes, MS, sec } from './helpers.ts';

describe('simulate: the protocol', () => {
  it('after info a client thread continues under process + concurrency', () => {
    const h = simulate(clients(limit(6, repeat({ f: 'r' }))), {
      concurrency: 2,
      seed: 1,
      complete: (op) => ({ type: op.process === 0 ? 'info' : 'ok' }),
    });
    // Both threads start at once; process 0's op ends info, and its thread goes on as process 2.
    const ps = invokes(h).map((o) => o.process);
    expect(ps.filter((p) => p === 0)).toHaveLength(1);
    expect(new Set(ps)).toEqual(new Set([0, 1, 2]));
    expect(ps.indexOf(2)).toBeGreaterThan(ps.indexOf(0));
    const info = h.filter((o) => o.type === 'info');
    expect(info.map((o) => [o.process, o.time])).toEqual([[0, MS]]);
  });

  it('the nemesis keeps its process after info', () => {
    const h = simulate(nemesis(limit(3, repeat({ f: 'kill' }))), {
      concurrency: 2,
      seed: 1,
      complete: () => ({ type: 'info' }),
    });
    expect(invokes(h).map((o) => o.process)).toEqual(['nemesis', 'nemesis', 'nemesis']);
  });

  it('records dense indices; completions due at t come before dispatches at t, in invoke order', () => {
    const h = simulate(clients(limit(4, repeat({ f: 'r' }))), { concurrency: 2, seed: 1 });
    expect(h.map((o) => o.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(h.map((o) => `${o.type}@${o.time / MS}`)).toEqual([
      'invoke@0',
      'invoke@0',
      'ok@1',
      'ok@1',
      'invoke@1',
      'invoke@1',
      'ok@2',
      'ok@2',
    ]);
    // Completions at a time come in the order of their invokes.
    const ps = h.map((o) => o.process);
    expect(ps.slice(2, 4)).toEqual(ps.slice(0, 2));
    expect(ps.slice(6, 8)).toEqual(ps.slice(4, 6));
  });

  it('uses the completion function for type, latency, value and error', () => {
    const h = simulate(once({ f: 'w', value: 1 }), {
      concurrency: 1,
      seed: 1,
      complete: () => ({ type: 'fail', latencyNs: 42, value: 'no', error: 'boom' }),
    });
    expect(h[1]).toEqual({
      index: 1,
      time: 42,
      type: 'fail',
      process: 0,
      f: 'w',
      value: 'no',
      error: 'boom',
    });
  });

  it('drops a future answer when a completion comes first and asks the old generator again', () => {
    // Emits a, then offers b for 10 ms; once a completes it offers c at once instead.
    const g = (aDone: boolean, aSent: boolean): Generator => ({
      op(ctx: Context): OpResult {
        const t = !aSent ? { f: 'a' } : aDone ? { f: 'c' } : { f: 'b', time: 10 * MS };
        const op = fillIn(t, ctx);
        if (op === 'pending') return 'pending';
        return { op, gen: aDone ? limit(0, null) : g(aDone, true) };
      },
      update(_ctx: Context, e: Op): Generator {
        return e.type === 'ok' && e.f === 'a' ? g(true, true) : this;
      },
    });
    const h = simulate(clients(g(false, false)), {
      concurrency: 2,
      seed: 1,
      complete: () => ({ latencyNs: 2 * MS }),
    });
    expect(invokes(h).map((o) => [o.f, o.time])).toEqual([
      ['a', 0],
      ['c', 2 * MS],
    ]);
  });

  it("re-asks a 'pending' generator every millisecond, and at `until` when it gives one", () => {
    const at = (t: number, untilHint: boolean): Generator => ({
      op(ctx: Context): OpResult {
        if (ctx.time < t) return untilHint ? { pending: true, gen: this, untilNs: t } : 'pending';
        const op = fillIn({ f: 'x' }, ctx);
        return op === 'pending' ? 'pending' : { op, gen: limit(0, null) };
      },
      update() {
        return this;
      },
    });
    expect(invokes(simulate(at(3.5 * MS, false), { concurrency: 1, seed: 1 }))[0]!.time).toBe(4 * MS);
    expect(invokes(simulate(at(3.5 * MS, true), { concurrency: 1, seed: 1 }))[0]!.time).toBe(3.5 * MS);
  });

  it('waits for outstanding ops after the generator is exhausted', () => {
    const h = simulate(once({ f: 'slow' }), {
      concurrency: 1,
      seed: 1,
      complete: () => ({ latencyNs: 5 * MS }),
    });
    expect(h.map((o) => [o.type, o.time])).toEqual([
      ['invoke', 0],
      ['ok', 5 * MS],
    ]);
  });

  it('throws when a generator emits for a busy process', () => {
    const bad: Generator = {
      op: (ctx) => ({ op: { type: 'invoke', process: 0, time: ctx.time, f: 'x', value: null }, gen: bad }),
      update: () => bad,
    };
    expect(() => simulate(bad, { concurrency: 1, seed: 1 })).toThrow(/not free/);
  });

  it('throws instead of running forever', () => {
    const idle: Generator = { op: () => 'pending', update: () => idle };
    expect(() => simulate(idle, { concurrency: 1, seed: 1, maxSteps: 1000 })).toThrow(/no end/);
  });

  it('is deterministic in its seed', () => {
    const g = limit(200, stagger(sec(MS), mix([repeat({ f: 'a' }), repeat({ f: 'b' }), repeat({ f: 'c' })])));
    const complete = (_op: Op, rng: { float(): number }) => ({ latencyNs: rng.float() * 3 * MS });
    const one = simulate(g, { concurrency: 3, seed: 9, complete });
    const two = simulate(g, { concurrency: 3, seed: 9, complete });
    const other = simulate(g, { concurrency: 3, seed: 10, complete });
    expect(two).toEqual(one);
    expect(invokes(one)).toHaveLength(200);
    expect(other.map((o) => [o.f, o.time])).not.toEqual(one.map((o) => [o.f, o.time]));
  });
});
