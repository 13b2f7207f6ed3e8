/**
 * Explanations of cycles a person can follow (after elle/core.clj `explain-cycle` and elle/txn.clj's
 * cycle explainer): the txns of a cycle are named T1…Tn in cycle order, each with its ops, process, node
 * and times, and every edge says why one txn precedes the next, ending "…: a contradiction". The data
 * edges are explained by the workload's inference (`Inference.explain`), process and real-time edges
 * here. Pure.
 */
import type { AnomalyCase } from '../../src/core/checker.ts';
import { NS_PER_MS } from '../../src/core/time.ts';
import { showValue } from '../../src/history/values.ts';
import type { FoundCycle, ProvenCycle } from './cycles.ts';
import type { CycleData, CycleStep, EdgeExplainer, EdgeKind, EdgeReason, Mop, Txn } from './types.ts';

/** Milliseconds since the run started, from ns, with µs precision: "12.345 ms". */
export function msText(timeNs: number): string {
  return `${Number((timeNs / NS_PER_MS).toFixed(3))} ms`;
}

/** A micro-op as Elle prints it: `[append 7 3]`, `[r 7 [1 2 3]]`. */
function mopText(m: Mop): string {
  return `[${m.f} ${showValue(m.key)} ${showValue(m.value)}]`;
}

/** "#12–#15, process 3, node n1, 1.234–2.345 ms: [append 7 3] [r 8 [1 2]]" (the txn as the history shows it). */
export function txnText(t: Txn): string {
  const ops =
    t.completeIndex === undefined
      ? `#${t.invokeIndex} (never completed)`
      : `#${t.invokeIndex}–#${t.completeIndex}`;
  const times =
    t.completeTimeNs === undefined
      ? `invoked at ${msText(t.invokeTimeNs)}`
      : `${msText(t.invokeTimeNs).replace(' ms', '')}–${msText(t.completeTimeNs)}`;
  const outcome = t.type === 'ok' ? '' : t.type === 'info' ? ', indeterminate' : ', failed';
  return `${ops}, process ${t.process}${t.node ? `, node ${t.node}` : ''}, ${times}${outcome}: ${t.mops.map(mopText).join(' ')}`;
}

/** Why `a` precedes `b` by a process or real-time edge. */
function orderReason(kind: 'process' | 'realtime', a: Txn, b: Txn, name: (t: Txn) => string): EdgeReason {
  if (kind === 'process') return { kind, text: `process ${a.process} executed ${name(a)} before ${name(b)}` };
  const gap =
    a.completeTimeNs !== undefined && b.invokeTimeNs > a.completeTimeNs
      ? ` ${msText(b.invokeTimeNs - a.completeTimeNs)}`
      : ' just';
  return {
    kind,
    text: `${name(a)} completed (#${a.completeIndex ?? '?'}, ${a.completeTimeNs === undefined ? '?' : msText(a.completeTimeNs)})${gap} before ${name(b)} was invoked (#${b.invokeIndex}, ${msText(b.invokeTimeNs)})`,
  };
}

/**
 * The steps of a cycle: each txn with its label and the reason for its edge to the next. A data edge
 * the explainer cannot justify (a bug in the inference, never expected) keeps its kind with a plain
 * sentence saying so rather than failing the check.
 */
export function cycleSteps(cycle: FoundCycle, txns: readonly Txn[], explain: EdgeExplainer): CycleStep[] {
  const labels = new Map<number, string>();
  for (const [i, id] of cycle.txns.entries()) labels.set(id, `T${i + 1}`);
  const name = (t: Txn) => labels.get(t.id) ?? `txn #${t.invokeIndex}`;
  return cycle.txns.map((id, i) => {
    const a = txns[id]!;
    const b = txns[cycle.txns[(i + 1) % cycle.txns.length]!]!;
    const kind: EdgeKind = cycle.kinds[i]!;
    const edge =
      kind === 'process' || kind === 'realtime'
        ? orderReason(kind, a, b, name)
        : (explain(a, b, kind, name) ?? {
            kind,
            text: `${name(a)} precedes ${name(b)} by a ${kind} dependency the inference did not explain`,
          });
    return {
      label: name(a),
      invokeIndex: a.invokeIndex,
      completeIndex: a.completeIndex,
      process: a.process,
      ...(a.node !== undefined ? { node: a.node } : {}),
      invokeTimeNs: a.invokeTimeNs,
      completeTimeNs: a.completeTimeNs,
      mops: a.mops,
      edge,
    };
  });
}

/**
 * The explanation of a cycle: "Let T1 = …; T2 = …. Then T1 < T2 because T2 read T1's append of 3 to
 * key 7; T2 < T3 because …; T3 < T1 because …: a contradiction."
 */
export function cycleExplanation(
  type: string,
  steps: readonly CycleStep[],
  txns: readonly Txn[],
  ids: readonly number[],
): string {
  const lets = ids.map((id, i) => `${steps[i]!.label} = ${txnText(txns[id]!)}`).join('; ');
  const because = steps
    .map((s, i) => `${s.label} < ${steps[(i + 1) % steps.length]!.label} because ${s.edge.text}`)
    .join('; ');
  return `${type} cycle of ${steps.length} txns. Let ${lets}. Then ${because}: a contradiction.`;
}

/** The anomaly case of a found cycle: `ops` are the txns' invoke indices in cycle order. */
export function cycleCase(cycle: FoundCycle, txns: readonly Txn[], explain: EdgeExplainer): AnomalyCase {
  const steps = cycleSteps(cycle, txns, explain);
  const data: CycleData = { cycle: steps };
  return {
    ops: cycle.txns.map((id) => txns[id]!.invokeIndex),
    explanation: cycleExplanation(cycle.type, steps, txns, cycle.txns),
    data,
  };
}

/** At most this many txns of a proven-but-unsearched SCC are listed in a case. */
export const MAX_SCC_LISTED = 10_000;

/**
 * The anomaly case of a class proved to exist in an SCC whose example cycle the search did not finish
 * (`searchTimedOut`): `ops` and `data.scc` list the component's txns' invoke indices (the first
 * MAX_SCC_LISTED; the explanation gives the size).
 */
export function provenCase(p: ProvenCycle, txns: readonly Txn[], reason: string): AnomalyCase {
  const listed = p.scc.slice(0, MAX_SCC_LISTED).map((id) => txns[id]!.invokeIndex);
  const data: CycleData = { cycle: [], searchTimedOut: true, scc: listed, sccSize: p.scc.length };
  const shown = listed.length < p.scc.length ? ` (the first ${listed.length} listed)` : '';
  return {
    ops: listed.slice(0, 100),
    explanation: `a ${p.type} cycle exists among these ${p.scc.length} txns${shown}: the kinds of their dependency edges prove it, but the search for a short example stopped (${reason})`,
    data,
  };
}
