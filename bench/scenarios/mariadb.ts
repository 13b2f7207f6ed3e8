/**
 * MariaDB rows of the SQL expected-findings table (issue "SQL databases"), for bench/sql.ts:
 * `node bench/sql.ts --only mariadb-single-rr,mariadb-replica-set,mariadb-galera --runs 5`.
 */

import type { SutRun } from '../../test/integration/systems/harness.ts';
import { checkerResult } from '../../test/integration/systems/harness.ts';
import type { BenchSettings, Scenario } from '../lib/scenarios.ts';

/** The Elle checker's anomaly types in one line (`G-single, lost-update`), undefined when valid. */
export function elleFinding(r: SutRun): string | undefined {
  const e = checkerResult(r, 'elle') as { valid?: unknown; anomalyTypes?: string[] } | undefined;
  if (e?.valid !== false) return undefined;
  return (e.anomalyTypes ?? []).join(', ') || 'invalid';
}

/** The set checker's lost acknowledged adds, undefined when none. */
export function lostAdds(r: SutRun): string | undefined {
  const s = checkerResult(r, 'set') as { lost?: unknown[] } | undefined;
  if (!s?.lost?.length) return undefined;
  return `${s.lost.length} acknowledged adds lost (${s.lost.slice(0, 5).join(' ')}${s.lost.length > 5 ? ' …' : ''})`;
}

/** Every run's verdict in a word, with the anomaly types or lost elements when there are any. */
function anyFinding(r: SutRun): string | undefined {
  if (r.outcome.valid === true) return undefined;
  return elleFinding(r) ?? lostAdds(r) ?? `verdict ${String(r.outcome.valid)}`;
}

export function scenarios(s: BenchSettings): Scenario[] {
  const base = {
    system: 'mariadb',
    flavour: 'debian',
    resultsDir: s.resultsDir,
    timeLimitS: s.timeLimitS,
  } as const;
  return [
    {
      name: 'mariadb-single-rr',
      about:
        'single node, repeatable-read, list-append checked for serializable: lost update / G-single / G2-item',
      expect: 'finding',
      opts: {
        ...base,
        mode: 'single',
        nodes: 1,
        concurrency: 10,
        workload: 'list-append',
        options: { isolation: 'repeatable-read', consistencyModels: 'serializable' },
      },
      finding: elleFinding,
    },
    {
      name: 'mariadb-single-serializable',
      about: 'single node, serializable, list-append checked for serializable: valid',
      expect: 'valid',
      opts: {
        ...base,
        mode: 'single',
        nodes: 1,
        concurrency: 10,
        workload: 'list-append',
        options: { isolation: 'serializable', consistencyModels: 'serializable' },
      },
      finding: elleFinding,
    },
    {
      name: 'mariadb-replica-set',
      about:
        'primary + async replicas, faultline failover, partitions of the primary, set: lost acknowledged adds',
      expect: 'finding',
      opts: {
        ...base,
        mode: 'replica',
        nodes: Math.max(3, s.nodes),
        workload: 'set',
        nemeses: ['partition', 'failover'],
        faultS: 6,
        options: { partitionTargets: 'primaries' },
      },
      finding: lostAdds,
    },
    {
      name: 'mariadb-galera',
      about:
        'galera, partitions + kills, list-append checked for serializable: reported with counterexamples',
      expect: 'report',
      opts: {
        ...base,
        mode: 'galera',
        nodes: s.nodes === 5 ? 5 : 3,
        workload: 'list-append',
        nemeses: ['partition', 'kill'],
        faultS: 6,
        options: { consistencyModels: 'serializable', killTargets: 'one,minority' },
      },
      finding: anyFinding,
    },
  ];
}
