/**
 * Renders a report to PNG with headless Chromium: `node bench/screenshot.ts [run-dir] [out.png]`.
 * Without a run folder it builds a synthetic one (faults, lost writes, a linearizability failure).
 * Default output: docs/report.png. Prints console errors and what the page drew.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeReports } from '../src/report/index.ts';
import { syntheticRun } from '../test/fixtures/synthetic.ts';
import { CHROMIUM_ARGS as ARGS, CHROMIUM } from '../test/integration/report/chromium.ts';

const [dirArg, outArg] = process.argv.slice(2);
let runDir = dirArg ? resolve(dirArg) : '';
if (!runDir) {
  runDir = mkdtempSync(join(tmpdir(), 'faultline-shot-'));
  await syntheticRun(runDir, {
    ops: 3000,
    concurrency: 8,
    duration: 30,
    linearizable: true,
    name: 'memory-set-lost-writes',
  });
}
const out = resolve(outArg ?? 'docs/report.png');
mkdirSync(resolve(out, '..'), { recursive: true });
const { html } = await writeReports(runDir);

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
try {
  const page = await browser.newPage({
    viewport: { width: 1280, height: Number(process.env.HEIGHT ?? 1400) },
    deviceScaleFactor: 1,
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => console.log(`page error: ${e.stack ?? e.message}`));
  const t0 = performance.now();
  await page.goto(pathToFileURL(html).href);
  await page.waitForFunction(
    () => (globalThis as unknown as { __faultline?: { ready: boolean } }).__faultline?.ready,
  );
  const loadMs = performance.now() - t0;
  const info = await page.evaluate(() => {
    const f = (
      globalThis as unknown as {
        __faultline: { timeline: { drawnOps: number; totalOps: number }; errors: string[]; timings: unknown };
      }
    ).__faultline;
    return { drawn: f.timeline.drawnOps, total: f.timeline.totalOps, errors: f.errors, timings: f.timings };
  });
  // FULL=1: the whole page; CLIP=y,height: a band of it (for looking at one section closely).
  const clip = process.env.CLIP?.split(',').map(Number);
  await page.screenshot({
    path: out,
    fullPage: process.env.FULL === '1' || clip !== undefined,
    ...(clip ? { clip: { x: 0, y: clip[0]!, width: 1280, height: clip[1] ?? 900 } } : {}),
  });
  console.log(
    `${html}\nloaded in ${loadMs.toFixed(0)} ms; timeline drew ${info.drawn} of ${info.total} ops; page errors: ${info.errors.length}\nin-page ms: ${JSON.stringify(info.timings)}\nscreenshot: ${out}`,
  );
} finally {
  await browser.close();
}
