/** Fault windows: spans of time during which a nemesis fault was in effect, from the nemesis ops. */
import type { Op } from '../core/op.ts';
import { stringifyExact } from '../history/values.ts';

export interface FaultWindow {
  /** The fault family key ('partition', 'kill', 'clock', …): a stop closes every open window of its key. */
  key: string;
  /** The op that opened it (e.g. start-partition) and its value (e.g. the grudge). */
  f: string;
  value: unknown;
  /** Short label: f and value. */
  label: string;
  /** ns: the opening op's invocation … the closing op's completion (the widest span the fault may cover). */
  start: number;
  end: number;
  /** The closing op's f, or undefined when the history ended with the fault still in effect. */
  endF: string | undefined;
  startIndex: number;
  endIndex: number | undefined;
}

/** A nemesis op that neither opens nor closes a window (a one-off event): drawn as a marker. */
export interface FaultEvent {
  f: string;
  value: unknown;
  label: string;
  time: number;
  index: number;
}

type Role = { open: string } | { close: string } | undefined;

const CLOSERS: Record<string, string> = {
  restart: 'kill',
  start: 'kill',
  resume: 'pause',
  heal: 'partition',
  'heal-partition': 'partition',
  'reset-clock': 'clock',
  'reset-clocks': 'clock',
};
const OPENERS: Record<string, string> = {
  kill: 'kill',
  pause: 'pause',
  partition: 'partition',
  'bump-clock': 'clock',
  'strobe-clock': 'clock',
  'skew-clock': 'clock',
};

/** What a nemesis f does to fault windows: start-X / stop-X, kill / restart, pause / resume, …-clock / reset-clock. */
export function faultRole(f: string): Role {
  if (f in CLOSERS) return { close: CLOSERS[f]! };
  if (f in OPENERS) return { open: OPENERS[f]! };
  let m = /^stop-(.+)$/.exec(f);
  if (m) return { close: m[1]! };
  m = /^start-(.+)$/.exec(f);
  if (m) return { open: m[1]!.endsWith('clock') ? 'clock' : m[1]! };
  m = /^(?:kill|pause)-(.+)$/.exec(f);
  if (m) return { open: f.startsWith('kill') ? 'kill' : 'pause' };
  return undefined;
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
 * Walks the nemesis ops (process 'nemesis', invoke then completion). A fault whose opening op failed
 * certainly did not happen and gets no window. Windows left open at the end run to the last op.
 */
export function faultWindows(history: readonly Op[]): { windows: FaultWindow[]; events: FaultEvent[] } {
  const windows: FaultWindow[] = [];
  const events: FaultEvent[] = [];
  const open = new Map<string, FaultWindow[]>();
  let invoke: Op | undefined;
  let endTime = 0;
  const handle = (inv: Op, done: Op | undefined) => {
    const role = faultRole(inv.f);
    const value = inv.value ?? done?.value;
    if (!role) {
      if (done?.type !== 'fail') {
        events.push({ f: inv.f, value, label: faultLabel(inv.f, value), time: inv.time, index: inv.index });
      }
      return;
    }
    if ('open' in role) {
      if (done?.type === 'fail') return;
      const w: FaultWindow = {
        key: role.open,
        f: inv.f,
        value,
        label: faultLabel(inv.f, value),
        start: inv.time,
        end: Number.NaN,
        endF: undefined,
        startIndex: inv.index,
        endIndex: undefined,
      };
      windows.push(w);
      const list = open.get(role.open) ?? [];
      list.push(w);
      open.set(role.open, list);
    } else {
      for (const w of open.get(role.close) ?? []) {
        w.end = (done ?? inv).time;
        w.endF = inv.f;
        w.endIndex = (done ?? inv).index;
      }
      open.delete(role.close);
    }
  };
  for (const op of history) {
    if (op.time > endTime) endTime = op.time;
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
  for (const w of windows) if (Number.isNaN(w.end)) w.end = Math.max(endTime, w.start);
  return { windows, events };
}
