/** Which nodes a process or clock fault hits: one, minority, majority, all, primaries, or named nodes. */
import type { Rng } from '../src/core/rng.ts';

export type TargetSpec = 'one' | 'minority' | 'majority' | 'all' | 'primaries' | string[];
export const TARGET_SPECS = ['one', 'minority', 'majority', 'all', 'primaries'] as const;

/** Is `s` a target spec (one, minority, …, or node names like n1+n3)? For option schemas. */
export const isTargetSpec = (s: string): boolean =>
  (TARGET_SPECS as readonly string[]).includes(s) || /^[A-Za-z0-9._-]+(\+[A-Za-z0-9._-]+)*$/.test(s);

/** Target lists: `--opt <family>Targets=one,n1+n3`. */
export const TARGETS_WHAT = `${TARGET_SPECS.join('|')}|node names like n1+n3`;

/** A target spec other than `primaries`, for families that cannot ask the system (clock, packet). */
export const isFixedTargetSpec = (s: string): boolean => s !== 'primaries' && isTargetSpec(s);
export const FIXED_TARGETS_WHAT = `${TARGET_SPECS.filter((s) => s !== 'primaries').join('|')}|node names like n1+n3`;

export function parseTargetSpec(s: string): TargetSpec {
  if ((TARGET_SPECS as readonly string[]).includes(s)) return s as TargetSpec;
  const names = s
    .split(/[,+]/)
    .map((x) => x.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new Error(`bad target '${s}': use ${TARGET_SPECS.join(', ')} or node names like n1+n3`);
  return names;
}

export function resolveTargets(
  spec: TargetSpec,
  nodes: readonly string[],
  rng: Rng,
  primaries: readonly string[] = [],
): string[] {
  const n = nodes.length;
  const pick = (k: number) => rng.shuffle(nodes).slice(0, k).sort();
  if (Array.isArray(spec)) {
    const unknown = spec.filter((x) => !nodes.includes(x));
    if (unknown.length)
      throw new Error(`unknown target node(s) ${unknown.join(', ')}: the nodes are ${nodes.join(', ')}`);
    return [...spec];
  }
  switch (spec) {
    case 'one':
      return pick(1);
    case 'minority':
      return pick(Math.max(1, Math.floor((n - 1) / 2)));
    case 'majority':
      return pick(Math.floor(n / 2) + 1);
    case 'all':
      return [...nodes];
    case 'primaries':
      return [...primaries];
    default:
      throw new Error(`unknown target spec ${String(spec)}`);
  }
}
