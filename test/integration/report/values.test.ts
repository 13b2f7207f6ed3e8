/** Kind 21 in a real browser: a history whose values hold line separators, surrogates and markup. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Op } from '../../../src/core/op.ts';
import { writeReports } from '../../../src/report/index.ts';
import { removeTempDirs, tempDir } from '../../unit/report/helpers.ts';
import { hasChromium, launch } from './chromium.ts';

const VALUES: unknown[] = [
  'a\u2028b',
  ['\u2029', { '\u2028': '</script><script>window.__x=1</script>' }],
  '\uD800 lone',
  'y'.repeat(3000),
  { $truncated: 'mine' },
  2 ** 53 + 2,
  0,
];

describe.skipIf(!hasChromium)('report values in headless Chromium', () => {
  it('shows every op of a history full of separators, surrogates and markup', async () => {
    const dir = tempDir('values-browser');
    const history: Op[] = [];
    VALUES.forEach((value, k) => {
      const process = k % 2;
      history.push({
        index: history.length,
        time: history.length * 1e6,
        type: 'invoke',
        process,
        f: 'write',
        value,
      });
      history.push({
        index: history.length,
        time: history.length * 1e6,
        type: 'ok',
        process,
        f: 'write',
        value,
      });
    });
    writeFileSync(join(dir, 'test.json'), JSON.stringify({ name: 'values', concurrency: 2 }));
    writeFileSync(join(dir, 'history.jsonl'), history.map((o) => `${JSON.stringify(o)}\n`).join(''));
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ valid: true, summary: '7 ops' }));
    const { html } = await writeReports(dir);
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(pathToFileURL(html).href);
      await page.waitForFunction('window.__faultline?.ready === true');
      expect(await page.evaluate('window.__faultline.timeline.totalOps')).toBe(VALUES.length);
      expect(await page.evaluate('window.__faultline.timeline.drawnOps')).toBe(VALUES.length);
      const opsRow = await page.locator('table.info tr', { hasText: /^ops/ }).textContent();
      expect(opsRow).toContain(`${VALUES.length} (ok ${VALUES.length}, fail 0, info 0)`);
      expect(await page.evaluate('typeof window.__x')).toBe('undefined');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

afterAll(removeTempDirs);
