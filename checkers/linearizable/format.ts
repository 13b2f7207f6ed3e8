import type { Op } from '../../src/core/op.ts';
import { stringifyExact } from '../../src/history/values.ts';
import type { LinearizabilityResult } from './check.ts';
import type { OpRef } from './explain.ts';

/** Who ran an op: its process and, when the history records it, the node it talked to. */
const who = (process: number | 'nemesis', node: string | undefined): string =>
  `p${String(process)}${node === undefined ? '' : ` on ${node}`}`;

const opLine = (o: OpRef): string => {
  const done = o.completionIndex === null ? 'never completed' : `→ #${o.completionIndex}`;
  return `#${o.index} ${done}  ${who(o.process, o.node)}  ${o.description}`;
};

const opText = (op: Op): string =>
  `#${op.index} ${who(op.process, op.node)} ${op.type} ${op.f} ${stringifyExact(op.value) ?? 'nil'}`;

/**
 * True when the checker split the history by key (P-compositionality). User-facing text says "key":
 * "partition" would read as a network partition on a page full of them.
 */
const keyed = (r: LinearizabilityResult): boolean =>
  r.partitions.total > 1 || [...r.partitions.illegal, ...r.partitions.undecided].some((k) => k !== '');
const keys = (n: number): string => `${n} key${n === 1 ? '' : 's'}`;

/** The verdict and, on a violation, the explanation, as plain text for the terminal. */
export function formatLinearizabilityResult(r: LinearizabilityResult): string {
  const out: string[] = [`linearizable: ${String(r.valid)} — ${r.summary}`];
  const byKey = keyed(r);
  out.push(
    `  ${r.opCount} ops (${r.pruned} pruned)${byKey ? `, ${keys(r.partitions.total)} checked apart` : ''}, ` +
      `${r.stats.steps} search steps, ${r.stats.cacheEntries} cached configurations, ${r.stats.elapsedMs} ms`,
  );
  if (r.valid === 'unknown') {
    out.push(`  reason: ${r.reason}`);
    out.push(
      byKey
        ? `  progress: ${keys(r.progress.partitionsDecided)} decided, ${r.progress.partitionsUndecided} undecided` +
            `${r.partitions.undecided.length ? ` (${r.partitions.undecided.slice(0, 10).join(', ')})` : ''}; ` +
            `at most ${r.progress.maxOpsLinearized} ops of one key linearized`
        : `  progress: at most ${r.progress.maxOpsLinearized} ops linearized`,
    );
  }
  for (const p of r.problems.slice(0, 5)) out.push(`  warning: ${p}`);
  const f = r.failure;
  if (!f) return out.join('\n');
  if (byKey) out.push(`  key: ${f.partition}`);
  out.push(`  cannot linearize: ${opLine(f.op)}`);
  if (f.window.length) {
    out.push('  concurrent with it:');
    for (const o of f.window.slice(0, 20)) out.push(`    ${opLine(o)}`);
    if (f.windowSize > 20) out.push(`    … ${f.windowSize - 20} more`);
  }
  f.finalPaths.slice(0, 3).forEach((p, k) => {
    out.push(`  order ${k + 1} tried${p.elided ? ` (after ${p.elided} earlier ops)` : ''}:`);
    for (const s of p.path) out.push(`    ${opLine(s.op)}  ⇒ ${s.state}`);
    for (const t of p.tried) {
      out.push(
        `      then ${t.op.description} (#${t.op.index}): ${t.error ?? `legal (⇒ ${t.next}) but a dead end later`}`,
      );
    }
  });
  if (f.minimal) {
    const m = f.minimal;
    const note = m.oneMinimal ? 'every other op necessary' : 'not fully minimized: time ran out';
    out.push(
      `  minimal failing sub-history (${m.ops.length} ops: #${f.op.index}, a write of each value read, ${note}):`,
    );
    // The failing op's last line (its completion, else its invoke) is marked.
    const last = f.op.completionIndex ?? f.op.index;
    for (const op of m.history)
      out.push(`    ${opText(op)}${op.index === last ? '   ← cannot linearize' : ''}`);
  }
  return out.join('\n');
}
