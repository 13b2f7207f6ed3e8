import {
  type AnomalyCase,
  anomalyFields,
  type Checker,
  type CheckResult,
  noAnomalies,
} from '../src/core/checker.ts';
import type { Op } from '../src/core/op.ts';
import { pairOps } from '../src/history/pairs.ts';
import { compareNumbers, elementsOf, stringifyExact, valueKey } from '../src/history/values.ts';

/** What became of one element, once it was known to exist (its add acknowledged, or a read saw it). */
export type ElementOutcome = 'stable' | 'lost' | 'never-read';

export interface SetFullOptions {
  /** Count stale reads (an element missing after it was known, seen again later) as anomalies. Default false. */
  linearizable?: boolean;
}

export interface SetFullResult extends CheckResult {
  attemptCount: number;
  acknowledgedCount: number;
  readCount: number;
  stableCount: number;
  /** Elements seen (or acknowledged) and then missing from every later read. */
  lost: unknown[];
  lostCount: number;
  /** Acknowledged elements no read began after, so their fate is unknown. */
  neverReadCount: number;
  /** Elements with no acknowledged add (only info, pending or failed ones) that no read ever showed. */
  neverSeenCount: number;
  /** Elements missing from a read that began after they were known, but present again later. */
  staleCount: number;
  stale: unknown[];
  /** Elements a read returned that nobody added. */
  unexpected: unknown[];
  /** Elements a single read returned more than once. */
  duplicated: unknown[];
  /** ms from the add's invocation to the read from which on it was always visible (stable elements). */
  stableLatencyMs: Record<string, number>;
  /** Up to 20 lost elements with the evidence. */
  lostDetails: { element: unknown; knownAtMs: number; lastPresentMs?: number; lastAbsentMs: number }[];
}

interface Read {
  invokeNs: number;
  completeNs: number;
  index: number;
  /** Index of the read's completion (the entry holding the value read). */
  completionIndex: number;
  has: Set<string>;
}

const key = valueKey;
/** History nanoseconds → milliseconds, rounded to 0.01 ms. */
const ms = (ns: number) => Math.round(ns / 1e4) / 100;

/**
 * Jepsen's set-full checker: for sets that are read during the run, not only at the end. Each element is
 * known from the moment its add was acknowledged or a read first returned it. Reads that *began* after
 * that moment must contain it; from them the element is stable (present in the last such read),
 * lost (absent from the last such read), or never read (no such read). Absences followed by a later
 * presence are stale reads: allowed unless `linearizable` is set. An element may be added more than
 * once: failed attempts certainly did not happen (an element only ever failed and then read is
 * unexpected); of the others, the earliest invoke and the earliest acknowledgement count.
 */
export function setFull(opts: SetFullOptions = {}): Checker {
  return {
    name: 'set-full',
    check(_ctx, history: readonly Op[]): SetFullResult | CheckResult {
      const { pairs } = pairOps(history.filter((o) => o.process !== 'nemesis'));
      const failedOnly = new Set<string>(); // elements whose every attempt failed
      const adds = new Map<
        string,
        { value: unknown; invokeNs: number; okNs?: number; outcome: string; okIndex?: number }
      >();
      const reads: Read[] = [];
      const duplicated = new Map<string, number>(); // element → the first read returning it twice
      // Keys back to values exactly (JSON.parse of a key would round bigints).
      const exactOf = new Map<string, unknown>();
      for (const { invoke, completion } of pairs) {
        if (invoke.f === 'add') {
          // A failed attempt certainly did not happen; an element added several times is known from
          // its first acknowledgement and may exist from its first attempt that may have happened.
          if (completion?.type === 'fail') {
            failedOnly.add(key(invoke.value));
            continue;
          }
          const k = key(invoke.value);
          const prev = adds.get(k);
          const okNs = completion?.type === 'ok' ? completion.time : undefined;
          const best =
            prev?.okNs === undefined ? okNs : okNs === undefined ? prev.okNs : Math.min(prev.okNs, okNs);
          // Where its earliest acknowledgement is in the history (anomaly cases cite it).
          const okIndex = best === okNs && okNs !== undefined ? completion!.index : prev?.okIndex;
          adds.set(k, {
            value: invoke.value,
            invokeNs: Math.min(prev?.invokeNs ?? invoke.time, invoke.time),
            ...(okIndex !== undefined ? { okIndex } : {}),
            ...(best !== undefined ? { okNs: best } : {}),
            outcome: best !== undefined ? 'ok' : (completion?.type ?? 'info'),
          });
        } else if (invoke.f === 'read' && completion?.type === 'ok' && elementsOf(completion.value)) {
          const has = new Set<string>();
          for (const x of elementsOf(completion.value)!) {
            const k = key(x);
            exactOf.set(k, x);
            if (has.has(k) && !duplicated.has(k)) duplicated.set(k, completion.index);
            has.add(k);
          }
          reads.push({
            invokeNs: invoke.time,
            completeNs: completion.time,
            index: invoke.index,
            completionIndex: completion.index,
            has,
          });
        }
      }
      if (reads.length === 0)
        return {
          valid: 'unknown',
          reason: 'no read succeeded, so there is nothing to check',
          ...noAnomalies(),
        };
      reads.sort((a, b) => a.invokeNs - b.invokeNs || a.index - b.index);
      for (const k of adds.keys()) failedOnly.delete(k);
      const unexpected = new Set<string>();
      for (const r of reads) for (const k of r.has) if (!adds.has(k)) unexpected.add(k);

      const lost: unknown[] = [];
      const lostDetails: SetFullResult['lostDetails'] = [];
      const stale: unknown[] = [];
      const latencies: number[] = [];
      const cases: { lost: AnomalyCase[]; stale: AnomalyCase[] } = { lost: [], stale: [] };
      let stable = 0;
      let neverRead = 0;
      let neverSeen = 0;
      let acked = 0;
      for (const [k, a] of adds) {
        if (a.okNs !== undefined) acked++;
        // Known: the add's ok, or the completion of the first read that returned it, whichever is first.
        let knownNs = a.okNs ?? Number.POSITIVE_INFINITY;
        let knownIndex = a.okIndex; // the history entry that made it known
        for (const r of reads) {
          if (r.has.has(k) && r.completeNs < knownNs) {
            knownNs = r.completeNs;
            knownIndex = r.completionIndex;
          }
        }
        if (knownNs === Number.POSITIVE_INFINITY) {
          neverSeen++;
          continue;
        }
        let lastPresent: Read | undefined;
        let lastAbsent: Read | undefined;
        let firstAbsent: Read | undefined;
        let staleHere: [Read, Read] | undefined; // the first absence and the presence after it
        for (const r of reads) {
          if (r.invokeNs <= knownNs) continue;
          if (r.has.has(k)) {
            lastPresent = r;
            if (firstAbsent && !staleHere) staleHere = [firstAbsent, r];
          } else {
            lastAbsent = r;
            firstAbsent ??= r;
          }
        }
        if (!lastPresent && !lastAbsent) {
          neverRead++;
          continue;
        }
        if (staleHere) {
          stale.push(a.value);
          cases.stale.push(staleCase(a.value, knownIndex!, ...staleHere));
        }
        if (lastAbsent && (!lastPresent || lastAbsent.invokeNs > lastPresent.invokeNs)) {
          lost.push(a.value);
          cases.lost.push(lostCase(a.value, knownIndex!, lastAbsent, lastPresent));
          if (lostDetails.length < 20) {
            lostDetails.push({
              element: a.value,
              knownAtMs: ms(knownNs),
              ...(lastPresent ? { lastPresentMs: ms(lastPresent.invokeNs) } : {}),
              lastAbsentMs: ms(lastAbsent.invokeNs),
            });
          }
          continue;
        }
        stable++;
        // Stable from the first read after the last absence (or the first read after it was known).
        const from = reads.find(
          (r) => r.invokeNs > (lastAbsent?.invokeNs ?? knownNs) && r.has.has(k) && r.invokeNs > knownNs,
        );
        if (from) latencies.push(Math.max(0, from.invokeNs - a.invokeNs) / 1e6);
      }
      const anomalies =
        lost.length + unexpected.size + duplicated.size + (opts.linearizable ? stale.length : 0);
      const parts = [
        `${reads.length} reads, ${stable} stable`,
        lost.length ? `${lost.length} LOST` : '',
        stale.length ? `${stale.length} stale` : '',
        neverRead ? `${neverRead} never read` : '',
        unexpected.size ? `${unexpected.size} unexpected` : '',
        duplicated.size ? `${duplicated.size} duplicated` : '',
      ].filter(Boolean);
      return {
        valid: anomalies === 0,
        summary: parts.join(', '),
        attemptCount: adds.size,
        acknowledgedCount: acked,
        readCount: reads.length,
        stableCount: stable,
        lost: sortValues(lost),
        lostCount: lost.length,
        neverReadCount: neverRead,
        neverSeenCount: neverSeen + [...failedOnly].filter((k) => !reads.some((r) => r.has.has(k))).length,
        staleCount: stale.length,
        stale: sortValues(stale).slice(0, 100),
        unexpected: sortValues([...unexpected].map((k) => exactOf.get(k))),
        duplicated: sortValues([...duplicated.keys()].map((k) => exactOf.get(k))),
        stableLatencyMs: quantiles(latencies),
        lostDetails,
        ...setFullAnomalies(cases, unexpected, duplicated, reads, opts),
      };
    },
  };
}

const shown = (x: unknown) => stringifyExact(x) ?? String(x);

function lostCase(x: unknown, knownIndex: number, absent: Read, present: Read | undefined): AnomalyCase {
  return {
    ops: [knownIndex, ...(present ? [present.completionIndex] : []), absent.completionIndex],
    explanation: `${shown(x)} was known from #${knownIndex}${present ? `, read at #${present.completionIndex}` : ''}, then missing from every read from #${absent.completionIndex} on`,
    data: { element: x },
  };
}

function staleCase(x: unknown, knownIndex: number, absent: Read, present: Read): AnomalyCase {
  return {
    ops: [knownIndex, absent.completionIndex, present.completionIndex],
    explanation: `${shown(x)} was known from #${knownIndex}, missing from a later read (#${absent.completionIndex}), then present again (#${present.completionIndex})`,
    data: { element: x },
  };
}

/**
 * set-full's findings as anomaly cases, one per element: `lost`, `unexpected` (the first read showing
 * it), `duplicated` (the first read returning it twice) and, only when `linearizable`, `stale`.
 */
function setFullAnomalies(
  cases: { lost: AnomalyCase[]; stale: AnomalyCase[] },
  unexpected: ReadonlySet<string>,
  duplicated: ReadonlyMap<string, number>,
  reads: readonly Read[],
  opts: SetFullOptions,
): Pick<SetFullResult, 'anomalyTypes' | 'anomalies' | 'anomalyCounts'> {
  const byElement = (xs: AnomalyCase[]) =>
    xs.sort((a, b) =>
      compareValues((a.data as { element: unknown }).element, (b.data as { element: unknown }).element),
    );
  return anomalyFields({
    lost: byElement(cases.lost),
    ...(opts.linearizable ? { stale: byElement(cases.stale) } : {}),
    unexpected: sortValues([...unexpected].map((k) => JSON.parse(k) as unknown)).map((x) => {
      const at = reads.find((r) => r.has.has(key(x)))!.completionIndex;
      return {
        ops: [at],
        explanation: `a read (#${at}) returned ${shown(x)}, which no add that may have happened wrote`,
        data: { element: x },
      };
    }),
    duplicated: sortValues([...duplicated.keys()].map((k) => JSON.parse(k) as unknown)).map((x) => {
      const at = duplicated.get(key(x))!;
      return {
        ops: [at],
        explanation: `a read (#${at}) returned ${shown(x)} more than once`,
        data: { element: x },
      };
    }),
  });
}

export const setFullChecker: Checker = setFull();

function quantiles(xs: number[]): Record<string, number> {
  if (xs.length === 0) return {};
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 10) / 10;
  return { min: q(0), '0.5': q(0.5), '0.95': q(0.95), '0.99': q(0.99), max: q(1) };
}

const compareValues = (a: unknown, b: unknown): number =>
  typeof a === 'number' && typeof b === 'number' ? a - b : key(a).localeCompare(key(b));

function sortValues(xs: unknown[]): unknown[] {
  return xs.sort((a, b) =>
    Number.isNaN(compareNumbers(a, b)) ? key(a).localeCompare(key(b)) : compareNumbers(a, b),
  );
}
