/**
 * How reliably faultline finds each reference design's bug (or confirms its absence), and how long a run
 * takes: `node bench/reference.ts [--runs 5] [--parallel 2] [--only <label substring>] [--flavour hostroot|debian]`. Runs every
 * scenario of test/integration/reference/harness.ts `--runs` times on a Docker cluster (hostroot by default) and
 * prints, per scenario, how many runs gave the expected verdict and the wall time per run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectEngine, pingEngine } from '../src/cluster/docker/engine.ts';
import { explain, gate, runReference, SCENARIOS } from '../test/integration/reference/harness.ts';
import { stopOnSignal } from './stop.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    parallel: { type: 'string', default: '2' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    flavour: { type: 'string', default: 'hostroot' },
  },
});
const runs = Number(values.runs);
const flavour = values.flavour;
if (flavour !== 'hostroot' && flavour !== 'debian') {
  console.error(`error: --flavour ${flavour}: choose hostroot or debian`);
  process.exit(254);
}
try {
  await pingEngine(connectEngine());
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(255);
}

const dir = mkdtempSync(join(tmpdir(), 'fl-bench-reference-'));
const slot = gate(Number(values.parallel));
const { control, stopped } = stopOnSignal();
const scenarios = SCENARIOS.filter((s) => !values.only || s.label.includes(values.only));
const t0 = performance.now();
const rows = await Promise.all(
  scenarios.map(async (s) => {
    const walls: number[] = [];
    let hits = 0;
    let errors = 0;
    for (let i = 0; i < runs && !stopped(); i++) {
      const r = await slot(async () => (stopped() ? undefined : runReference(s, dir, { flavour }, control)));
      if (!r) break;
      console.error(`${s.label} #${i + 1}: ${explain(r)}`);
      walls.push(r.wallMs / 1000);
      // A run error (e.g. a fault that did not verify) is counted apart; its verdict still counts.
      if (r.outcome.error) errors++;
      if (r.outcome.valid === s.expect) hits++;
    }
    return { s, hits, errors, walls };
  }),
);
console.log(`\n${'scenario'.padEnd(66)} expected     found   wall s/run (mean, max)`);
for (const { s, hits, errors, walls } of rows) {
  const mean = walls.reduce((a, b) => a + b, 0) / walls.length;
  console.log(
    `${s.label.padEnd(66)} ${(s.expect ? 'valid' : 'anomaly').padEnd(12)} ${`${hits}/${walls.length}`.padEnd(7)} ${mean.toFixed(1)}, ${Math.max(...walls).toFixed(1)}${errors ? `  (${errors} run errors)` : ''}`,
  );
}
console.log(
  `total wall time ${((performance.now() - t0) / 1000).toFixed(0)} s with ${values.parallel} runs at a time, ${flavour} nodes`,
);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`runs kept in ${dir}`);
