/**
 * How often each real-system finding appears, and how long each run takes:
 * `node bench/systems.ts [--runs 5] [--only name,…] [--time 20] [--nodes 3] [--results-dir DIR]`.
 * Scenarios (hostroot flavour; 3 nodes unless --nodes):
 *   etcd-register-faults   register under leader partitions + kills + pauses: expect valid
 *   etcd-serializable      register, serializable reads, leader partitioned: expect stale reads (invalid)
 *   etcd-set-faults        set under the same faults: expect valid
 *   etcd-counter-faults    counter under the same faults: expect valid
 *   etcd-*-nemeses         register/set/counter under nemeses partition,kill,pause,clock: expect valid
 *   redis-set-partition    set, primary partitioned: expect lost acknowledged adds (invalid)
 *   redis-counter-partition counter, primary partitioned: out-of-bound reads are likely (lost increments)
 * Prints one line per run and a summary table (finding frequency, wall time min/median/max).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectEngine, pingEngine } from '../src/cluster/docker/engine.ts';
import {
  checkerResult,
  runSut,
  type SutRun,
  type SutRunOptions,
} from '../test/integration/systems/harness.ts';
import { stopOnSignal } from './stop.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    time: { type: 'string', default: '20' },
    nodes: { type: 'string', default: '3' },
    'results-dir': { type: 'string' },
  },
});
const runs = Number(values.runs);
const timeLimitS = Number(values.time);
const nodes = Number(values.nodes);
const resultsDir = values['results-dir'] ?? mkdtempSync(join(tmpdir(), 'fl-bench-systems-'));

try {
  await pingEngine(connectEngine());
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(255);
}

interface Scenario {
  name: string;
  opts: SutRunOptions;
  /** The finding counted: returns a short description when present, else undefined. */
  finding: (r: SutRun) => string | undefined;
  expect: 'finding' | 'valid';
}

const FAULTS: SutRunOptions['faults'] = ['partition-primary', 'kill', 'pause'];
const NEMESES = ['partition', 'kill', 'pause', 'clock'];
const common = { nodes, resultsDir, timeLimitS, opTimeoutS: 2 };
const invalid = (r: SutRun) =>
  r.outcome.valid === true ? undefined : String(r.outcome.results?.summary ?? r.outcome.valid);

const SCENARIOS: Scenario[] = [
  {
    name: 'etcd-register-faults',
    opts: { ...common, system: 'etcd', workload: 'register', faults: FAULTS },
    finding: invalid,
    expect: 'valid',
  },
  {
    name: 'etcd-serializable',
    opts: {
      ...common,
      system: 'etcd',
      workload: 'register',
      faults: ['partition-primary'],
      faultS: 5,
      opTimeoutS: 1,
      options: { readMode: 'serializable', valueCount: 100 },
    },
    finding: (r) => {
      const lin = checkerResult(r, 'linearizable') as {
        valid?: unknown;
        failure?: { op?: { description?: string } };
      };
      return lin?.valid === false ? `stale ${lin.failure?.op?.description ?? '?'}` : undefined;
    },
    expect: 'finding',
  },
  {
    name: 'etcd-set-faults',
    opts: { ...common, system: 'etcd', workload: 'set', faults: FAULTS },
    finding: invalid,
    expect: 'valid',
  },
  {
    name: 'etcd-counter-faults',
    opts: { ...common, system: 'etcd', workload: 'counter', faults: FAULTS },
    finding: invalid,
    expect: 'valid',
  },
  {
    name: 'etcd-register-nemeses',
    opts: { ...common, system: 'etcd', workload: 'register', nemeses: NEMESES },
    finding: invalid,
    expect: 'valid',
  },
  {
    name: 'etcd-set-nemeses',
    opts: { ...common, system: 'etcd', workload: 'set', nemeses: NEMESES },
    finding: invalid,
    expect: 'valid',
  },
  {
    name: 'etcd-counter-nemeses',
    opts: { ...common, system: 'etcd', workload: 'counter', nemeses: NEMESES },
    finding: invalid,
    expect: 'valid',
  },
  {
    name: 'redis-set-partition',
    opts: { ...common, system: 'redis', workload: 'set', faults: ['partition-primary'], faultS: 5 },
    finding: (r) => {
      const s = checkerResult(r, 'set') as { lost?: unknown[]; acknowledgedCount?: number } | undefined;
      return s?.lost?.length ? `${s.lost.length}/${s.acknowledgedCount} acknowledged adds lost` : undefined;
    },
    expect: 'finding',
  },
  {
    name: 'redis-counter-partition',
    opts: { ...common, system: 'redis', workload: 'counter', faults: ['partition-primary'], faultS: 5 },
    finding: (r) => {
      const c = checkerResult(r, 'counter') as { errorCount?: number; readCount?: number } | undefined;
      return c?.errorCount ? `${c.errorCount}/${c.readCount} reads out of bounds` : undefined;
    },
    expect: 'finding',
  },
];

const only = values.only?.split(',');
const chosen = SCENARIOS.filter((s) => !only || only.includes(s.name));
const rows: string[] = [];
const { control, stopped } = stopOnSignal();
for (const s of chosen) {
  if (stopped()) break;
  const walls: number[] = [];
  let found = 0;
  let failed = 0;
  for (let i = 0; i < runs && !stopped(); i++) {
    const r = await runSut(s.opts, control);
    walls.push(r.wallMs);
    // A run error (e.g. a fault that could not be verified) is counted apart; the verdict still counts.
    const f = r.outcome.results ? s.finding(r) : undefined;
    if (r.outcome.error) failed++;
    if (f) found++;
    console.log(
      `${s.name} #${i + 1}: ${(r.wallMs / 1000).toFixed(1)} s, seed ${r.seed}, ${f ?? 'no finding'}${r.outcome.error ? ` [run error: ${r.outcome.error}]` : ''}  ${r.outcome.runDir}`,
    );
  }
  walls.sort((a, b) => a - b);
  const sec = (ms: number) => (ms / 1000).toFixed(1);
  rows.push(
    `${s.name.padEnd(26)} expect ${s.expect.padEnd(8)} finding ${found}/${runs}${failed ? ` (${failed} run errors)` : ''}  wall s min ${sec(walls[0]!)} med ${sec(walls[Math.floor(walls.length / 2)]!)} max ${sec(walls[walls.length - 1]!)}`,
  );
}
console.log(`\n${runs} runs each, ${timeLimitS} s of workload, ${nodes} nodes (results in ${resultsDir}):`);
for (const r of rows) console.log(r);
