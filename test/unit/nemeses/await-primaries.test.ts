import { describe, expect, it } from 'vitest';
import { awaitPrimaries } from '../../../nemeses/common.ts';
import type { RunContext } from '../../../src/core/index.ts';

const test = { signal: new AbortController().signal } as RunContext;

describe('awaitPrimaries (faults aimed at the leader during an election)', () => {
  it('waits for the system to report a leader, then returns it', async () => {
    let asked = 0;
    const p = await awaitPrimaries(async () => (++asked < 3 ? [] : ['n2']), test, 10_000);
    expect(p).toEqual(['n2']);
    expect(asked).toBe(3);
  });

  it('returns no nodes when no leader appears in time', async () => {
    expect(await awaitPrimaries(async () => [], test, 600)).toEqual([]);
  });

  it('stops waiting when the run stops', async () => {
    const ac = new AbortController();
    const waiting = awaitPrimaries(async () => [], { signal: ac.signal } as RunContext, 60_000);
    ac.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow();
  });
});
