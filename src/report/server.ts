/**
 * `faultline serve`: browse a results folder over HTTP (node:http only). Lists every run, serves each
 * run's report and files, and downloads a run folder as a .tar.gz. Loopback by default; nothing outside
 * the results folder is ever served: `..` in any spelling is refused, and symlinks are resolved and must
 * stay inside.
 *
 * It serves data, not pages from the system under test: only a run folder's own report.html is HTML;
 * every other file is text/plain (or a download when it is not text), sandboxed by CSP, with `nosniff`
 * on every response. Requests whose Host header is not this server (DNS rebinding) get 421.
 */
import {
  closeSync,
  createReadStream,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { FILES, INCOMPLETE_RUN, isRunDir, readJsonIfValid, runEnded } from '../store/run-dir.ts';
import { htmlEscape } from './escape.ts';
import { buildReports, REPORT_FILES } from './index.ts';
import { listRunFiles, loadRun } from './load.ts';
import { hostAllowed } from './serve-host.ts';
import { normalizeValidity } from './summary.ts';
import { tarGzStream } from './tar.ts';

export interface ServeOptions {
  resultsDir: string;
  port?: number;
  host?: string;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export interface RunEntry {
  /** Path relative to the results folder, with forward slashes (e.g. my-test/20261123T105200.123Z). */
  path: string;
  test: string;
  startTime: string | null;
  durationMs: number | null;
  valid: true | false | 'unknown' | null;
  summary: string;
  hasReport: boolean;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function dirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** Run folders at results/<run> or results/<test>/<run> (the `latest` links are skipped: real folders only). */
export function listRuns(resultsDir: string): RunEntry[] {
  const out: RunEntry[] = [];
  const add = (rel: string) => {
    const dir = join(resultsDir, rel);
    const test = readJsonIfValid(join(dir, FILES.test)) ?? {};
    const results = readJsonIfValid(join(dir, FILES.results));
    out.push({
      path: rel.split(sep).join('/'),
      test: typeof test.name === 'string' ? test.name : rel.split(sep)[0]!,
      startTime: typeof test.startTime === 'string' ? test.startTime : null,
      durationMs: typeof test.durationMs === 'number' ? test.durationMs : null,
      valid: results ? normalizeValidity(results.valid) : null,
      summary: [
        runEnded(test) ? '' : INCOMPLETE_RUN,
        typeof results?.summary === 'string' ? results.summary : results ? '' : 'not checked',
      ]
        .filter(Boolean)
        .join('; '),
      hasReport: existsSync(join(dir, REPORT_FILES.html)),
    });
  };
  for (const a of dirs(resultsDir)) {
    if (isRunDir(join(resultsDir, a))) add(a);
    else for (const b of dirs(join(resultsDir, a))) if (isRunDir(join(resultsDir, a, b))) add(join(a, b));
  }
  return out.sort(
    (x, y) => (y.startTime ?? '').localeCompare(x.startTime ?? '') || x.path.localeCompare(y.path),
  );
}

/**
 * Maps URL path segments to a real path inside `root`, or throws 403/404. Segments are decoded one by
 * one, so `%2e%2e`, `%2f` and backslashes cannot smuggle a parent reference through.
 */
export function safePath(root: string, rawSegments: string[]): string {
  const parts: string[] = [];
  for (const raw of rawSegments) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, 'bad path encoding');
    }
    if (seg === '.' || seg === '..' || /[/\\\0]/.test(seg)) throw new HttpError(403, 'forbidden path');
    parts.push(seg);
  }
  const candidate = join(root, ...parts);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw new HttpError(404, 'not found');
  }
  if (real !== root && !real.startsWith(root + sep)) throw new HttpError(403, 'outside the results folder');
  return real;
}

/**
 * True when `dir` is a run folder as `listRuns` finds it: results/<run> or results/<test>/<run>, not a
 * folder inside a run (a node's collected files could hold a test.json of their own).
 */
export function isListedRun(root: string, dir: string): boolean {
  if (dir === root || !dir.startsWith(root + sep) || !isRunDir(dir)) return false;
  const depth = dir.slice(root.length + 1).split(sep).length;
  return depth === 1 || (depth === 2 && !isRunDir(dirname(dir)));
}

/** Inline-safe types by extension; everything else is sniffed (by us, not the browser) for text. */
const TEXT_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.svg': 'text/plain; charset=utf-8',
  '.html': 'text/plain; charset=utf-8',
  '.htm': 'text/plain; charset=utf-8',
};
const BINARY_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.gz': 'application/gzip',
  '.tgz': 'application/gzip',
  '.zip': 'application/zip',
};

/** A file is text when its first 8 KiB hold no NUL byte and decode as UTF-8. */
function looksLikeText(path: string): boolean {
  const buf = Buffer.alloc(8192);
  let n = 0;
  const fd = openSync(path, 'r');
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  const head = buf.subarray(0, n);
  if (head.includes(0)) return false;
  try {
    // A multi-byte character cut at the 8 KiB boundary is fine: only the head is decoded, in stream mode.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * How a file under a run folder is served. Only faultline's own report (report.html at the top of a run
 * folder) is a page; any other file, whatever its name (a node log called report.html), is text/plain or
 * a download, never markup the browser would run.
 */
export function fileDisposition(
  root: string,
  path: string,
): { type: string; report: boolean; attachment: boolean } {
  if (basename(path) === REPORT_FILES.html && isListedRun(root, dirname(path)))
    return { type: 'text/html; charset=utf-8', report: true, attachment: false };
  const ext = extname(path).toLowerCase();
  const text = TEXT_TYPES[ext];
  if (text) return { type: text, report: false, attachment: false };
  const binary = BINARY_TYPES[ext];
  if (binary) return { type: binary, report: false, attachment: true };
  return looksLikeText(path)
    ? { type: 'text/plain; charset=utf-8', report: false, attachment: false }
    : { type: 'application/octet-stream', report: false, attachment: true };
}

/** For `Content-Disposition`: an ASCII fallback name and the exact one (RFC 6266 / 5987). */
const attachmentHeader = (path: string): string => {
  const name = basename(path);
  const ascii = name.replace(/[^A-Za-z0-9._-]+/g, '_') || 'file';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
};

/** Our listing and error pages: no script at all. */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/**
 * faultline's report: inline scripts only (the page's own meta CSP narrows them to its two scripts by
 * hash), no network, no frames, no forms.
 */
const REPORT_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** Files from the run folder: data, never a document that could run anything. */
const FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'";

/** Headers every response carries. */
const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
} as const;

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    ...COMMON_HEADERS,
    'Content-Security-Policy': PAGE_CSP,
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const VERDICT_CLASS: Record<string, string> = {
  true: 'valid',
  false: 'invalid',
  unknown: 'unknown',
  null: 'none',
};
const VERDICT_TEXT: Record<string, string> = {
  true: 'VALID',
  false: 'INVALID',
  unknown: 'UNKNOWN',
  null: '—',
};
const encPath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f3f4f6;color:#1d2330}
main{max-width:1200px;margin:0 auto;padding:20px 24px}h1{font-size:20px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #e3e6eb}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eef0f3;vertical-align:top}
th{color:#5d6675;font-weight:600;font-size:12px}td.s{color:#5d6675;word-break:break-word}
.v{font-weight:700;font-size:11px;color:#fff;padding:1px 6px;border-radius:3px;background:#8a8f98}
.valid .v{background:#2f9e5a}.invalid .v{background:#d64541}.unknown .v{background:#e6a700}
tr.valid td:first-child{border-left:4px solid #2f9e5a}tr.invalid td:first-child{border-left:4px solid #d64541}
tr.unknown td:first-child{border-left:4px solid #e6a700}a{color:#1f5fbf}ul{background:#fff;padding:12px 30px;border:1px solid #e3e6eb}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${htmlEscape(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function indexPage(resultsDir: string): string {
  const runs = listRuns(resultsDir);
  const rows = runs.map((r) => {
    const v = String(r.valid);
    const dur = r.durationMs === null ? '' : `${(r.durationMs / 1000).toFixed(1)} s`;
    const base = `/runs/${encPath(r.path)}/`;
    return `<tr class="${VERDICT_CLASS[v]}"><td><a href="${htmlEscape(`${base}${REPORT_FILES.html}`)}">${htmlEscape(r.test)}</a><br><small>${htmlEscape(r.path)}</small></td><td>${htmlEscape(r.startTime ?? '')}</td><td><span class="v">${VERDICT_TEXT[v]}</span></td><td>${htmlEscape(dur)}</td><td class="s">${htmlEscape(r.summary)}</td><td><a href="${htmlEscape(base)}">files</a> · <a href="${htmlEscape(`/archive/${encPath(r.path)}.tar.gz`)}">.tar.gz</a></td></tr>`;
  });
  const table = runs.length
    ? `<table><thead><tr><th>test</th><th>started</th><th>verdict</th><th>duration</th><th>summary</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : `<p>No runs in ${htmlEscape(resultsDir)} yet: <code>npx faultline run …</code> puts them there.</p>`;
  return page(
    'faultline results',
    `<h1>faultline results</h1><p>${runs.length} run(s) in ${htmlEscape(resultsDir)}</p>${table}`,
  );
}

function dirPage(root: string, dir: string, urlPath: string): string {
  const rel =
    dir === root
      ? ''
      : dir
          .slice(root.length + 1)
          .split(sep)
          .join('/');
  const files = listRunFiles(dir);
  const items = files.map(
    (f) =>
      `<li><a href="${htmlEscape(encPath(f.path))}">${htmlEscape(f.path)}</a> <small>${f.bytes} B</small></li>`,
  );
  const archive = isRunDir(dir)
    ? ` · <a href="${htmlEscape(`/archive/${encPath(rel)}.tar.gz`)}">download .tar.gz</a>`
    : '';
  return page(
    `faultline: ${rel}`,
    `<p><a href="/">all runs</a>${archive}</p><h1>${htmlEscape(rel || urlPath)}</h1><ul>${items.join('')}</ul>`,
  );
}

async function handle(
  root: string,
  hosts: { host: string; port: () => number },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example.
  if (!hostAllowed(req.headers.host, hosts.host, hosts.port()))
    throw new HttpError(421, `Host ${JSON.stringify(req.headers.host ?? '')} is not this server`);
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
  const rawUrl = req.url ?? '/';
  const rawPath = rawUrl.split(/[?#]/)[0]!;
  // Refuse parent references before any normalisation could hide them.
  if (/(^|[/\\])(\.|%2e){2}([/\\]|$)/i.test(rawPath) || /%2f|%5c|%00/i.test(rawPath))
    throw new HttpError(403, 'forbidden path');
  const segments = rawPath.split('/').slice(1);
  const [route, ...rest] = segments;
  if (rawPath === '/' || rawPath === '/index.html')
    return send(res, 200, 'text/html; charset=utf-8', indexPage(root));
  if (route === 'api' && rest.join('/') === 'runs') {
    return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(listRuns(root), null, 2));
  }
  if (route === 'archive') {
    const last = rest[rest.length - 1] ?? '';
    if (!last.endsWith('.tar.gz')) throw new HttpError(404, 'not found');
    const dir = safePath(root, [...rest.slice(0, -1), last.slice(0, -'.tar.gz'.length)]);
    if (!statSync(dir).isDirectory() || !isRunDir(dir)) throw new HttpError(404, 'not a run folder');
    const name =
      dir
        .slice(root.length + 1)
        .split(sep)
        .join('-')
        .replace(/[^A-Za-z0-9._-]+/g, '_') || 'run';
    res.writeHead(200, {
      'Content-Type': 'application/gzip',
      'Content-Disposition': `attachment; filename="${name}.tar.gz"`,
      ...COMMON_HEADERS,
      'Content-Security-Policy': FILE_CSP,
    });
    if (req.method === 'HEAD') return void res.end();
    const stream = tarGzStream(dir, name, root);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return;
  }
  if (route === 'runs') {
    // A run folder without a report (an old run, or one still going): build it on the fly, in memory.
    const lastSeg = rest[rest.length - 1];
    if (lastSeg === REPORT_FILES.html) {
      const dir = safePath(root, rest.slice(0, -1));
      if (isListedRun(root, dir) && !existsSync(join(dir, REPORT_FILES.html))) {
        const built = buildReports(await loadRun(dir), { only: ['html'] });
        return send(res, 200, 'text/html; charset=utf-8', built.html, {
          'Content-Security-Policy': REPORT_CSP,
        });
      }
    }
    const path = safePath(root, rest);
    const st = statSync(path);
    if (st.isDirectory()) {
      if (!rawPath.endsWith('/'))
        return send(res, 301, 'text/plain; charset=utf-8', 'moved', { Location: `${rawPath}/` });
      return send(res, 200, 'text/html; charset=utf-8', dirPage(root, path, rawPath));
    }
    if (!st.isFile()) throw new HttpError(404, 'not found');
    const how = fileDisposition(root, path);
    res.writeHead(200, {
      'Content-Type': how.type,
      'Content-Length': st.size,
      ...COMMON_HEADERS,
      'Content-Security-Policy': how.report ? REPORT_CSP : FILE_CSP,
      ...(how.attachment ? { 'Content-Disposition': attachmentHeader(path) } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(path)
      .on('error', () => res.destroy())
      .pipe(res);
    return;
  }
  throw new HttpError(404, 'not found');
}

export const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const root = realpathSync(resolve(opts.resultsDir));
  const host = opts.host ?? '127.0.0.1';
  const hosts = { host, port: () => (server.address() as AddressInfo | null)?.port ?? -1 };
  const server = createServer((req, res) => {
    handle(root, hosts, req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const msg = err instanceof HttpError ? err.message : 'internal error';
      if (res.headersSent) res.destroy();
      else send(res, status, 'text/plain; charset=utf-8', `${status} ${msg}\n`);
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 8080, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
