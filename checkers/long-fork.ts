/**
 * The long-fork checker (Jepsen's jepsen.tests.long-fork): inserts write each key once (value 1), reads
 * read a whole group of keys. Under snapshot isolation or stronger, every read of a group sees a prefix
 * of one order of the group's inserts, so any two reads of a group are comparable: one's present keys
 * include the other's. A long fork is a pair that is not: read A sees x but not y, read B sees y but
 * not x. Reads are grouped by the set of keys they read (the workload reads groups of `groupSize`
 * consecutive keys; other groupings work too).
 *
 * As Jepsen: a key written more than once makes the verdict `unknown` (the analysis assumes one insert
 * per key); reads that see nothing (early) or everything (late) are counted, since they say nothing
 * about order. Beyond Jepsen (which throws on it): a read of a value nobody wrote to that key is an
 * `unexpected-value` anomaly. Only `ok` read txns are analysed. Pure, no I/O.
 */
import {
  type AnomalyCase,
  anomalyFields,
  type Checker,
  type CheckResult,
  noAnomalies,
} from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import { sameValue, stringifyExact, valueKey } from '../src/history/values.ts';

/** A read as the checker sees it: its completion, and per key (valueKey) the value read. */
interface Read {
  op: Op;
  process: number | string;
  /** Keys read, in the txn's order, exact. */
  keys: unknown[];
  values: Map<string, unknown>;
  /** Sorted valueKeys of the keys read present (non-null). */
  present: string[];
}

export interface LongForkResult extends CheckResult {
  readsCount: number;
  /** Reads that saw none of their keys: too early to say anything. */
  earlyReadCount: number;
  /** Reads that saw all of their keys: too late to say anything. */
  lateReadCount: number;
  /** Keys written more than once (the analysis then is unknown). */
  multipleWrites: unknown[];
  /** Number of long-fork pairs found (each listed as an anomaly case up to the cap). */
  forkCount: number;
}

type MicroOp = [string, unknown, unknown];

const isMops = (v: unknown): v is MicroOp[] =>
  Array.isArray(v) && v.every((m) => Array.isArray(m) && m.length === 3 && typeof m[0] === 'string');

/**
 * Why the long-fork checker cannot read one call (f, value: an ok completion's, else the invoke's, and
 * outcome), or undefined: not a txn, a value that is not a list of [f k v] micro-ops, a micro-op other
 * than r/w, or a txn that is neither one insert nor a read of a group.
 */
export function longForkCallProblem(c: { f: string; value: unknown; outcome: string }): string | undefined {
  if (c.f !== 'txn') return `${c.f} is not a txn`;
  if (!isMops(c.value)) return 'a txn value is a list of [f k v] micro-ops';
  const bad = c.value.find((m) => m[0] !== 'r' && m[0] !== 'w');
  if (bad) return `micro-op ${show(bad[0])} is neither r nor w`;
  const isInsert = c.value.length === 1 && c.value[0]![0] === 'w';
  if (!isInsert && !c.value.every((m) => m[0] === 'r'))
    return 'a long-fork txn is one insert [[w k v]] or a read of a group [[r k v] …]';
  return undefined;
}

/**
 * The first client op pair the long-fork checker cannot read: the op (its completion, else its invoke)
 * and a one-line reason naming it; undefined when there is none. An ok completion is read with its invoke's shape
 * too (the checker classifies by the invoke, reads values from the completion). Pure.
 */
export function findMalformedLongForkOp(history: readonly Op[]): { op: Op; message: string } | undefined {
  const { pairs } = pairOps(history.filter((o) => o.process !== 'nemesis'));
  for (const { invoke, completion } of pairs) {
    const outcome = completion?.type ?? 'info';
    const checks = [invoke.value, ...(outcome === 'ok' && completion ? [completion.value] : [])];
    for (const value of checks) {
      const problem = longForkCallProblem({ f: invoke.f, value, outcome });
      if (problem) {
        const at = value === invoke.value ? invoke : completion!;
        return {
          op: at,
          message: `op ${at.index} (${invoke.f} ${stringifyExact(value)?.slice(0, 60) ?? String(value)}): ${problem}`,
        };
      }
    }
    if (outcome !== 'ok' || !completion) continue;
    // Writes are taken from the invoke, reads from the completion: an insert's completion is its
    // invoke; a read's reads the same keys (in any order: reads group by key set).
    const inv = invoke.value as MicroOp[];
    const done = completion.value as MicroOp[];
    const keysOf = (ms: MicroOp[]) =>
      ms
        .map((m) => `${m[0]}\u0000${valueKey(m[1])}`)
        .sort()
        .join('\u0001');
    const isInsert = inv.length === 1 && inv[0]![0] === 'w';
    const same = isInsert
      ? done.length === 1 && sameValue(inv[0], done[0])
      : inv.length === done.length && keysOf(inv) === keysOf(done);
    if (!same)
      return {
        op: completion,
        message: `op ${completion.index} (${invoke.f} ${stringifyExact(done)?.slice(0, 60)}): its micro-ops differ from its invoke's (${stringifyExact(inv)?.slice(0, 60)})`,
      };
  }
  return undefined;
}

/** The long-fork checker; `groupSize` is for documentation and the summary (reads group by key set). */
export function longForkChecker(groupSize: number): Checker {
  return {
    name: 'long-fork',
    check(_ctx, history) {
      return checkLongFork(history, groupSize);
    },
  };
}

/** Runs the long-fork analysis on a history of rw-register txns. Pure. */
export function checkLongFork(history: readonly Op[], groupSize?: number): LongForkResult {
  const { pairs } = pairOps(history.filter((o) => o.process !== 'nemesis'));
  const written = new Map<string, { key: unknown; value: unknown; count: number }>();
  const reads: Read[] = [];
  for (const { invoke, completion } of pairs) {
    if (!isMops(invoke.value)) continue;
    const mops = invoke.value;
    if (mops.length === 1 && mops[0]![0] === 'w') {
      const [, key, value] = mops[0]!;
      const k = valueKey(key);
      const w = written.get(k) ?? { key, value, count: 0 };
      w.count++;
      written.set(k, w);
      continue;
    }
    if (completion?.type !== 'ok' || !mops.every((m) => m[0] === 'r') || !isMops(completion.value)) continue;
    const values = new Map<string, unknown>();
    const keys: unknown[] = [];
    for (const [, key, v] of completion.value) {
      values.set(valueKey(key), v ?? null);
      keys.push(key);
    }
    const present = [...values]
      .filter(([, v]) => v !== null)
      .map(([k]) => k)
      .sort();
    reads.push({ op: completion, process: invoke.process, keys, values, present });
  }
  const multipleWrites = [...written.values()].filter((w) => w.count > 1).map((w) => w.key);
  const early = reads.filter((r) => r.present.length === 0).length;
  const late = reads.filter((r) => r.present.length === r.values.size).length;
  const base = {
    readsCount: reads.length,
    earlyReadCount: early,
    lateReadCount: late,
    multipleWrites,
  };
  const malformed = findMalformedLongForkOp(history)?.message;
  if (malformed)
    return {
      valid: 'unknown',
      reason: `${malformed}: the long-fork checker cannot read it`,
      summary: 'unknown: an op the long-fork checker cannot read',
      ...base,
      forkCount: 0,
      ...noAnomalies(),
    };
  if (multipleWrites.length > 0)
    return {
      valid: 'unknown',
      reason: `keys written more than once (${multipleWrites.map(show).join(', ')}): the long-fork analysis assumes one insert per key`,
      summary: `${multipleWrites.length} keys written more than once: unknown`,
      ...base,
      forkCount: 0,
      ...noAnomalies(),
    };
  const unexpected: AnomalyCase[] = [];
  for (const r of reads) {
    for (const [k, v] of r.values) {
      const w = written.get(k);
      if (v !== null && !(w && sameValue(w.value, v)))
        unexpected.push({
          ops: [r.op.index],
          explanation: `read #${r.op.index} (process ${r.process}) saw ${show(v)} for key ${k}, ${w ? `but the only insert wrote ${show(w.value)}` : 'which nobody wrote'}`,
          data: { key: k, value: v },
        });
    }
  }
  // Compare reads of the same group; identical presence sets compare equal, so compare distinct
  // sets pairwise and show the first two reads that produced each incomparable pair.
  const groups = new Map<string, Map<string, Read>>();
  for (const r of reads) {
    const g = [...r.values.keys()].sort().join('\u0000');
    const bySet = groups.get(g) ?? new Map<string, Read>();
    const s = r.present.join('\u0000');
    if (!bySet.has(s)) bySet.set(s, r);
    groups.set(g, bySet);
  }
  const forks: AnomalyCase[] = [];
  for (const bySet of groups.values()) {
    const rs = [...bySet.values()].sort((a, b) => a.op.index - b.op.index);
    for (let i = 0; i < rs.length; i++) {
      const a = new Set(rs[i]!.present);
      for (let j = i + 1; j < rs.length; j++) {
        const b = new Set(rs[j]!.present);
        const onlyA = [...a].filter((k) => !b.has(k));
        const onlyB = [...b].filter((k) => !a.has(k));
        if (onlyA.length && onlyB.length) forks.push(forkCase(rs[i]!, rs[j]!, onlyA, onlyB));
      }
    }
  }
  const valid = forks.length === 0 && unexpected.length === 0;
  return {
    valid,
    summary: [
      `${reads.length} reads${groupSize ? ` of groups of ${groupSize}` : ''} (${early} early, ${late} late)`,
      forks.length ? `${forks.length} LONG FORKS` : 'no long fork',
      unexpected.length ? `${unexpected.length} unexpected values` : '',
    ]
      .filter(Boolean)
      .join(', '),
    ...base,
    forkCount: forks.length,
    ...anomalyFields({ 'long-fork': forks, 'unexpected-value': unexpected }),
  };
}

function forkCase(a: Read, b: Read, onlyA: string[], onlyB: string[]): AnomalyCase {
  const state = (r: Read) => r.keys.map((k) => `${show(k)}=${show(r.values.get(valueKey(k)))}`).join(' ');
  return {
    ops: [a.op.index, b.op.index],
    explanation: `read #${a.op.index} (process ${a.process}, ${ms(a.op.time)} ms: ${state(a)}) sees ${onlyA.join(', ')} but not ${onlyB.join(', ')}; read #${b.op.index} (process ${b.process}, ${ms(b.op.time)} ms: ${state(b)}) sees ${onlyB.join(', ')} but not ${onlyA.join(', ')}: they disagree on the order of those inserts`,
    data: { onlyA, onlyB, readA: a.op.value, readB: b.op.value },
  };
}

const ms = (ns: number) => Math.round(ns / 1e6);
const show = (v: unknown) => (v === null || v === undefined ? 'nil' : (stringifyExact(v) ?? String(v)));
