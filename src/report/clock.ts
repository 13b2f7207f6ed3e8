/**
 * Clock offsets per node over time, read from the ops of the declared clock faults (a FaultKind whose
 * value is `clock-offsets`, see src/core/nemesis.ts): node → offset in seconds, or a strobe.
 */
import { type FaultKind, faultRoles } from '../core/nemesis.ts';
import type { Op } from '../core/op.ts';
import { nsToS } from '../core/time.ts';

/** One node's clock setting: an offset, or a strobe flipping between two offsets (seconds). */
export type ClockSettingS = number | { strobe: [number, number] };

export interface ClockSeries {
  nodes: string[];
  /** Seconds since the start, one entry per change. */
  tS: number[];
  /**
   * Offset of each node at each time, seconds (0 until its clock is first changed: clocks start
   * unperturbed). For a strobe, the side farther from 0 (the chart's line); `strobes` holds both sides.
   */
  offsetsS: Record<string, number[]>;
  /** Per node and time, the two offsets (s) of a strobe in effect then, else null. */
  strobes: Record<string, ([number, number] | null)[]>;
}

/**
 * The settings in a clock op's value: `{node: seconds | {strobe: [a, b], …}}`. Anything else (a list of
 * nodes, null) is undefined. Pure.
 */
export function parseSettings(v: unknown): Record<string, ClockSettingS> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, ClockSettingS> = {};
  for (const [node, s] of Object.entries(v)) {
    if (typeof s === 'number' && Number.isFinite(s)) out[node] = s;
    else if (s && typeof s === 'object' && Array.isArray((s as { strobe?: unknown }).strobe)) {
      const [a, b] = (s as { strobe: unknown[] }).strobe.map(Number);
      if (Number.isFinite(a) && Number.isFinite(b)) out[node] = { strobe: [a!, b!] };
    }
  }
  return Object.keys(out).length ? out : undefined;
}

const farSide = (s: ClockSettingS): number =>
  typeof s === 'number' ? s : Math.abs(s.strobe[0]) >= Math.abs(s.strobe[1]) ? s.strobe[0] : s.strobe[1];

/**
 * Steps of every node's clock from the `ok` completions of the declared clock ops. A completion carries
 * each node's absolute setting; one without a value falls back to the invocation's (for a stop: every
 * known node back at 0). Undefined when the history has no clock change. Pure.
 */
export function clockSeries(history: readonly Op[], kinds: readonly FaultKind[]): ClockSeries | undefined {
  const roles = faultRoles(kinds.filter((k) => k.value.kind === 'clock-offsets'));
  if (roles.size === 0) return undefined;
  const current = new Map<string, ClockSettingS>();
  const steps: { tS: number; snapshot: Map<string, ClockSettingS> }[] = [];
  let invoke: Op | undefined;
  for (const op of history) {
    if (op.process !== 'nemesis') continue;
    if (op.type === 'invoke') invoke = op;
    const role = roles.get(op.f)?.role;
    if (op.type !== 'ok' || !role) continue;
    const settings = parseSettings(op.value) ?? (role === 'stop' ? undefined : parseSettings(invoke?.value));
    if (settings) for (const [n, s] of Object.entries(settings)) current.set(n, s);
    else if (role === 'stop') for (const n of current.keys()) current.set(n, 0);
    else continue;
    steps.push({ tS: nsToS(op.time), snapshot: new Map(current) });
  }
  if (steps.length === 0) return undefined;
  const nodes = [...current.keys()].sort();
  const offsetsS: ClockSeries['offsetsS'] = {};
  const strobes: ClockSeries['strobes'] = {};
  for (const n of nodes) {
    const at = steps.map((s) => s.snapshot.get(n));
    offsetsS[n] = at.map((s) => (s === undefined ? 0 : farSide(s)));
    strobes[n] = at.map((s) => (s !== undefined && typeof s !== 'number' ? s.strobe : null));
  }
  return { nodes, tS: steps.map((s) => s.tS), offsetsS, strobes };
}
