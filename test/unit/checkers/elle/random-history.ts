/**
 * Small random transactional histories for the oracle property test (list-append and rw-register):
 * 2–3 threads, 2–3 keys, 1–6 txns (plus an optional final read of every key), values unique per key so
 * every version has one writer, some fail/info completions. Reads come from a real execution of the
 * committed txns — in an order that respects real time (strict-serializable), in any order
 * (serializable), or are then corrupted (arbitrary) — so valid and invalid histories both occur often.
 * Pure: a {@link HistorySpec} (drawn by fast-check, which shrinks it) determines the history.
 */
import fc from 'fast-check';
import type { Op } from '../../../../src/core/op.ts';
import { showValue } from '../../../../src/history/values.ts';
import type { OracleWorkload } from './oracle.ts';

/** One line per op, EDN-like, for failure messages. */
export const showHistory = (h: readonly Op[]): string =>
  h.map((o) => `  #${o.index} p${String(o.process)} ${o.type} ${showValue(o.value)}`).join('\n');

/** How the reads were produced. */
export type ExecMode = 'realtime' | 'any-order' | 'corrupted';

/** Everything a random history is built from (fast-check draws and shrinks this). */
export interface HistorySpec {
  threads: number;
  keys: number;
  txns: { thread: number; outcome: 'ok' | 'fail' | 'info'; mops: { write: boolean; key: number }[] }[];
  /** Interleaving choices: which thread acts next (invoke or complete), consumed in turn. */
  schedule: number[];
  /** Per txn: where in its [invoke, completion] window it takes effect (0–99), or its rank in any-order. */
  points: number[];
  /** Per info txn (by txn position): whether it took effect; and whether it is left without completion. */
  infoApplied: boolean[];
  infoOpen: boolean[];
  mode: ExecMode;
  /** Corrupted reads: which ok txn, which read, which replacement. */
  corruptions: { txn: number; read: number; choice: number }[];
  finalRead: boolean;
  /** rw-register: every key is written at most once in the whole history (later writes become reads). */
  singleWrite: boolean;
  /** rw-register: a txn reads each key before its first write of it (read-modify-write, for wfr). */
  readBeforeWrite: boolean;
}

/** A fast-check arbitrary of history specs. */
export const historySpec = (): fc.Arbitrary<HistorySpec> =>
  fc.record({
    threads: fc.integer({ min: 2, max: 3 }),
    keys: fc.integer({ min: 2, max: 3 }),
    txns: fc.array(
      fc.record({
        thread: fc.nat(2),
        outcome: fc.constantFrom<'ok' | 'fail' | 'info'>('ok', 'ok', 'ok', 'ok', 'fail', 'info'),
        mops: fc.array(fc.record({ write: fc.boolean(), key: fc.nat(2) }), { minLength: 1, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    schedule: fc.array(fc.nat(5), { minLength: 14, maxLength: 14 }),
    points: fc.array(fc.nat(99), { minLength: 7, maxLength: 7 }),
    infoApplied: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
    infoOpen: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
    mode: fc.constantFrom<ExecMode>('realtime', 'realtime', 'any-order', 'corrupted', 'corrupted'),
    corruptions: fc.array(fc.record({ txn: fc.nat(6), read: fc.nat(3), choice: fc.nat(20) }), {
      minLength: 1,
      maxLength: 2,
    }),
    finalRead: fc.boolean(),
    singleWrite: fc.boolean(),
    readBeforeWrite: fc.boolean(),
  });

/** A garbage value: nobody ever writes it. */
export const GARBAGE = 99;

type Mop = [string, number, unknown];
interface Planned {
  thread: number;
  outcome: 'ok' | 'fail' | 'info';
  mops: Mop[]; // invoke form: reads null
  invokePos: number;
  completePos: number; // position of completion op; history length + 1 for open info
  applied: boolean;
  done: Mop[] | undefined; // completed micro-ops of an ok txn
}

/** Builds the history a spec describes, for the given workload. */
export function buildHistory(spec: HistorySpec, workload: OracleWorkload): Op[] {
  const append = workload === 'list-append';
  const nextValue: number[] = Array.from({ length: spec.keys }, () => 1);
  const written = new Set<number>();
  const planned: Planned[] = spec.txns.map((t, i) => {
    const touched = new Set<number>();
    const mops: Mop[] = t.mops.flatMap(({ write, key }): Mop[] => {
      const k = key % spec.keys;
      const first = !touched.has(k);
      touched.add(k);
      if (write && !(spec.singleWrite && !append && written.has(k))) {
        written.add(k);
        const w: Mop = [append ? 'append' : 'w', k, nextValue[k]!++];
        return spec.readBeforeWrite && !append && first ? [['r', k, null], w] : [w];
      }
      return [['r', k, null]];
    });
    return {
      thread: t.thread % spec.threads,
      outcome: t.outcome,
      mops,
      invokePos: -1,
      completePos: -1,
      applied: t.outcome === 'ok' || (t.outcome === 'info' && spec.infoApplied[i] === true),
      done: undefined,
    };
  });

  // Interleave: each thread runs its txns one after another; a schedule entry picks the thread to act.
  type Ev = { txn: number; kind: 'invoke' | 'complete' };
  const events: Ev[] = [];
  const queues = Array.from({ length: spec.threads }, () => [] as number[]);
  planned.forEach((t, i) => {
    queues[t.thread]!.push(i);
  });
  const busy: (number | undefined)[] = Array.from({ length: spec.threads }, () => undefined);
  let step = 0;
  for (;;) {
    const actors = [...queues.keys()].filter((th) => busy[th] !== undefined || queues[th]!.length > 0);
    if (actors.length === 0) break;
    const th = actors[(spec.schedule[step % spec.schedule.length]! + step) % actors.length]!;
    step++;
    const cur = busy[th];
    if (cur === undefined) {
      const i = queues[th]!.shift() as number;
      busy[th] = i;
      events.push({ txn: i, kind: 'invoke' });
    } else {
      busy[th] = undefined;
      const t = planned[cur]!;
      // An info txn that is its thread's last may stay open: the history ended first.
      const open = t.outcome === 'info' && queues[th]!.length === 0 && spec.infoOpen[cur] === true;
      if (!open) events.push({ txn: cur, kind: 'complete' });
    }
  }
  if (spec.finalRead) {
    const i = planned.length;
    planned.push({
      thread: spec.threads, // its own thread: thread 0 may have an info txn left open
      outcome: 'ok',
      mops: Array.from({ length: spec.keys }, (_, k): Mop => ['r', k, null]),
      invokePos: -1,
      completePos: -1,
      applied: true,
      done: undefined,
    });
    events.push({ txn: i, kind: 'invoke' }, { txn: i, kind: 'complete' });
  }
  events.forEach((e, pos) => {
    if (e.kind === 'invoke') planned[e.txn]!.invokePos = pos;
    else planned[e.txn]!.completePos = pos;
  });
  for (const t of planned) if (t.completePos < 0) t.completePos = events.length + 1;

  // Execute the applied txns in an order: by a point inside each window (real time), or by rank.
  const applied = [...planned.keys()].filter((i) => planned[i]!.applied);
  const point = (i: number): number => {
    const t = planned[i]!;
    const p = spec.points[i % spec.points.length] ?? 50;
    if (spec.mode === 'realtime') return t.invokePos + ((t.completePos - t.invokePos) * (p + 0.5)) / 100.5;
    return p * 10 + i / 10;
  };
  applied.sort((a, b) => point(a) - point(b));
  const state = new Map<number, unknown>();
  for (const i of applied) {
    const t = planned[i]!;
    const done: Mop[] = [];
    for (const [f, k, v] of t.mops) {
      if (f === 'r') {
        const cur = state.get(k);
        done.push(['r', k, append ? [...((cur as number[] | undefined) ?? [])] : (cur ?? null)]);
      } else {
        state.set(k, append ? [...((state.get(k) as number[] | undefined) ?? []), v] : v);
        done.push([f, k, v]);
      }
    }
    if (t.outcome === 'ok') t.done = done;
  }

  if (spec.mode === 'corrupted') corrupt(spec, planned, append);

  // Processes: a thread continues under a fresh process after an info (Jepsen's process + concurrency).
  const proc = Array.from({ length: spec.threads + 1 }, (_, th) => th);
  const out: Op[] = [];
  for (const e of events) {
    const t = planned[e.txn]!;
    const index = out.length;
    const base = { index, time: index * 1000, process: proc[t.thread]!, f: 'txn' };
    if (e.kind === 'invoke') out.push({ ...base, type: 'invoke', value: t.mops });
    else {
      out.push({ ...base, type: t.outcome, value: t.outcome === 'ok' ? t.done : t.mops });
      if (t.outcome === 'info') proc[t.thread]! += spec.threads + 1;
    }
  }
  return out;
}

/** Replaces some reads of ok txns by other values of the key (possibly unwritten or failed ones). */
function corrupt(spec: HistorySpec, planned: Planned[], append: boolean): void {
  const oks = planned.filter((t) => t.outcome === 'ok' && t.done?.some(([f]) => f === 'r'));
  if (oks.length === 0) return;
  // Every value any txn (of any outcome) writes to each key, in write order.
  const values = new Map<number, number[]>();
  for (const t of planned)
    for (const [f, k, v] of t.mops) if (f !== 'r') values.set(k, [...(values.get(k) ?? []), v as number]);
  for (const c of spec.corruptions) {
    const t = oks[c.txn % oks.length]!;
    const reads = (t.done as Mop[]).filter(([f]) => f === 'r');
    const r = reads[c.read % reads.length]!;
    const vs = values.get(r[1]) ?? [];
    const cur = r[2];
    if (!append) {
      const choices: unknown[] = [null, ...vs, GARBAGE];
      r[2] = choices[c.choice % choices.length];
      continue;
    }
    const list = [...(cur as number[])];
    switch (c.choice % 6) {
      case 0: // drop the last element (a stale read)
        r[2] = list.slice(0, -1);
        break;
      case 1: // swap the first two
        r[2] = list.length >= 2 ? [list[1], list[0], ...list.slice(2)] : [...vs].reverse();
        break;
      case 2: // a value nobody wrote
        r[2] = [...list, GARBAGE];
        break;
      case 3: // every value of the key, in write order (failed and unapplied ones included)
        r[2] = [...vs];
        break;
      case 4: // one value, chosen by the spec
        r[2] = vs.length ? [vs[Math.floor(c.choice / 6) % vs.length]] : [];
        break;
      default: // a duplicate
        r[2] = list.length ? [...list, list[0]] : [];
    }
  }
}
