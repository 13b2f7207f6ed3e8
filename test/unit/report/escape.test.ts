import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compactValue } from '../../../src/report/data.ts';
import {
  mdCode,
  mdEscape,
  scriptJson,
  scriptSource,
  shellQuote,
  xmlEscape,
} from '../../../src/report/escape.ts';
import { writeReports } from '../../../src/report/index.ts';
import { syntheticRun, XSS } from '../../fixtures/synthetic.ts';
import { removeTempDirs, tempDir } from './helpers.ts';

describe('escaping', () => {
  it('scriptJson cannot close its script element and round-trips (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (v, s) => {
        const value = { v, s, tag: `</script><!--${s}` };
        const out = scriptJson(value);
        expect(out).not.toContain('<');
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('xmlEscape leaves no markup and no character XML forbids (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = xmlEscape(s);
        expect(out).not.toMatch(/[<>"']/);
        expect(out.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toContain('&');
        expect(out).not.toMatch(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u);
      }),
    );
    expect(xmlEscape('a\u0000b\uD800c😀')).toBe('a\uFFFDb\uFFFDc😀');
  });

  it('escapes Markdown and quotes shell arguments', () => {
    expect(mdEscape('a|b <x> *y* [z](u)\nnext')).toBe('a\\|b &lt;x\\> \\*y\\* \\[z\\](u) next');
    expect(mdCode('a `b` c')).toBe('``a `b` c``');
    expect(shellQuote('plain-arg_1.ts')).toBe('plain-arg_1.ts');
    expect(shellQuote("it's $HOME")).toBe("'it'\\''s $HOME'");
    expect(scriptSource('x = "</script>"; y = "</SCRIPT"')).toBe('x = "<\\/script>"; y = "<\\/SCRIPT"');
  });

  it('truncates big values but keeps small ones as they are', () => {
    expect(compactValue(7)).toBe(7);
    expect(compactValue({ a: [1, 2] })).toEqual({ a: [1, 2] });
    expect(compactValue(undefined)).toBeNull();
    const big = compactValue(Array.from({ length: 1000 }, (_, i) => i)) as { $truncated: string };
    expect(big.$truncated).toMatch(/^\[0,1,2,.*… \(1000 items\)$/);
    expect(big.$truncated.length).toBeLessThan(230);
  });
});

describe('report.html', () => {
  it('embeds the data as inert JSON, allows only its own scripts by hash, and loads nothing', async () => {
    const dir = tempDir('html');
    await syntheticRun(dir, { ops: 200, xss: true, linearizable: true });
    const { html } = await writeReports(dir);
    const text = readFileSync(html, 'utf8');
    expect(text).not.toContain(XSS);
    const m = /<script type="application\/json" id="faultline-data">([\s\S]*?)<\/script>/.exec(text)!;
    const data = JSON.parse(m[1]!) as { ops: { v: unknown[] }; checkers: { name: string }[] };
    expect(data.ops.v).toContain(XSS);
    expect(data.checkers.map((c) => c.name)).toEqual(['set', 'stats', 'exceptions', 'linearizable']);
    const scripts = [...text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((x) => x[1]!);
    expect(scripts).toHaveLength(2);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/
      .exec(text)![1]!
      .replace(/&#39;/g, "'");
    expect(csp).toContain("default-src 'none'");
    for (const s of scripts)
      expect(csp).toContain(`'sha256-${createHash('sha256').update(s).digest('base64')}'`);
    expect(text).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\(http/i);
  });
});

afterAll(removeTempDirs);
