/**
 * The packet family's delay check never probes across the active partition's cut (nemeses/cuts.ts):
 * which peers may probe a target, and the shared record of what the partition cuts.
 */
import { describe, expect, it } from 'vitest';
import { activeCut, cutBetween, setActiveCut } from '../../../nemeses/cuts.ts';
import { delayProbes } from '../../../nemeses/packet.ts';
import type { RunContext } from '../../../src/core/index.ts';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('delay probes and the active partition', () => {
  it('a drop in either direction cuts the pair', () => {
    const g = { n1: ['n2'] };
    expect(cutBetween(g, 'n1', 'n2')).toBe(true);
    expect(cutBetween(g, 'n2', 'n1')).toBe(true);
    expect(cutBetween(g, 'n2', 'n3')).toBe(false);
    expect(cutBetween(undefined, 'n1', 'n2')).toBe(false);
  });

  it('skips peers the partition cuts from the target, whichever side drops', () => {
    // n1 drops n2, n3 drops n1: only n4 and n5 still talk to n1.
    expect(delayProbes('n1', nodes, { n1: ['n2'], n3: ['n1'] })).toEqual({
      probes: ['n4', 'n5'],
      cutOff: ['n2', 'n3'],
    });
    // Without a partition the first other node probes, as before.
    expect(delayProbes('n1', nodes, undefined)).toEqual({ probes: ['n2', 'n3', 'n4', 'n5'], cutOff: [] });
    // Only the fault's peers may probe (a delay towards n2 only is invisible from n3).
    expect(delayProbes('n1', ['n2'], { n1: ['n2'] })).toEqual({ probes: [], cutOff: ['n2'] });
  });

  it('a target isolated from every peer has no probe: it is reported unchecked, not "not in effect"', () => {
    const isolated = { n1: ['n2', 'n3', 'n4', 'n5'] };
    expect(delayProbes('n1', nodes, isolated).probes).toEqual([]);
    // The other side of the cut still probes among itself.
    expect(delayProbes('n2', nodes, isolated).probes).toEqual(['n3', 'n4', 'n5']);
  });

  it('the partition family records its cut per run; an empty grudge or a heal clears it', () => {
    const a = {} as RunContext;
    const b = {} as RunContext;
    setActiveCut(a, { n1: ['n2'] });
    expect(activeCut(a)).toEqual({ n1: ['n2'] });
    expect(activeCut(b)).toBeUndefined();
    setActiveCut(a, { n1: [] });
    expect(activeCut(a)).toBeUndefined();
    setActiveCut(a, { n3: ['n4'] });
    setActiveCut(a, undefined);
    expect(activeCut(a)).toBeUndefined();
  });
});
