/**
 * ZooKeeper scenarios for bench/queues.ts (debian flavour; `node bench/queues.ts --only zk-…`):
 *   zk-register-sync-faults     register, sync before reads, partition+kill+pause: reported (a paused
 *                               leader may answer sync from stale state once resumed: ZOOKEEPER-1675)
 *   zk-register-sync-pause-leader register, sync before reads, the leader paused: reported (a stale
 *                               read needs a resumed leader to answer before it steps down: rare)
 *   zk-register-sync-isolated   register, sync before reads, follower n1 cut off: expect valid
 *   zk-register-stale-reads     register, plain reads, follower n1 cut off: expect stale reads (invalid)
 *   zk-register-clock-packet    register, sync before reads, clock+packet: expect valid
 *   zk-unique-ids-faults        unique-ids (sequential znodes), partition+kill+pause: expect valid
 *   zk-set-faults               set (child znodes), partition+kill+pause: expect valid
 */
import { isolateN1Grudge } from '../../systems/zookeeper/index.ts';
import { checkerResult, type SutRun } from '../../test/integration/systems/harness.ts';
import type { BenchSettings, Scenario } from '../lib/scenarios.ts';

const invalid = (r: SutRun) =>
  r.outcome.valid === true ? undefined : String(r.outcome.results?.summary ?? r.outcome.valid);

/** The first stale read the linearizability checker names: the read, its node and time. */
function staleRead(r: SutRun): string | undefined {
  const lin = checkerResult(r, 'linearizable') as
    | { valid?: unknown; failure?: { op?: { description?: string; index?: number; node?: string } } }
    | undefined;
  if (lin?.valid !== false) return undefined;
  const i = lin.failure?.op?.index;
  const op = i === undefined ? undefined : r.outcome.history.find((o) => o.index === i);
  const node = lin.failure?.op?.node ?? op?.node ?? '?';
  const where = op ? ` on ${node}, invoked at ${(op.time / 1e9).toFixed(2)} s` : '';
  return `stale ${lin.failure?.op?.description ?? '?'}${where}`;
}

export function scenarios(s: BenchSettings): Scenario[] {
  const common = {
    system: 'zookeeper',
    flavour: 'debian',
    nodes: s.nodes,
    resultsDir: s.resultsDir,
    timeLimitS: s.timeLimitS,
    opTimeoutS: 2,
  } as const;
  const faults = { nemeses: ['partition', 'kill', 'pause'], faultS: 4 };
  // syncLimit 10 ticks (5 s): the cut-off follower keeps serving its clients that long.
  const isolated = {
    nemeses: ['partition'],
    faultS: 5,
    options: {
      valueCount: 100,
      zkSyncLimit: 10,
      partitionTargets: 'grudge',
      partitionGrudge: isolateN1Grudge(s.nodes),
    },
  };
  return [
    {
      name: 'zk-register-sync-faults',
      about:
        'register, sync before reads, partition+kill+pause (leader too): a pause of the leader may give stale reads',
      opts: { ...common, workload: 'register', ...faults, options: { partitionTargets: 'primaries,one' } },
      finding: staleRead,
      expect: 'report',
    },
    {
      name: 'zk-register-sync-pause-leader',
      about:
        'register, sync before reads, the leader paused 4 s at a time: rare stale reads (ZOOKEEPER-1675)',
      opts: {
        ...common,
        workload: 'register',
        nemeses: ['pause'],
        faultS: 4,
        options: { pauseTargets: 'primaries', valueCount: 100 },
      },
      finding: staleRead,
      expect: 'report',
    },
    {
      name: 'zk-register-sync-isolated',
      about: 'register, sync before reads, follower n1 cut off: linearizable (control for the next)',
      opts: { ...common, workload: 'register', ...isolated },
      finding: invalid,
      expect: 'valid',
    },
    {
      name: 'zk-register-stale-reads',
      about: 'register, plain reads (syncReads=false), follower n1 cut off: stale reads',
      opts: {
        ...common,
        workload: 'register',
        ...isolated,
        options: { ...isolated.options, syncReads: false },
      },
      finding: staleRead,
      expect: 'finding',
    },
    {
      name: 'zk-register-clock-packet',
      about: 'register, sync before reads, clock and packet faults: linearizable',
      opts: { ...common, workload: 'register', nemeses: ['clock', 'packet'], faultS: 4 },
      finding: invalid,
      expect: 'valid',
    },
    {
      name: 'zk-unique-ids-faults',
      about: 'unique-ids from sequential znodes, partition+kill+pause: all distinct',
      opts: { ...common, workload: 'unique-ids', ...faults },
      finding: invalid,
      expect: 'valid',
    },
    {
      name: 'zk-set-faults',
      about: 'set of child znodes, partition+kill+pause: nothing acknowledged lost',
      opts: { ...common, workload: 'set', ...faults },
      finding: invalid,
      expect: 'valid',
    },
  ];
}
