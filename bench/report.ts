/**
 * Report build benchmark: `node bench/report.ts [ops]` builds the report of a synthetic history with
 * faults (default 100,000 client ops) and prints the time and the file sizes. Goal: < 5 s, < 15 MB.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReports } from '../src/report/index.ts';
import { syntheticRun } from '../test/fixtures/synthetic.ts';

const ops = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-report-'));
try {
  const t0 = performance.now();
  const run = await syntheticRun(dir, {
    ops,
    concurrency: 20,
    duration: 120,
    faultCount: 12,
    linearizable: true,
  });
  const genMs = performance.now() - t0;
  const t1 = performance.now();
  const out = await writeReports(dir);
  const ms = performance.now() - t1;
  const mb = (p: string) => statSync(p).size / 2 ** 20;
  const html = mb(out.html);
  console.log(
    `history: ${run.history.length.toLocaleString('en-US')} ops (${ops.toLocaleString('en-US')} client ops, ${run.faults.length} faults), ${mb(join(dir, 'history.jsonl')).toFixed(1)} MB, generated in ${(genMs / 1000).toFixed(2)} s`,
  );
  console.log(
    `report build: ${(ms / 1000).toFixed(2)} s (goal < 5 s)${ms < 5000 ? '' : '  ** OVER GOAL **'}`,
  );
  console.log(`report.html: ${html.toFixed(2)} MB (goal < 15 MB)${html < 15 ? '' : '  ** OVER GOAL **'}`);
  console.log(
    `junit.xml: ${(statSync(out.junit).size / 1024).toFixed(1)} KB, summary.md: ${(statSync(out.markdown).size / 1024).toFixed(1)} KB`,
  );
  console.log(`heap used after: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
} finally {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
