/**
 * Fault windows: spans of time during which a nemesis fault was in effect, from the nemesis ops and the
 * nemesis's declared faults (test.json `faults`, see src/core/nemesis.ts FaultKind): no `f` is guessed.
 */
import { type FaultKind, faultRoles } from '../core/nemesis.ts';
import type { Op } from '../core/op.ts';
import { stringifyExact } from '../history/values.ts';

export interface FaultWindow {
  /** The declared fault family ('partition', 'crash', 'clock', …): a stop closes every open window of its family. */
  key: string;
  /** The op that opened it (e.g. start-partition) and its value (e.g. the grudge). */
  f: string;
  value: unknown;
  /** Short label: f and value. */
  label: string;
  /** History ns: the opening op's invocation … the closing op's completion (the widest span the fault may cover). */
  startNs: number;
  endNs: number;
  /** The closing op's f, or undefined when the history ended with the fault still in effect. */
  endF: string | undefined;
  startIndex: number;
  endIndex: number | undefined;
}

/** A nemesis op that neither opens nor closes a window (a declared event, or an undeclared f): a marker. */
export interface FaultEvent {
  /** The declared family of the event, undefined for an `f` no declaration names. */
  family: string | undefined;
  f: string;
  value: unknown;
  label: string;
  /** History time of its invocation, ns. */
  timeNs: number;
  index: number;
}

/** JSON of a value, cut to `max` characters. */
export function shortJson(v: unknown, max = 80): string {
  let s: string;
  try {
    s = v === undefined ? '' : typeof v === 'string' ? v : (stringifyExact(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function faultLabel(f: string, value: unknown): string {
  const v = shortJson(value);
  return v && v !== 'null' ? `${f} ${v}` : f;
}

/**
 * Walks the nemesis ops (process 'nemesis', invoke then completion) against the declared faults: a
 * declared start opens a window of its family, a declared stop closes every open window of it, anything
 * else is an event. A fault whose opening op failed certainly did not happen and gets no window; windows
 * left open at the end run to the last op. Pure.
 */
export function faultWindows(
  history: readonly Op[],
  kinds: readonly FaultKind[],
): { windows: FaultWindow[]; events: FaultEvent[] } {
  const roles = faultRoles(kinds);
  const windows: FaultWindow[] = [];
  const events: FaultEvent[] = [];
  const open = new Map<string, FaultWindow[]>();
  let invoke: Op | undefined;
  let endNs = 0;
  const handle = (inv: Op, done: Op | undefined) => {
    const r = roles.get(inv.f);
    const value = inv.value ?? done?.value;
    if (!r || r.role === 'event') {
      if (done?.type !== 'fail') {
        const family = r?.kind.family;
        events.push({
          family,
          f: inv.f,
          value,
          label: faultLabel(inv.f, value),
          timeNs: inv.time,
          index: inv.index,
        });
      }
      return;
    }
    const family = r.kind.family;
    if (r.role === 'start') {
      if (done?.type === 'fail') return;
      const w: FaultWindow = {
        key: family,
        f: inv.f,
        value,
        label: faultLabel(inv.f, value),
        startNs: inv.time,
        endNs: Number.NaN,
        endF: undefined,
        startIndex: inv.index,
        endIndex: undefined,
      };
      windows.push(w);
      const list = open.get(family) ?? [];
      list.push(w);
      open.set(family, list);
    } else {
      for (const w of open.get(family) ?? []) {
        w.endNs = (done ?? inv).time;
        w.endF = inv.f;
        w.endIndex = (done ?? inv).index;
      }
      open.delete(family);
    }
  };
  for (const op of history) {
    if (op.time > endNs) endNs = op.time;
    if (op.process !== 'nemesis') continue;
    if (op.type === 'invoke') {
      if (invoke) handle(invoke, undefined);
      invoke = op;
    } else if (invoke) {
      handle(invoke, op);
      invoke = undefined;
    }
  }
  if (invoke) handle(invoke, undefined);
  for (const w of windows) if (Number.isNaN(w.endNs)) w.endNs = Math.max(endNs, w.startNs);
  return { windows, events };
}
