import { describe, expect, it } from 'vitest';
import {
  clients,
  clientsAndNemesis,
  eachThread,
  fn,
  limit,
  nemesis,
  once,
  onThreads,
  onUpdate,
  repeat,
  reserve,
  simulate,
  stagger,
} from '../../../src/generator/index.ts';
import { countByThread, invokes, MS, sec, threadOf } from './helpers.ts';

const read = { f: 'r' };

describe('eachThread', () => {
  it('gives every thread of the context its own copy', () => {
    const h = simulate(eachThread(limit(3, repeat(read))), { concurrency: 4, seed: 1 });
    expect(countByThread(h, 4)).toEqual(
      new Map<number | 'nemesis', number>([
        [0, 3],
        [1, 3],
        [2, 3],
        [3, 3],
        ['nemesis', 3],
      ]),
    );
  });

  it('inside clients: one op per client thread', () => {
    const h = simulate(clients(eachThread(once(read))), { concurrency: 3, seed: 1 });
    expect(
      invokes(h)
        .map((o) => o.process)
        .sort(),
    ).toEqual([0, 1, 2]);
  });

  it('each copy sees only its own thread', () => {
    const h = simulate(
      clients(
        eachThread(
          limit(
            2,
            fn((ctx) => ({ f: 'r', value: ctx.threads })),
          ),
        ),
      ),
      {
        concurrency: 3,
        seed: 1,
      },
    );
    for (const o of invokes(h)) expect(o.value).toEqual([o.process]);
    expect(invokes(h)).toHaveLength(6);
  });

  it('keeps a thread going under its new process after info', () => {
    const h = simulate(clients(eachThread(limit(3, repeat(read)))), {
      concurrency: 2,
      seed: 1,
      complete: (op) => ({ type: op.process === 0 ? 'info' : 'ok' }),
    });
    expect(
      invokes(h)
        .filter((o) => threadOf(o.process, 2) === 0)
        .map((o) => o.process),
    ).toEqual([0, 2, 2]);
  });
});

describe('reserve, onThreads, clients, nemesis', () => {
  it('reserve gives fixed groups of threads to each generator', () => {
    const g = clients(
      limit(
        200,
        reserve(
          [
            [2, repeat({ f: 'w' })],
            [1, repeat({ f: 'cas' })],
          ],
          repeat(read),
        ),
      ),
    );
    const h = simulate(g, {
      concurrency: 5,
      seed: 2,
      complete: (_o, rng) => ({ latencyNs: rng.float() * MS }),
    });
    const byThread = new Map<number | 'nemesis', Set<string>>();
    for (const o of invokes(h)) {
      const t = threadOf(o.process, 5);
      byThread.set(t, (byThread.get(t) ?? new Set()).add(o.f));
    }
    expect(byThread).toEqual(
      new Map<number | 'nemesis', Set<string>>([
        [0, new Set(['w'])],
        [1, new Set(['w'])],
        [2, new Set(['cas'])],
        [3, new Set(['r'])],
        [4, new Set(['r'])],
      ]),
    );
  });

  it('reserve ends when every group is exhausted', () => {
    const h = simulate(clients(reserve([[1, limit(2, repeat({ f: 'w' }))]], limit(3, repeat(read)))), {
      concurrency: 3,
      seed: 1,
    });
    expect(
      invokes(h)
        .map((o) => o.f)
        .sort(),
    ).toEqual(['r', 'r', 'r', 'w', 'w']);
  });

  it('onThreads keeps to the chosen threads', () => {
    const h = simulate(
      onThreads((t) => t === 1 || t === 3, limit(20, repeat(read))),
      { concurrency: 4, seed: 1 },
    );
    expect(new Set(invokes(h).map((o) => o.process))).toEqual(new Set([1, 3]));
    expect(invokes(h)).toHaveLength(20);
  });

  it('clients never uses the nemesis; nemesis uses nothing else', () => {
    const c = simulate(limit(10, clients(repeat(read))), { concurrency: 2, seed: 1 });
    expect(invokes(c).some((o) => o.process === 'nemesis')).toBe(false);
    const n = simulate(limit(10, nemesis(repeat({ f: 'kill' }))), { concurrency: 2, seed: 1 });
    expect(invokes(n).map((o) => o.process)).toEqual(Array(10).fill('nemesis'));
  });

  it('a routed generator hears only the events of its own threads', () => {
    const heard: (number | 'nemesis')[] = [];
    const spy = onUpdate(
      (inner, ctx, e) => {
        heard.push(e.process);
        return inner.update(ctx, e);
      },
      limit(2, repeat(read)),
    );
    simulate(clientsAndNemesis(spy, limit(2, repeat({ f: 'kill' }))), { concurrency: 1, seed: 1 });
    // invoke, ok, invoke: the last ok comes after the client part was exhausted and dropped by `any`.
    expect(heard).toEqual([0, 0, 0]);
  });

  it('clientsAndNemesis runs both at once', () => {
    const h = simulate(
      clientsAndNemesis(limit(5, stagger(sec(MS), repeat(read))), limit(2, repeat({ f: 'kill' }))),
      {
        concurrency: 2,
        seed: 1,
        complete: () => ({ latencyNs: 3 * MS }),
      },
    );
    const nem = invokes(h).filter((o) => o.process === 'nemesis');
    expect(nem.map((o) => [o.f, o.time])).toEqual([
      ['kill', 0],
      ['kill', 3 * MS],
    ]);
    expect(invokes(h).filter((o) => o.process !== 'nemesis')).toHaveLength(5);
  });
});
