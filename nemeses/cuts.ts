/**
 * What the active partition cuts, shared between fault families of one run: the partition family records
 * its grudge while it may be in effect, and a family that checks its own fault by probing between nodes
 * (packet delay) probes only pairs the partition leaves talking. Without this, a probe across a cut
 * measures the partition, and the other family would call its own fault "not in effect" for it.
 *
 * Keyed by the run's RunContext (one object per run, passed to every family), so runs never share it.
 */
import type { RunContext } from '../src/core/index.ts';
import type { Grudge } from './topology.ts';

const active = new WeakMap<RunContext, Grudge>();

/** Records the grudge of the partition now (possibly) in effect; undefined: none is. */
export function setActiveCut(test: RunContext, grudge: Grudge | undefined): void {
  if (grudge && Object.values(grudge).some((from) => from.length > 0)) active.set(test, grudge);
  else active.delete(test);
}

/** The grudge of the partition now (possibly) in effect in this run, if any. */
export function activeCut(test: RunContext): Grudge | undefined {
  return active.get(test);
}

/**
 * Does the grudge stop `a` and `b` from talking? Either one dropping the other's packets breaks a TCP
 * exchange both ways (the SYN or its answer is lost), so the pair is cut whichever side drops.
 */
export function cutBetween(grudge: Grudge | undefined, a: string, b: string): boolean {
  if (!grudge) return false;
  return (grudge[a] ?? []).includes(b) || (grudge[b] ?? []).includes(a);
}
