import type { Op } from '../../../src/core/op.ts';

/**
 * A history from a simulated atomic cas-register: each op takes effect at one random instant between
 * its invoke and its completion, so the history is linearizable by construction. Some ops crash (`info`,
 * the thread continues under a new process id); failed CASes complete with `fail`.
 */
export function simulateCasRegister(nOps: number, threads: number, seed: number, crashRate: number): Op[] {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const h: Op[] = [];
  const push = (o: Omit<Op, 'index' | 'time'>) => h.push({ ...o, index: h.length, time: h.length });
  const proc = Array.from({ length: threads }, (_, i) => i);
  const pending = new Map<
    number,
    { f: string; value: unknown; applied: boolean; result?: unknown; crash: boolean }
  >();
  let reg: number | null = null;
  let started = 0;
  while (started < nOps || pending.size) {
    const t = Math.floor(rnd() * threads);
    const pd = pending.get(t);
    if (!pd) {
      if (started >= nOps) continue;
      started++;
      const r = rnd();
      const f = r < 0.4 ? 'read' : r < 0.7 ? 'write' : 'cas';
      const v = (): number => Math.floor(rnd() * 5);
      const value = f === 'read' ? null : f === 'write' ? v() : [v(), v()];
      pending.set(t, { f, value, applied: false, crash: rnd() < crashRate });
      push({ type: 'invoke', process: proc[t]!, f, value });
    } else if (!pd.applied) {
      pd.applied = true;
      if (pd.f === 'read') pd.result = reg;
      else if (pd.f === 'write') reg = pd.value as number;
      else {
        const [a, b] = pd.value as [number, number];
        pd.result = reg === a;
        if (reg === a) reg = b;
      }
    } else {
      pending.delete(t);
      const p = proc[t]!;
      if (pd.crash) {
        push({ type: 'info', process: p, f: pd.f, value: pd.value });
        proc[t] = p + threads;
      } else if (pd.f === 'read') push({ type: 'ok', process: p, f: 'read', value: pd.result });
      else push({ type: pd.f === 'cas' && !pd.result ? 'fail' : 'ok', process: p, f: pd.f, value: pd.value });
    }
  }
  return h;
}
