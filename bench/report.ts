/**
 * Report build benchmark: `node bench/report.ts [ops]` builds the report of a synthetic history with
 * faults (default 100,000 client ops) and prints the time and the file sizes. Goal: < 5 s, < 15 MB.
 * With Chromium installed it also opens the page headless and prints the load time (goal < 3 s) and the
 * time of a redraw after zooming (goal < 250 ms): speed goals live here, not in timed tests.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReports } from '../src/report/index.ts';
import { syntheticRun } from '../test/fixtures/synthetic.ts';
import { hasChromium, launch } from '../test/integration/report/chromium.ts';

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
  if (hasChromium) {
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const t2 = performance.now();
      await page.goto(pathToFileURL(out.html).href);
      await page.waitForFunction('window.__faultline?.ready === true');
      const loadMs = performance.now() - t2;
      const box = (await page.locator('canvas.timeline').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + 100);
      for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -200);
      await page.waitForTimeout(200);
      const frameMs = (await page.evaluate('window.__faultline.timeline.lastFrameMs')) as number;
      console.log(
        `page load in Chromium: ${loadMs.toFixed(0)} ms (goal < 3000)${loadMs < 3000 ? '' : '  ** OVER GOAL **'}`,
      );
      console.log(
        `redraw after zoom: ${frameMs.toFixed(1)} ms (goal < 250)${frameMs < 250 ? '' : '  ** OVER GOAL **'}`,
      );
    } finally {
      await browser.close();
    }
  } else console.log('Chromium not found: page timings skipped');
} finally {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
