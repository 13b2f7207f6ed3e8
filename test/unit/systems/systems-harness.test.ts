/**
 * The etcd/redis integration harness (test/integration/systems/harness.ts) on a loaded machine: final
 * reads retried per node until one succeeds or the budget is spent (on the generator simulator), and an
 * op timeout stretched by the load average per core, within 1×–4× of the one asked for.
 */
import { describe, expect, it } from 'vitest';
import { clients, simulate } from '../../../src/generator/index.ts';
import { finalReadsUntilOk, loadTolerantOpTimeoutS } from '../../integration/systems/harness.ts';
import { invokes, MS, threadOf } from '../generator/helpers.ts';

const S = 1000 * MS;

describe('final reads until ok', () => {
  it('retries a failing node every 0.5 s until its read is ok; one read on a healthy node; none beyond nodeCount', () => {
    let tries = 0;
    const h = simulate(clients(finalReadsUntilOk(2, 20)), {
      concurrency: 4,
      seed: 7,
      nemesis: false,
      // Thread 0's first two reads fail (timeout, then refused); every other read is ok.
      complete: (op) => {
        if (threadOf(op.process, 4) !== 0) return { latencyNs: MS };
        tries++;
        return tries <= 2 ? { type: tries === 1 ? 'info' : 'fail', latencyNs: 100 * MS } : { latencyNs: MS };
      },
    });
    const byThread = (t: number) => invokes(h).filter((o) => threadOf(o.process, 4) === t);
    expect(byThread(0)).toHaveLength(3);
    expect(byThread(0).map((o) => o.time / S)).toEqual([0, 0.5, 1]);
    expect(byThread(1)).toHaveLength(1);
    expect(byThread(2)).toHaveLength(0);
    expect(byThread(3)).toHaveLength(0);
    expect(h.filter((o) => o.type === 'ok')).toHaveLength(2);
  });

  it('gives up on a node whose reads never succeed once the budget is spent', () => {
    const h = simulate(clients(finalReadsUntilOk(1, 3)), {
      concurrency: 1,
      seed: 1,
      nemesis: false,
      complete: () => ({ type: 'fail', latencyNs: 10 * MS }),
    });
    const times = invokes(h).map((o) => o.time / S);
    expect(times).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
  });
});

describe('load-tolerant op timeout', () => {
  it('is the requested timeout on an idle machine and stretches with load per core up to 4×', () => {
    expect(loadTolerantOpTimeoutS(2, 0.3, 2)).toBe(2);
    expect(loadTolerantOpTimeoutS(2, 3, 2)).toBe(3);
    expect(loadTolerantOpTimeoutS(2, 28, 2)).toBe(8);
    expect(loadTolerantOpTimeoutS(3, 100, 0)).toBe(12);
  });
});
