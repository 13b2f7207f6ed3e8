/**
 * Partition topologies as grudges: node → the nodes it drops traffic from. Pure; choices come from the
 * Rng passed in, so a seed fixes them. A grudge is applied as INPUT DROP rules on each node.
 */
import type { Rng } from '../src/core/rng.ts';

export type Grudge = Record<string, string[]>;

export const TOPOLOGIES = [
  'one',
  'halves',
  'majority',
  'majorities-ring',
  'minority-third',
  'bridge',
  'primaries',
] as const;
export type Topology = (typeof TOPOLOGIES)[number];

/** Every node drops traffic from every node outside its own component. */
export function complete(components: readonly (readonly string[])[]): Grudge {
  const g: Grudge = {};
  for (const comp of components) {
    const others = components.filter((c) => c !== comp).flat();
    for (const n of comp) g[n] = [...others].sort();
  }
  return g;
}

/** Cuts `isolated` off from everyone else (both directions). */
export function isolate(nodes: readonly string[], isolated: readonly string[]): Grudge {
  const set = new Set(isolated);
  return complete([nodes.filter((n) => set.has(n)), nodes.filter((n) => !set.has(n))]);
}

/** A random split into a minority (⌊n/2⌋ nodes) and a majority. */
export function randomHalves(nodes: readonly string[], rng: Rng): Grudge {
  const s = rng.shuffle(nodes);
  const k = Math.floor(nodes.length / 2);
  return complete([s.slice(0, k), s.slice(k)]);
}

/** Every node sees a majority (itself and its ring neighbours), and no two nodes see the same one. */
export function majoritiesRing(nodes: readonly string[], rng: Rng): Grudge {
  const ring = rng.shuffle(nodes);
  const n = ring.length;
  const m = Math.floor(n / 2) + 1;
  const before = Math.floor((m - 1) / 2);
  const g: Grudge = {};
  ring.forEach((node, i) => {
    const sees = new Set<string>();
    for (let d = -before; d < m - before; d++) sees.add(ring[(((i + d) % n) + n) % n]!);
    g[node] = ring.filter((x) => !sees.has(x)).sort();
  });
  return g;
}

/** A third of the nodes (at least one) cut off from the rest. */
export function minorityThird(nodes: readonly string[], rng: Rng): Grudge {
  const k = Math.max(1, Math.floor(nodes.length / 3));
  return isolate(nodes, rng.shuffle(nodes).slice(0, k));
}

/** Two halves that cannot see each other, and one node in the middle that sees both. */
export function bridge(nodes: readonly string[], rng: Rng): Grudge {
  const s = rng.shuffle(nodes);
  const [mid, ...rest] = s;
  const k = Math.floor(rest.length / 2);
  const a = rest.slice(0, k);
  const b = rest.slice(k);
  const g = complete([a, b]);
  if (mid !== undefined) g[mid] = [];
  return g;
}

/** The grudge for a topology. `primaries` needs the system's current primaries (resolved at fault time). */
export function grudgeFor(
  topology: Topology,
  nodes: readonly string[],
  rng: Rng,
  primaries: readonly string[] = [],
): Grudge {
  switch (topology) {
    case 'one':
      return isolate(nodes, [rng.pick(nodes)]);
    case 'halves':
    case 'majority':
      return randomHalves(nodes, rng);
    case 'majorities-ring':
      return majoritiesRing(nodes, rng);
    case 'minority-third':
      return minorityThird(nodes, rng);
    case 'bridge':
      return bridge(nodes, rng);
    case 'primaries':
      if (primaries.length === 0) throw new Error('no primaries known: the system did not report a leader');
      return isolate(nodes, primaries);
  }
}

/** Checks an explicit grudge from a test file against the node list; returns the problem, if any. */
export function validateGrudge(g: Grudge, nodes: readonly string[]): string | undefined {
  const known = new Set(nodes);
  for (const [n, from] of Object.entries(g)) {
    if (!known.has(n)) return `grudge names unknown node ${n}`;
    for (const f of from) if (!known.has(f)) return `grudge of ${n} names unknown node ${f}`;
    if (from.includes(n)) return `node ${n} cannot drop traffic from itself`;
  }
  return undefined;
}

/** Ordered pairs (a, b) such that a cannot receive from b: what a probe of every pair must find blocked. */
export function blockedPairs(g: Grudge): [string, string][] {
  return Object.entries(g).flatMap(([a, from]) => from.map((b): [string, string] => [a, b]));
}
