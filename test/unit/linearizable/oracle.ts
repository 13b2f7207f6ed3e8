import type { Op } from '../../../src/core/op.ts';

/**
 * A brute-force linearizability oracle for tiny register / cas-register histories, written apart from
 * the checker: try every subset of crashed ops and every order of the chosen ops that respects real
 * time, stepping a separate, minimal model. Fail ops are left out (they did not happen).
 */
/** One op as an interval of history positions: `ret` is Infinity for a crashed (info or pending) op. */
export interface Iv {
  f: string;
  value: unknown;
  call: number;
  ret: number;
  crashed: boolean;
}

/** The ops of a history as intervals (fail ops left out; a crashed op carries its invoked value). */
export function intervals(history: readonly Op[]): Iv[] {
  const open = new Map<unknown, { op: Op; at: number }>();
  const out: Iv[] = [];
  history.forEach((op, at) => {
    if (op.type === 'invoke') {
      open.set(op.process, { op, at });
      return;
    }
    const inv = open.get(op.process)!;
    open.delete(op.process);
    if (op.type === 'fail') return;
    const crashed = op.type === 'info';
    out.push({
      f: inv.op.f,
      value: crashed ? inv.op.value : op.value,
      call: inv.at,
      ret: crashed ? Infinity : at,
      crashed,
    });
  });
  for (const { op, at } of open.values())
    out.push({ f: op.f, value: op.value, call: at, ret: Infinity, crashed: true });
  return out;
}

const eq = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Next register value, or undefined when illegal. */
function apply(state: unknown, o: Iv, cas: boolean): { ok: boolean; next: unknown } {
  if (o.f === 'read') return { ok: o.crashed || o.value === null || eq(o.value, state), next: state };
  if (o.f === 'write') return { ok: true, next: o.value };
  if (cas && o.f === 'cas') {
    const [from, to] = o.value as [unknown, unknown];
    return eq(from, state) ? { ok: true, next: to } : { ok: false, next: state };
  }
  return { ok: false, next: state };
}

export function bruteForceLinearizable(history: readonly Op[], model: 'register' | 'cas-register'): boolean {
  const ops = intervals(history);
  const crashed = ops.map((o, i) => (o.crashed ? i : -1)).filter((i) => i >= 0);
  for (let mask = 0; mask < 1 << crashed.length; mask++) {
    const chosen = ops.filter((o, i) => !o.crashed || (mask >> crashed.indexOf(i)) & 1);
    if (orderExists(chosen, model === 'cas-register')) return true;
  }
  return false;
}

function orderExists(ops: Iv[], cas: boolean): boolean {
  const used = new Array<boolean>(ops.length).fill(false);
  const go = (state: unknown, placed: number): boolean => {
    if (placed === ops.length) return true;
    for (let i = 0; i < ops.length; i++) {
      if (used[i]) continue;
      // i may go next only if no unplaced op returned before i was called
      if (ops.some((o, j) => !used[j] && j !== i && o.ret < ops[i]!.call)) continue;
      const r = apply(state, ops[i]!, cas);
      if (!r.ok) continue;
      used[i] = true;
      if (go(r.next, placed + 1)) return true;
      used[i] = false;
    }
    return false;
  };
  return go(null, 0);
}
