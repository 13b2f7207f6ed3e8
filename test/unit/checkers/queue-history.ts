import type { Op, OpType } from '../../../src/core/op.ts';

/** One client op for a hand-written history: its invoke and (unless `type` is 'pending') its completion. */
export interface Step {
  p: number;
  f: string;
  value?: unknown;
  type: OpType | 'pending';
  /** The completion's value (ok reads, dequeues, drains, generate); default: the invoke's. */
  out?: unknown;
  error?: string;
}

/**
 * A history from steps run one after another (each op completes before the next is invoked, pending
 * ones never complete): index and time (ns = index × 1 ms) dense. For checkers that ignore timing.
 */
export function sequential(steps: readonly Step[]): Op[] {
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ ...o, index: h.length, time: h.length * 1e6 });
  for (const s of steps) {
    push({ type: 'invoke', process: s.p, f: s.f, value: s.value ?? null });
    if (s.type === 'pending') continue;
    push({
      type: s.type,
      process: s.p,
      f: s.f,
      value: s.out !== undefined ? s.out : (s.value ?? null),
      ...(s.error ? { error: s.error } : {}),
    });
  }
  return h;
}

/** Events for a concurrent history: `['i', p, f, value]` invokes, `['c', p, type, value?, error?]` completes. */
export type Ev = ['i', number, string, unknown] | ['c', number, OpType, unknown?, string?];

/** A history from interleaved events (a completion takes its process's open invoke's f). */
export function interleaved(events: readonly Ev[]): Op[] {
  const h: Op[] = [];
  const open = new Map<number, Op>();
  for (const e of events) {
    const base = { index: h.length, time: h.length * 1e6 };
    if (e[0] === 'i') {
      const op: Op = { ...base, type: 'invoke', process: e[1], f: e[2], value: e[3] };
      open.set(e[1], op);
      h.push(op);
    } else {
      const inv = open.get(e[1])!;
      open.delete(e[1]);
      h.push({
        ...base,
        type: e[2],
        process: e[1],
        f: inv.f,
        value: e[3] !== undefined ? e[3] : inv.value,
        ...(e[4] ? { error: e[4] } : {}),
      });
    }
  }
  return h;
}
