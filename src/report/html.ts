/**
 * report.html: one self-contained file. uPlot, the page script and the styles are inlined; the data is a
 * JSON script block rendered by the page through textContent and canvas text only. A Content Security
 * Policy allows exactly these two scripts (by hash) and no network at all, so even a value that slipped
 * through as markup could neither run nor load anything.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ReportData } from './data.ts';
import { htmlEscape, scriptJson, scriptSource, styleSource } from './escape.ts';

interface Assets {
  uplotJs: string;
  uplotCss: string;
  pageJs: string;
  pageCss: string;
}

let cached: Assets | undefined;

/** Read once per process: building many reports (serve, --test-count) must not re-read them. */
export function assets(): Assets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const uplotDir = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const here = new URL('./assets/', import.meta.url);
  cached = {
    uplotJs: readFileSync(join(uplotDir, 'uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(join(uplotDir, 'uPlot.min.css'), 'utf8'),
    pageJs: readFileSync(new URL('report.js', here), 'utf8'),
    pageCss: readFileSync(new URL('report.css', here), 'utf8'),
  };
  return cached;
}

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

export function renderHtml(data: ReportData): string {
  const a = assets();
  const uplot = scriptSource(a.uplotJs);
  const page = scriptSource(a.pageJs);
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(uplot)} ${sha256(page)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const verdictClass =
    data.verdict.valid === true ? 'valid' : data.verdict.valid === false ? 'invalid' : 'unknown';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${htmlEscape(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="faultline">
<title>${htmlEscape(`faultline: ${data.title}`)}</title>
<style>${styleSource(a.uplotCss)}</style>
<style>${styleSource(a.pageCss)}</style>
</head>
<body class="verdict-${verdictClass}">
<noscript><p class="noscript">This report draws its views with JavaScript; the raw data is in results.json and history.jsonl next to this file.</p></noscript>
<main id="app"></main>
<script type="application/json" id="faultline-data">${scriptJson(data)}</script>
<script>${uplot}</script>
<script>${page}</script>
</body>
</html>
`;
}
