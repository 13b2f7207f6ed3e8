/** report.html lists a malformed history's problems (results.json `historyProblems`) in real Chromium. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideVerdict } from '../../../src/check/verdict.ts';
import { validateHistory } from '../../../src/history/validate.ts';
import { writeReports } from '../../../src/report/index.ts';
import { historyOf, removeTempDirs, tempDir } from '../../unit/report/helpers.ts';
import { hasChromium, launch } from './chromium.ts';

describe.skipIf(!hasChromium)('report.html: a malformed history', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    removeTempDirs();
  });

  it('shows every problem under the verdict, which is UNKNOWN', async () => {
    const dir = tempDir('problems');
    const history = historyOf([
      [0, 'invoke', 0, 'write', 1],
      [1, 'ok', 0, 'write', 1],
      [2, 'ok', 5, 'read', 9],
      [3, 'invoke', 1, 'read'],
      [4, 'invoke', 1, 'read'],
      [5, 'ok', 1, 'write', 2],
    ]);
    writeFileSync(join(dir, 'history.jsonl'), `${history.map((o) => JSON.stringify(o)).join('\n')}\n`);
    writeFileSync(join(dir, 'test.json'), JSON.stringify({ name: 'malformed', concurrency: 2 }));
    const problems = validateHistory(history);
    expect(problems).toHaveLength(3);
    writeFileSync(
      join(dir, 'results.json'),
      JSON.stringify(decideVerdict(undefined, { historyProblems: problems })),
    );
    const { html } = await writeReports(dir);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('#verdict');
    expect(await page.getAttribute('#verdict', 'data-verdict')).toBe('unknown');
    const items = await page.locator('#history-problems li').allTextContents();
    expect(items).toEqual(problems.map((p) => p.message));
    expect(await page.textContent('#history-problems')).toMatch(/malformed \(3 problems/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
