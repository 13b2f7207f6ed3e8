/**
 * report.html draws a transactional checker's cycle (G2-item, write skew) in real headless Chromium: an
 * SVG with one node per txn and one labelled arrow per edge, each txn reaching its op in the timeline;
 * a case whose search timed out says so with its SCC's size.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleData } from '../../../checkers/elle/types.ts';
import { parseJsonExact } from '../../../src/history/values.ts';
import { writeReports } from '../../../src/report/index.ts';
import { checkedG2ItemResults, g2ItemCycle, g2ItemResults, writeG2ItemRun } from '../../fixtures/g2-item.ts';
import { XSS } from '../../fixtures/synthetic.ts';
import { removeTempDirs, tempDir } from '../../unit/report/helpers.ts';
import { type Hook, hasChromium, launch } from './chromium.ts';

type Win = { __faultline: Hook };

describe.skipIf(!hasChromium)('a cycle anomaly in report.html (headless Chromium)', () => {
  let browser: Browser;
  let html: string;
  let dir: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    browser = await launch();
    dir = tempDir('cycle');
    const timedOut = {
      ops: [0, 1],
      explanation: 'G2-item: a cycle exists among 2 txns; the search for a short one timed out',
      data: { cycle: [], searchTimedOut: true, scc: [0, 1] },
    };
    // The transactional checker's own result for a write-skew history, plus a timed-out case.
    writeG2ItemRun(dir, await checkedG2ItemResults([timedOut]));
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

  /** The cycle the checker stored, as `[label, process, invokeIndex, edge kind, reason]` per step. */
  function storedCycle(): [string, number, number, string, string][] {
    const r = parseJsonExact(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      results: { elle: { anomalies: Record<string, { data: CycleData }[]> } };
    };
    return r.results.elle.anomalies['G2-item']![0]!.data.cycle.map((st) => [
      st.label,
      st.process,
      st.invokeIndex,
      st.edge.kind,
      st.edge.text,
    ]);
  }

  it('draws the G2-item cycle: two txn nodes, two rw arrows, the reasons and micro-ops beside', async () => {
    // The checker's cycle: the two txns of processes 0 and 1, each anti-depending on the other.
    const cycle = storedCycle();
    expect(cycle.map(([, p, i, kind]) => [p, i, kind]).sort()).toEqual([
      [0, 0, 'rw'],
      [1, 1, 'rw'],
    ]);
    const page = await open();
    expect(await page.locator('svg.cycle-graph').count()).toBe(1);
    const graph = page.locator('#checker-elle [data-type="G2-item"] svg.cycle-graph');
    expect(await graph.isVisible()).toBe(true);
    expect(await graph.locator('g.txn').count()).toBe(2);
    expect(await graph.locator('g.txn .txn-label').allTextContents()).toEqual(cycle.map(([l]) => l));
    expect(await graph.locator('g.txn .txn-where').allTextContents()).toEqual(
      cycle.map(([, p]) => `p${p} n${p + 1}`),
    );
    const edges = graph.locator('g.edge');
    expect(await edges.count()).toBe(2);
    expect(await edges.locator('.edge-label').allTextContents()).toEqual(['rw', 'rw']);
    const [a, b] = [cycle[0]![0], cycle[1]![0]];
    expect(await edges.evaluateAll((gs) => gs.map((g) => [g.dataset.from, g.dataset.to]))).toEqual([
      [a, b],
      [b, a],
    ]);
    // Each edge carries its reason on hover (SVG <title>), exact values included (a bigint, keywords).
    const titles = await edges.locator('title').allTextContents();
    expect(titles).toEqual([`${a} → ${b} (rw): ${cycle[0]![4]}`, `${b} → ${a} (rw): ${cycle[1]![4]}`]);
    expect(titles.join(' ')).toContain('9007199254740993');
    expect(titles.join(' ')).toContain('key :x');
    // The two arrows of a two-txn cycle are bent apart, each really drawn.
    const drawn = await edges.locator('path').evaluateAll((ps) =>
      ps.map((p) => {
        const path = p as SVGPathElement;
        const box = path.getBBox();
        return { x: box.x + box.width / 2, y: box.y + box.height / 2, length: path.getTotalLength() };
      }),
    );
    for (const d of drawn) expect(d.length).toBeGreaterThan(40);
    expect(Math.hypot(drawn[0]!.x - drawn[1]!.x, drawn[0]!.y - drawn[1]!.y)).toBeGreaterThan(20);
    // Beside it: per txn its micro-ops (exact values) and the reason of its outgoing edge.
    const list = page.locator('#checker-elle [data-type="G2-item"] ol.cycle-txns');
    expect(await list.locator('li').count()).toBe(2);
    const p1 = cycle.find(([, p]) => p === 1)!;
    const p1Next = p1[0] === a ? b : a;
    const item = await list.locator(`li[data-label="${p1[0]}"]`).textContent();
    expect(item).toContain('r :y []');
    expect(item).toContain('append :x 9007199254740993');
    expect(item).toContain('process 1 on n2');
    expect(item).toContain(`${p1[0]} → ${p1Next} rw: ${p1[4]}`);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('clicking a txn node selects its op in the timeline', async () => {
    const cycle = storedCycle();
    const p1 = cycle.find(([, p]) => p === 1)![0];
    const p0 = cycle.find(([, p]) => p === 0)![0];
    const page = await open();
    const node = page
      .locator('#checker-elle [data-type="G2-item"] svg.cycle-graph')
      .locator(`g.txn[data-label="${p1}"]`);
    expect(await node.getAttribute('data-op')).toBe('1');
    await node.click();
    // The timeline's detail pane now shows process 1's txn: invoked as #1, completed as #3.
    await page.waitForFunction(() =>
      /^op #1 → #3/.test(document.querySelector('pre.detail')?.textContent ?? ''),
    );
    const detail = await page.textContent('pre.detail');
    expect(detail).toMatch(/process 1 \(thread 1\)\s+txn\s+ok/);
    expect(detail).toContain('node: n2');
    // The timeline is zoomed onto the op.
    const { t0, t1 } = (await page.evaluate('window.__faultline.timeline.view')) as {
      t0: number;
      t1: number;
    };
    expect(t0).toBeLessThan(0.001);
    expect(t1).toBeGreaterThan(0.006);
    expect(t1 - t0).toBeLessThan(0.5);
    // Process 0's txn, from the list beside the graph (its op link), reaches #0 the same way.
    await page
      .locator(`#checker-elle [data-type="G2-item"] ol.cycle-txns li[data-label="${p0}"] button.oplink`)
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

  it('renders hostile labels, micro-ops and reasons as text: nothing runs, no element injected', async () => {
    const hostileDir = tempDir('cycle-xss');
    const cy = g2ItemCycle();
    for (const st of cy.cycle) {
      st.label = `${st.label}${XSS}`;
      st.node = XSS;
      st.mops.push({ f: 'append', key: XSS, value: XSS });
      st.edge = { ...st.edge, kind: 'rw"><script>alert(2)</script>' as 'rw', text: `${XSS} because` };
    }
    writeG2ItemRun(hostileDir, g2ItemResults([{ ops: [0], explanation: XSS, data: cy }]));
    const { html: hostile } = await writeReports(hostileDir);
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(hostile).href);
    await page.waitForFunction(() => (globalThis as unknown as Win).__faultline?.ready === true);
    expect(await page.locator('svg.cycle-graph').count()).toBe(2);
    // No element came from the data: no img, only the page's three scripts (data, uPlot, the page).
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(3);
    const graph = page.locator('svg.cycle-graph').last();
    expect(await graph.locator('g.txn .txn-label').first().textContent()).toBe(`T1${XSS}`);
    expect(await graph.locator('g.edge title').first().textContent()).toContain(`${XSS} because`);
    expect(await page.locator('ol.cycle-txns').last().textContent()).toContain(`append "${XSS}"`);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
