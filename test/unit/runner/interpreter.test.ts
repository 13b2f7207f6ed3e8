import { describe, expect, it } from 'vitest';
import type { Context, Generator, Invocation, Thread } from '../../../src/core/generator.ts';
import type { Completion } from '../../../src/core/index.ts';
import type { Op } from '../../../src/core/op.ts';
import { Rng } from '../../../src/core/rng.ts';
import { fillIn } from '../../../src/generator/context.ts';
import { nemesis } from '../../../src/generator/threads.ts';
import { delay } from '../../../src/generator/time.ts';
import { pairOps } from '../../../src/history/pairs.ts';
import { interpret, type Worker } from '../../../src/runner/interpreter.ts';

/** n ops `f` with values 0..n-1, on whichever thread is free. */
function count(n: number, f = 'op', i = 0): Generator {
  return {
    op(ctx: Context) {
      if (i >= n) return null;
      const op = fillIn({ f, value: i }, ctx);
      return op === 'pending' ? 'pending' : { op, gen: count(n, f, i + 1) };
    },
    update() {
      return this;
    },
  };
}

function setup(
  concurrency: number,
  invoke: (t: Thread, op: Invocation, signal: AbortSignal) => Promise<Completion>,
) {
  const history: Op[] = [];
  const resets: Thread[] = [];
  const workers = new Map<Thread, Worker>();
  for (let t = 0; t < concurrency; t++) {
    workers.set(t, {
      node: `n${(t % 3) + 1}`,
      invoke: (op, s) => invoke(t, op, s),
      reset: async () => {
        resets.push(t);
      },
    });
  }
  const t0 = performance.now();
  const base = {
    concurrency,
    workers,
    rng: new Rng(1),
    clock: () => Math.round((performance.now() - t0) * 1e6),
    record: (op: Op) => history.push(op),
    firstIndex: 0,
    opTimeoutMs: 200,
  };
  return { history, resets, base };
}

describe('interpreter', () => {
  it('runs every op once, pairs each invoke with one completion, indexes densely', async () => {
    const { history, base } = setup(4, async () => ({ type: 'ok' }));
    const r = await interpret({ ...base, generator: count(100) });
    expect(r.stopped).toBe(false);
    expect(history).toHaveLength(200);
    expect(history.map((o) => o.index)).toEqual([...Array(200).keys()]);
    const { pairs, problems } = pairOps(history);
    expect(problems).toEqual([]);
    expect(pairs.map((p) => p.invoke.value).sort((a, b) => (a as number) - (b as number))).toEqual([
      ...Array(100).keys(),
    ]);
    expect(pairs.every((p) => p.completion?.type === 'ok' && p.completion.time >= p.invoke.time)).toBe(true);
    // Every invoke names the node of the worker (thread = process mod concurrency) that ran it.
    const wrong = history.filter(
      (o) => o.type === 'invoke' && o.node !== `n${(((o.process as number) % 4) % 3) + 1}`,
    );
    expect(wrong.slice(0, 3)).toEqual([]);
  });

  it('spreads ops over the free threads instead of reusing the first one', async () => {
    // Instant clients and ops 2 ms apart (a rate limit): every thread is free again at each dispatch,
    // so a first-free choice would send every op through one worker (one node).
    const { history, base } = setup(4, async () => ({ type: 'ok' }));
    await interpret({ ...base, generator: delay(0.002, count(100)) });
    const perThread = [0, 0, 0, 0];
    for (const o of history) if (o.type === 'invoke') perThread[(o.process as number) % 4]!++;
    expect(Math.min(...perThread), String(perThread)).toBeGreaterThan(10);
  });

  it('a thrown error and a timeout both complete as info, bump the process and reset the client', async () => {
    const { history, resets, base } = setup(2, async (t, op, signal) => {
      if (op.value === 0) throw new Error('connection reset\nat somewhere');
      if (op.value === 1) {
        await new Promise((res) => signal.addEventListener('abort', res));
        return { type: 'ok' }; // too late: already recorded as info
      }
      await new Promise((r) => setTimeout(r, 20));
      return { type: 'ok', value: t };
    });
    // The timeout is far above the 20 ms the answered ops take, so a loaded machine's stalls cannot turn
    // one of them into a timeout too; only the op that never answers times out. 40 ops of 20 ms outlast
    // the timeout, so the timed-out thread goes on under its new process.
    await interpret({ ...base, generator: count(40), opTimeoutMs: 500 });
    const infos = history.filter((o) => o.type === 'info');
    expect(infos.map((o) => o.error).sort()).toEqual(['connection reset', 'timed out after 500 ms']);
    expect(resets.sort()).toEqual([0, 1]);
    // After the info, thread 0 continues as process 2 and thread 1 as process 3.
    const procs = new Set(history.map((o) => o.process));
    expect(procs).toEqual(new Set([0, 1, 2, 3]));
    expect(pairOps(history).problems).toEqual([]);
    expect(history.filter((o) => o.type === 'ok')).toHaveLength(38);
    // A retired process never invokes again.
    for (const info of infos) {
      expect(history.some((o) => o.index > info.index && o.process === info.process)).toBe(false);
    }
  });

  it('a nemesis op gets nemesisTimeoutMs, not ten client timeouts', async () => {
    // A fault that waits for a leader takes longer than 10 × a short client timeout (CI: a 20 s wait for
    // a leader after a kill hit a 20 s nemesis timeout derived from --op-timeout 2).
    const { history, base } = setup(1, async () => ({ type: 'ok' }));
    base.workers.set('nemesis', {
      node: undefined,
      invoke: async () => {
        await new Promise((r) => setTimeout(r, 300));
        return { type: 'ok' };
      },
      reset: async () => {},
    });
    const gen = nemesis(count(1, 'start-partition'));
    await interpret({ ...base, generator: gen, opTimeoutMs: 10, nemesisTimeoutMs: 60_000 });
    expect(history.map((o) => [o.process, o.type, o.error])).toEqual([
      ['nemesis', 'invoke', undefined],
      ['nemesis', 'ok', undefined],
    ]);
    history.length = 0;
    await interpret({ ...base, generator: nemesis(count(1, 'start-partition')), opTimeoutMs: 10 });
    expect(history.map((o) => [o.type, o.error])).toEqual([
      ['invoke', undefined],
      ['info', 'timed out after 100 ms'],
    ]);
  });

  it('stop: no new ops, ops in flight get the grace period, then the rest become info', async () => {
    const stop = new AbortController();
    const { history, base } = setup(3, async (t) => {
      if (t === 0) return new Promise(() => {}); // never answers
      await new Promise((r) => setTimeout(r, 5));
      return { type: 'ok' };
    });
    setTimeout(() => stop.abort(), 100);
    const r = await interpret({
      ...base,
      generator: count(1e9),
      opTimeoutMs: 60_000,
      stop: stop.signal,
      graceMs: 50,
    });
    expect(r.stopped).toBe(true);
    const { pairs, problems } = pairOps(history);
    expect(problems).toEqual([]);
    expect(pairs.every((p) => p.completion)).toBe(true);
    expect(history.at(-1)).toMatchObject({ type: 'info', error: 'interrupted: run stopped', process: 0 });
  });

  it('waits until an op is due before invoking it', async () => {
    const at = 30e6; // 30 ms
    const gen: Generator = {
      op: (ctx) => ({ op: { ...(fillIn({ f: 'later' }, ctx) as Invocation), time: at }, gen: count(0) }),
      update() {
        return this;
      },
    };
    const { history, base } = setup(1, async () => ({ type: 'ok' }));
    await interpret({ ...base, generator: gen });
    expect(history[0]!.time).toBeGreaterThanOrEqual(at);
  });
});
