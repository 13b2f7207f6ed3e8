/**
 * End-to-end runner throughput: generator → workers → memory client → journal, at concurrency 100 with
 * no rate limit. Prints ops/s (completed client ops per second of the main phase), the cost per op, and
 * ops per CPU-second of this process during the main phase: wall-clock rates swing with whatever else
 * the machine runs, CPU time per op much less, so compare builds on that one when the machine is busy.
 *   node bench/runner.ts [--seconds 5] [--concurrency 100] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveTest } from '../src/registry.ts';
import type { RunEvent } from '../src/runner/events.ts';
import { runTest } from '../src/runner/run.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
const rates: number[] = [];
const cpuRates: number[] = [];
try {
  for (let i = 0; i < Number(values.runs); i++) {
    const r = resolveTest({
      system: 'memory',
      workload: 'set',
      concurrency,
      timeLimit: seconds,
      rate: 0,
      seed: i + 1,
      recoveryTime: 0,
      resultsDir: dir,
    });
    let start = 0;
    let end = 0;
    let cpuStart = process.cpuUsage();
    let cpuUs = 0;
    let completed = 0;
    let phase = '';
    const onEvent = (e: RunEvent) => {
      if (e.kind === 'phase') {
        if (e.phase === 'running') {
          start = performance.now();
          cpuStart = process.cpuUsage();
        }
        if (phase === 'running') {
          end = performance.now();
          const c = process.cpuUsage(cpuStart);
          cpuUs = c.user + c.system;
        }
        phase = e.phase;
      } else if (e.kind === 'op' && phase === 'running' && e.op.type !== 'invoke') completed++;
    };
    const heapBefore = process.memoryUsage().heapUsed;
    const out = await runTest(r.test, { system: r.system, workload: r.workload }, { onEvent });
    const rate = completed / ((end - start) / 1000);
    rates.push(rate);
    const cpuRate = completed / (cpuUs / 1e6);
    cpuRates.push(cpuRate);
    console.log(
      `run ${i + 1}: ${completed} ops in ${((end - start) / 1000).toFixed(2)} s = ${Math.round(rate)} ops/s, ` +
        `${(1e6 / rate).toFixed(1)} µs/op, ${Math.round(cpuRate)} ops per CPU-s, verdict ${out.valid}, heap +${((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20).toFixed(0)} MB`,
    );
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  console.log(
    `median: ${Math.round(median)} ops/s at concurrency ${concurrency} (${(1e6 / median).toFixed(1)} µs per op end to end); goal ≥ 50000`,
  );
  cpuRates.sort((a, b) => a - b);
  console.log(`median: ${Math.round(cpuRates[Math.floor(cpuRates.length / 2)]!)} ops per CPU-second`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
