/**
 * report.html draws a transactional checker's cycle (G2-item, write skew) in real headless Chromium: an
 * SVG with one node per txn and one labelled arrow per edge, each txn reaching its op in the timeline;
 * a case whose search timed out says so with its SCC's size.
 */
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReports } from '../../../src/report/index.ts';
import { g2ItemResults, writeG2ItemRun } from '../../fixtures/g2-item.ts';
import { removeTempDirs, tempDir } from '../../unit/report/helpers.ts';
import { type Hook, hasChromium, launch } from './chromium.ts';

type Win = { __faultline: Hook };

describe.skipIf(!hasChromium)('a cycle anomaly in report.html (headless Chromium)', () => {
  let browser: Browser;
  let html: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    browser = await launch();
    const dir = tempDir('cycle');
    const timedOut = {
      ops: [0, 1],
      explanation: 'G2-item: a cycle exists among 2 txns; the search for a short one timed out',
      data: { cycle: [], searchTimedOut: true, scc: [0, 1] },
    };
    writeG2ItemRun(dir, g2ItemResults([timedOut]));
    ({ html } = await writeReports(dir));
  });
  afterAll(async () => {
    await browser?.close();
    removeTempDirs();
  });

  async function open(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.route(/^(?!file:|data:)/, (route) => {
      consoleErrors.push(`network request: ${route.request().url()}`);
      void route.abort();
    });
    await page.goto(pathToFileURL(html).href);
    await page.waitForFunction(() => (globalThis as unknown as Win).__faultline?.ready === true);
    return page;
  }

  it('draws the G2-item cycle: two txn nodes, two rw arrows, the reasons and micro-ops beside', async () => {
    const page = await open();
    const graph = page.locator('#checker-elle [data-type="G2-item"] svg.cycle-graph');
    expect(await page.locator('svg.cycle-graph').count()).toBe(1);
    const first = graph.first();
    expect(await first.isVisible()).toBe(true);
    expect(await first.locator('g.txn').count()).toBe(2);
    expect(await first.locator('g.txn .txn-label').allTextContents()).toEqual(['T1', 'T2']);
    expect(await first.locator('g.txn .txn-where').allTextContents()).toEqual(['p0 n1', 'p1 n2']);
    const edges = first.locator('g.edge');
    expect(await edges.count()).toBe(2);
    expect(await edges.locator('.edge-label').allTextContents()).toEqual(['rw', 'rw']);
    expect(await edges.evaluateAll((gs) => gs.map((g) => [g.dataset.from, g.dataset.to]))).toEqual([
      ['T1', 'T2'],
      ['T2', 'T1'],
    ]);
    // Each edge carries its reason on hover (SVG <title>), exact values included (a bigint, keywords).
    const titles = await edges.locator('title').allTextContents();
    expect(titles[0]).toBe(
      "T1 → T2 (rw): T1 read key :x without T2's append of 9007199254740993, which came later",
    );
    expect(titles[1]).toContain("T2 read key :y without T1's append of 1");
    // The two arrows of a two-txn cycle are bent apart, each really drawn.
    const drawn = await edges.locator('path').evaluateAll((ps) =>
      ps.map((p) => {
        const path = p as SVGPathElement;
        const b = path.getBBox();
        return { x: b.x + b.width / 2, y: b.y + b.height / 2, length: path.getTotalLength() };
      }),
    );
    for (const d of drawn) expect(d.length).toBeGreaterThan(40);
    expect(Math.hypot(drawn[0]!.x - drawn[1]!.x, drawn[0]!.y - drawn[1]!.y)).toBeGreaterThan(20);
    // Beside it: per txn its micro-ops (exact values) and the reason of its outgoing edge.
    const list = page.locator('#checker-elle [data-type="G2-item"] ol.cycle-txns').first();
    expect(await list.locator('li').count()).toBe(2);
    const t2 = await list.locator('li[data-label="T2"]').textContent();
    expect(t2).toContain('r :y []');
    expect(t2).toContain('append :x 9007199254740993');
    expect(t2).toContain('process 1 on n2');
    expect(t2).toContain('T2 → T1 rw');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('clicking a txn node selects its op in the timeline', async () => {
    const page = await open();
    const node = page
      .locator('#checker-elle [data-type="G2-item"] svg.cycle-graph')
      .first()
      .locator('g.txn[data-label="T2"]');
    expect(await node.getAttribute('data-op')).toBe('1');
    await node.click();
    // The timeline's detail pane now shows T2's op: invoked as #1, completed as #3, process 1.
    await page.waitForFunction(() =>
      /^op #1 → #3/.test(document.querySelector('pre.detail')?.textContent ?? ''),
    );
    const detail = await page.textContent('pre.detail');
    expect(detail).toMatch(/process 1 \(thread 1\)\s+txn\s+ok/);
    expect(detail).toContain('node: n2');
    // The timeline is scrolled into view, centred on the op.
    const view = await page.evaluate('window.__faultline.timeline.view');
    const { t0, t1 } = view as { t0: number; t1: number };
    expect(t0).toBeLessThan(0.001);
    expect(t1).toBeGreaterThan(0.006);
    // T1 from the list beside the graph (its op link) reaches #0 the same way.
    await page
      .locator('#checker-elle [data-type="G2-item"] ol.cycle-txns li[data-label="T1"] button.oplink')
      .first()
      .click();
    await page.waitForFunction(() =>
      /^op #0 → #2/.test(document.querySelector('pre.detail')?.textContent ?? ''),
    );
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('a case whose cycle search timed out shows the SCC size and its txns instead of a graph', async () => {
    const page = await open();
    const timedOut = page.locator('#checker-elle [data-type="G2-item"] .cycle.timed-out').first();
    expect(await timedOut.textContent()).toContain(
      'The search for a short cycle timed out: a cycle of this class exists in a strongly connected component of 2 txns',
    );
    expect(await timedOut.locator('button.oplink').allTextContents()).toEqual(['#0', '#1']);
    expect(await page.locator('.cycle.timed-out svg').count()).toBe(0);
    await page.close();
  });
});
