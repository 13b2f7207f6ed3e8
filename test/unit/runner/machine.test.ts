import { describe, expect, it } from 'vitest';
import type { Generator, Invocation, Thread } from '../../../src/core/generator.ts';
import type { Completion, Op } from '../../../src/core/op.ts';
import { Rng } from '../../../src/core/rng.ts';
import { clients, limit, mix, repeat, seq, simulate } from '../../../src/generator/index.ts';
import { Machine } from '../../../src/generator/machine.ts';
import { interpret, type Worker } from '../../../src/runner/interpreter.ts';

/** The completion script both shells follow: decided by the op alone, never by timing. */
function script(op: { f: string; value: unknown }): Completion {
  const v = op.value as number;
  if (op.f === 'read') return v % 3 === 0 ? { type: 'ok', value: 7 } : { type: 'fail', error: 'no leader' };
  return v % 4 === 1 ? { type: 'info', error: 'timeout' } : { type: 'ok' };
}

/** Writes and reads with values drawn from ctx.rng, so thread choice and values both use the run's Rng. */
function workload(n: number): Generator {
  let i = 0;
  const ops = mix([repeat(() => ({ f: 'write', value: i++ })), repeat(() => ({ f: 'read', value: i++ }))]);
  return clients(limit(n, ops));
}

const withoutTime = (h: Op[]) => h.map(({ time: _t, ...rest }) => rest);

/**
 * Workers that answer only when every client thread is busy (a barrier), in invocation order: the
 * interpreter then sees the same event order as the simulator with a fixed latency, whatever the
 * machine's load (no timing in the test).
 */
function barrierWorkers(concurrency: number): Map<Thread, Worker> {
  const waiting: Array<{ op: Invocation; resolve: (c: Completion) => void }> = [];
  const workers = new Map<Thread, Worker>();
  for (let t = 0; t < concurrency; t++) {
    workers.set(t, {
      invoke: (op) =>
        new Promise<Completion>((resolve) => {
          waiting.push({ op, resolve });
          if (waiting.length === concurrency) for (const w of waiting.splice(0)) w.resolve(script(w.op));
        }),
    });
  }
  return workers;
}

describe('one state machine, two shells', () => {
  it('the interpreter and the simulator give the same history for the same generator and script', async () => {
    for (const seed of [1, 2, 3]) {
      const concurrency = 3;
      const n = 60; // a multiple of concurrency: the barrier releases every round
      const simulated = simulate(workload(n), {
        concurrency,
        seed,
        nemesis: false,
        complete: (op) => ({ ...script(op), latencyNs: 1_000_000 }),
      });
      const history: Op[] = [];
      const t0 = performance.now();
      await interpret({
        generator: workload(n),
        concurrency,
        workers: barrierWorkers(concurrency),
        rng: new Rng(seed),
        clock: () => Math.round((performance.now() - t0) * 1e6),
        record: (op) => history.push(op),
        firstIndex: 0,
        opTimeoutMs: 60_000,
      });
      expect(simulated).toHaveLength(2 * n);
      // Some ops of every kind, so the comparison covers the info process bump and fail.
      expect(new Set(simulated.map((o) => o.type))).toEqual(new Set(['invoke', 'ok', 'fail', 'info']));
      expect(withoutTime(history)).toEqual(withoutTime(simulated));
    }
  });

  it('records, frees, bumps the process on info, then tells the generator (in that order)', () => {
    const seen: string[] = [];
    const spy = (label: string): Generator => ({
      op: () => 'pending',
      update(ctx, event) {
        seen.push(
          `${label} ${event.type} p${String(event.process)} free=${[...ctx.free].join(',')} ` +
            `proc0=${String(ctx.processOf(0))}`,
        );
        return this;
      },
    });
    const recorded: Op[] = [];
    const m = new Machine({
      generator: spy('g'),
      concurrency: 2,
      nemesis: false,
      rng: new Rng(1),
      record: (op) => {
        recorded.push(op);
        seen.push(`record #${op.index}`);
      },
      firstIndex: 5,
    });
    const inv: Invocation = { type: 'invoke', process: 0, time: 0, f: 'w', value: 1 };
    m.dispatch(10, inv, spy('g'));
    m.complete(20, 0, { type: 'info', error: 'timeout' });
    expect(seen).toEqual([
      'record #5',
      'g invoke p0 free=1 proc0=0',
      'record #6',
      'g info p0 free=1,0 proc0=2',
    ]);
    expect(recorded[1]).toMatchObject({ index: 6, time: 20, type: 'info', process: 0, f: 'w', value: 1 });
    // The retired process no longer names a free thread; its successor does.
    expect(() => m.dispatch(30, inv, spy('g'))).toThrow(/process 0, which is not free/);
    expect(m.dispatch(30, { ...inv, process: 2 }, spy('g')).thread).toBe(0);
  });

  it('a held thread stays busy until released (the interpreter resets a client after info)', () => {
    const m = new Machine({
      generator: seq(),
      concurrency: 1,
      nemesis: true,
      rng: new Rng(1),
      record: () => {},
    });
    m.dispatch(0, { type: 'invoke', process: 0, time: 0, f: 'w', value: 1 }, seq());
    m.complete(1, 0, { type: 'info' }, true);
    expect(m.free.has(0)).toBe(false);
    expect(m.processes.get(0)).toBe(1);
    // The nemesis keeps its process after info.
    m.dispatch(2, { type: 'invoke', process: 'nemesis', time: 2, f: 'kill', value: null }, seq());
    m.complete(3, 'nemesis', { type: 'info' });
    expect(m.processes.get('nemesis')).toBe('nemesis');
    m.release(0);
    expect(m.free.has(0)).toBe(true);
    // A later phase carries the processes over; a thread it did not have starts as its own process.
    const next = new Machine({
      generator: seq(),
      concurrency: 1,
      nemesis: true,
      rng: new Rng(1),
      record: () => {},
      processes: new Map([[0, 1]]),
    });
    expect(next.processes).toEqual(
      new Map<Thread, number | string>([
        [0, 1],
        ['nemesis', 'nemesis'],
      ]),
    );
    expect(
      next.dispatch(0, { type: 'invoke', process: 'nemesis', time: 0, f: 'kill', value: null }, seq()).thread,
    ).toBe('nemesis');
    expect(m.ask(4)).toEqual({ kind: 'exhausted' });
    expect(m.done).toBe(true);
    expect(m.nextIndex).toBe(4);
  });
});
