/**
 * The shared driver of the real-system benches (bench/systems.ts, bench/queues.ts, bench/sql.ts): runs each
 * scenario N times through the integration harness (runSut) and prints one line per run and a summary
 * table (finding frequency, wall time min/median/max in seconds).
 *
 * Flags every such bench takes: `--runs N` (default 5), `--only name,…`, `--time S` (seconds of workload,
 * default 20), `--nodes N` (default 3), `--results-dir DIR`, `--list` (print the scenarios and exit).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectEngine, pingEngine } from '../../src/cluster/docker/engine.ts';
import { runSut, type SutRun, type SutRunOptions } from '../../test/integration/systems/harness.ts';
import { stopOnSignal } from '../stop.ts';

/** One bench scenario: a run's options and how to read its finding. */
export interface Scenario {
  name: string;
  /** One line: what is run and what is expected (printed by --list and above the table). */
  about?: string;
  opts: SutRunOptions;
  /** The finding counted: a short description (with the elements/txns involved) when present, else undefined. */
  finding: (r: SutRun) => string | undefined;
  expect: 'finding' | 'valid' | 'report';
}

/** The common run settings from the flags, for scenario files to spread into their `opts`. */
export interface BenchSettings {
  runs: number;
  timeLimitS: number;
  nodes: number;
  resultsDir: string;
}

/** Parses the shared flags (see the module doc). */
export function benchSettings(prefix: string): BenchSettings & { only?: string[]; list: boolean } {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      only: { type: 'string' },
      time: { type: 'string', default: '20' },
      nodes: { type: 'string', default: '3' },
      'results-dir': { type: 'string' },
      list: { type: 'boolean', default: false },
    },
  });
  return {
    runs: Number(values.runs),
    timeLimitS: Number(values.time),
    nodes: Number(values.nodes),
    resultsDir: values['results-dir'] ?? mkdtempSync(join(tmpdir(), `fl-bench-${prefix}-`)),
    ...(values.only ? { only: values.only.split(',') } : {}),
    list: values.list,
  };
}

/** Runs the chosen scenarios `runs` times each and prints the per-run lines and the summary table. */
export async function runScenarios(
  scenarios: Scenario[],
  s: BenchSettings & { only?: string[]; list: boolean },
): Promise<void> {
  const chosen = scenarios.filter((x) => !s.only || s.only.includes(x.name));
  if (s.list) {
    for (const x of scenarios)
      console.log(`${x.name.padEnd(34)} expect ${x.expect.padEnd(8)} ${x.about ?? ''}`);
    return;
  }
  try {
    await pingEngine(connectEngine());
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    process.exit(255);
  }
  const rows: string[] = [];
  const { control, stopped } = stopOnSignal();
  for (const x of chosen) {
    if (stopped()) break;
    const walls: number[] = [];
    let found = 0;
    let failed = 0;
    for (let i = 0; i < s.runs && !stopped(); i++) {
      const r = await runSut(x.opts, control);
      walls.push(r.wallMs);
      // A run error (e.g. a fault that could not be verified) is counted apart; the verdict still counts.
      const f = r.outcome.results ? x.finding(r) : undefined;
      if (r.outcome.error) failed++;
      if (f) found++;
      console.log(
        `${x.name} #${i + 1}: ${(r.wallMs / 1000).toFixed(1)} s, seed ${r.seed}, ${f ?? 'no finding'}${r.outcome.error ? ` [run error: ${r.outcome.error}]` : ''}  ${r.outcome.runDir}`,
      );
    }
    if (!walls.length) continue;
    walls.sort((a, b) => a - b);
    const sec = (ms: number) => (ms / 1000).toFixed(1);
    rows.push(
      `${x.name.padEnd(34)} expect ${x.expect.padEnd(8)} finding ${found}/${walls.length}${failed ? ` (${failed} run errors)` : ''}  wall s min ${sec(walls[0]!)} med ${sec(walls[Math.floor(walls.length / 2)]!)} max ${sec(walls[walls.length - 1]!)}`,
    );
  }
  console.log(
    `\n${s.runs} runs each, ${s.timeLimitS} s of workload, ${s.nodes} nodes (results in ${s.resultsDir}):`,
  );
  for (const r of rows) console.log(r);
}
