/**
 * PostgreSQL's rows of the SQL expected-findings table (issue "SQL databases"), for bench/sql.ts:
 * `node bench/sql.ts --only pg-serializable,pg-repeatable-read-g2,pg-standby-stale-reads --runs 5`.
 * Single-node scenarios run on 1 node with 10 client threads whatever `--nodes` says (the mode has one
 * node); the replica scenario takes `--nodes` (at least 3).
 */
import type { ElleResult } from '../../checkers/elle/index.ts';
import { checkerResult, type SutRun } from '../../test/integration/systems/harness.ts';
import type { BenchSettings, Scenario } from '../lib/scenarios.ts';

const elleOf = (r: SutRun) => checkerResult(r, 'elle') as unknown as ElleResult | undefined;

/** The anomaly types found, `G2-item ×3, …`, when the verdict is invalid. */
function anomalies(r: SutRun, keep: (type: string) => boolean): string | undefined {
  const e = elleOf(r);
  if (e?.valid !== false) return undefined;
  const kept = e.anomalyTypes.filter(keep);
  if (!kept.length) return undefined;
  const counts = e.anomalies as Record<string, unknown[]>;
  return kept.map((t) => `${t} ×${counts[t]?.length ?? '?'}`).join(', ');
}

export function scenarios(s: BenchSettings): Scenario[] {
  const common = {
    system: 'postgres',
    flavour: 'debian',
    timeLimitS: s.timeLimitS,
    resultsDir: s.resultsDir,
  } as const;
  const single = { ...common, mode: 'single', nodes: 1, concurrency: 10, workload: 'list-append' } as const;
  return [
    {
      name: 'pg-serializable',
      about: 'single node, SERIALIZABLE, list-append checked strict-serializable: valid',
      opts: { ...single },
      finding: (r) => (r.outcome.valid === false ? (elleOf(r)?.summary ?? 'invalid') : undefined),
      expect: 'valid',
    },
    {
      name: 'pg-repeatable-read-g2',
      about: 'single node, REPEATABLE READ (snapshot isolation), list-append checked serializable: G2-item',
      opts: { ...single, options: { isolation: 'repeatable-read', consistencyModels: ['serializable'] } },
      finding: (r) => anomalies(r, (t) => t.startsWith('G2-item')),
      expect: 'finding',
    },
    {
      name: 'pg-standby-stale-reads',
      about:
        'primary + hot standbys, read-only txns on standbys, checked strict-serializable: real-time anomalies',
      opts: {
        ...common,
        mode: 'replica',
        nodes: Math.max(3, s.nodes),
        workload: 'list-append',
        options: { readFrom: 'standby' },
      },
      finding: (r) => anomalies(r, (t) => t.endsWith('-realtime')),
      expect: 'finding',
    },
  ];
}
