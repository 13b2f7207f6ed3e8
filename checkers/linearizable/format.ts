import type { Op } from '../../src/core/op.ts';
import { stringifyExact } from '../../src/history/values.ts';
import type { LinearizabilityResult } from './check.ts';
import type { OpRef } from './explain.ts';

const opLine = (o: OpRef): string => {
  const done = o.completionIndex === null ? 'never completed' : `→ #${o.completionIndex}`;
  return `#${o.index} ${done}  p${o.process}  ${o.description}`;
};

const opText = (op: Op): string =>
  `#${op.index} p${String(op.process)} ${op.type} ${op.f} ${stringifyExact(op.value) ?? 'nil'}`;

/** The verdict and, on a violation, the explanation, as plain text for the terminal. */
export function formatLinearizabilityResult(r: LinearizabilityResult): string {
  const out: string[] = [`linearizable: ${String(r.valid)} — ${r.summary}`];
  out.push(
    `  ${r.opCount} ops (${r.pruned} pruned), ${r.partitions.total} partition(s), ${r.stats.steps} search steps, ` +
      `${r.stats.cacheEntries} cached configurations, ${r.stats.ms} ms`,
  );
  if (r.valid === 'unknown') {
    out.push(`  reason: ${r.reason}`);
    out.push(
      `  progress: ${r.progress.partitionsDecided} partition(s) decided, ${r.progress.partitionsUndecided} undecided` +
        `${r.partitions.undecided.length ? ` (${r.partitions.undecided.slice(0, 10).join(', ')})` : ''}; ` +
        `at most ${r.progress.maxOpsLinearized} ops linearized in one partition`,
    );
  }
  for (const p of r.problems.slice(0, 5)) out.push(`  warning: ${p}`);
  const f = r.failure;
  if (!f) return out.join('\n');
  if (r.partitions.total > 1) out.push(`  partition: ${f.partition}`);
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
    const note = m.oneMinimal ? '' : '; not fully minimized: time ran out';
    if (m.grounded) {
      // The grounded set reads better; the strict one can be a bare read whose writer was dropped.
      out.push(
        `  minimal failing sub-history (${m.grounded.ops.length} ops, every value read has its write${note}):`,
      );
      for (const op of m.grounded.history) out.push(`    ${opText(op)}`);
      out.push(`  strictly minimal (${m.ops.length} ops, removing any one makes it linearizable):`);
    } else {
      out.push(
        `  minimal failing sub-history (${m.ops.length} ops, removing any one makes it linearizable${note}):`,
      );
    }
    for (const op of m.history) out.push(`    ${opText(op)}`);
  }
  return out.join('\n');
}
