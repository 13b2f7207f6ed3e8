import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../../src/cli/commands/serve.ts';
import { UserError } from '../../../src/core/errors.ts';
import { writeReports } from '../../../src/report/index.ts';
import { syntheticRun } from '../../fixtures/synthetic.ts';
import { removeTempDirs, tempDir } from '../../unit/report/helpers.ts';
import { hasChromium, launch } from './chromium.ts';

/** A page a node could leave among its logs: if served as HTML, its script marks the window. */
const PLANTED =
  '<!doctype html><html><body><p id="p">planted</p><script>window.__planted = 1; document.title = "RAN";</script></body></html>';

/** Raw GET: `path` goes on the wire exactly as given (fetch would normalise `..` away). */
function get(
  url: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const u = new URL(url);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

/** Names and contents of the regular files in a tar (tar-stream's reader: pax records included). */
async function untar(buf: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.end(buf);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    if (entry.header.type === 'file') files.set(entry.header.name, Buffer.concat(chunks));
  }
  return files;
}

describe('faultline serve', () => {
  let root: string;
  let outside: string;
  let server: { url: string; close(): Promise<void> };
  const a = 'set-test/20261123T100000.000Z';
  const b = 'other/20261123T110000.000Z';

  beforeAll(async () => {
    root = tempDir('serve');
    outside = tempDir('outside');
    writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET');
    for (const [rel, o] of [
      [a, { name: 'set-test', linearizable: true }],
      [b, { name: 'other', lost: 0 }],
    ] as const) {
      mkdirSync(join(root, rel), { recursive: true });
      await syntheticRun(join(root, rel), { ops: 200, ...o });
    }
    await writeReports(join(root, a)); // b has no report: the server builds it on the fly
    // Long and non-ASCII names exercise the pax headers.
    const deep = join(root, a, 'nodes', 'n1', 'x'.repeat(90), 'ünïcode-log-file-with-a-long-name.log');
    mkdirSync(join(deep, '..'), { recursive: true });
    writeFileSync(deep, 'hello log\n');
    writeFileSync(join(root, a, 'nodes', 'n1', 'evil.html'), '<script>alert(1)</script>');
    // A node's files named like ours, even with a test.json beside them, are data, not a report.
    writeFileSync(join(root, a, 'nodes', 'n1', 'report.html'), PLANTED);
    writeFileSync(join(root, a, 'nodes', 'n1', 'test.json'), '{"name":"planted"}');
    writeFileSync(join(root, a, 'nodes', 'n1', 'core.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    writeFileSync(join(root, a, 'nodes', 'n1', 'extensionless'), '<html><script>x=1</script>');
    symlinkSync(outside, join(root, 'escape'));
    symlinkSync(join(outside, 'secret.txt'), join(root, a, 'nodes', 'leak.txt'));
    symlinkSync(a, join(root, 'latest'));
    server = await startServer({ resultsDir: root, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('listens on loopback by default', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('lists every run with its verdict, duration and links', async () => {
    const r = await get(server.url, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    const html = r.body.toString();
    expect(html).toContain('set-test');
    expect(html).toContain('other');
    expect(html).toMatch(/<tr class="invalid">[\s\S]*set-test/);
    expect(html).toContain(`/runs/${a}/report.html`);
    expect(html).toContain(`/archive/${a}.tar.gz`);
    expect(html).toMatch(/20\.6 s/);
    const api = JSON.parse((await get(server.url, '/api/runs')).body.toString()) as {
      path: string;
      valid: unknown;
    }[];
    expect(api.map((x) => x.path).sort()).toEqual([b, a].sort());
    expect(api.find((x) => x.path === a)!.valid).toBe(false);
  });

  it('serves reports (stored or built on the fly) and files, logs as text', async () => {
    const rep = await get(server.url, `/runs/${a}/report.html`);
    expect(rep.status).toBe(200);
    expect(rep.body.toString()).toContain('id="faultline-data"');
    expect(rep.body.toString()).toBe(readFileSync(join(root, a, 'report.html'), 'utf8'));
    const built = await get(server.url, `/runs/${b}/report.html`);
    expect(built.status).toBe(200);
    expect(built.body.toString()).toContain('id="faultline-data"');
    const hist = await get(server.url, `/runs/${a}/history.jsonl`);
    expect(hist.headers['content-type']).toMatch(/^text\/plain/);
    expect(hist.body.toString()).toBe(readFileSync(join(root, a, 'history.jsonl'), 'utf8'));
    const evil = await get(server.url, `/runs/${a}/nodes/n1/evil.html`);
    expect(evil.headers['content-type']).toMatch(/^text\/plain/);
    expect(evil.headers['x-content-type-options']).toBe('nosniff');
    const dir = await get(server.url, `/runs/${a}`);
    expect(dir.status).toBe(301);
    const listing = await get(server.url, `/runs/${a}/`);
    expect(listing.body.toString()).toContain('history.jsonl');
    expect((await get(server.url, '/runs/latest/test.json')).status).toBe(200); // a link inside is fine
  });

  it("serves only the run folder's own report.html as a page; other files as text or downloads", async () => {
    const own = await get(server.url, `/runs/${a}/report.html`);
    expect(own.headers['content-type']).toMatch(/^text\/html/);
    expect(own.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(own.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    for (const p of ['report.html', 'extensionless', 'evil.html', 'test.json']) {
      const r = await get(server.url, `/runs/${a}/nodes/n1/${p}`);
      expect(r.status, p).toBe(200);
      expect(r.headers['content-type'], p).not.toMatch(/html/);
      expect(r.headers['x-content-type-options'], p).toBe('nosniff');
      expect(r.headers['content-security-policy'], p).toMatch(/sandbox/);
    }
    const planted = await get(server.url, `/runs/${a}/nodes/n1/report.html`);
    expect(planted.headers['content-type']).toMatch(/^text\/plain/);
    expect(planted.body.toString()).toBe(PLANTED);
    const bin = await get(server.url, `/runs/${a}/nodes/n1/core.bin`);
    expect(bin.headers['content-type']).toBe('application/octet-stream');
    expect(bin.headers['content-disposition']).toMatch(/^attachment; filename="core\.bin"/);
    // A folder inside a run is not a run: no report is built for it on the fly either.
    const inner = await get(server.url, `/runs/${a}/nodes/report.html`);
    expect(inner.status).toBe(404);
    for (const p of ['/', `/runs/${a}/`, '/api/runs', `/archive/${a}.tar.gz`, '/nope'])
      expect((await get(server.url, p)).headers['x-content-type-options'], p).toBe('nosniff');
  });

  it.skipIf(!hasChromium)('a planted report.html does not run in a real browser; ours does', async () => {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(`${server.url}runs/${a}/nodes/n1/report.html`);
      expect(await page.evaluate('typeof window.__planted')).toBe('undefined');
      expect(await page.title()).not.toBe('RAN');
      expect(await page.locator('#p').count()).toBe(0); // shown as text, not parsed as markup
      expect(await page.evaluate('document.body.innerText')).toContain('window.__planted = 1');
      await page.goto(`${server.url}runs/${a}/nodes/n1/evil.html`);
      expect(dialogs).toEqual([]);
      // The same browser runs faultline's own report: the check above can fail.
      await page.goto(`${server.url}runs/${a}/report.html`);
      await page.waitForFunction('window.__faultline?.ready === true');
    } finally {
      await browser.close();
    }
  });

  it('refuses a Host header that is not this server (DNS rebinding)', async () => {
    const port = new URL(server.url).port;
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1.evil.example:${port}`,
      'localhost:1',
      'localhost',
    ]) {
      const r = await get(server.url, '/api/runs', 'GET', { Host: host });
      expect(r.status, host).toBe(421);
      expect(r.body.toString(), host).not.toContain(a);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      const r = await get(server.url, '/api/runs', 'GET', { Host: host });
      expect(r.status, host).toBe(200);
    }
    const named = await startServer({ resultsDir: root, port: 0, host: 'localhost' });
    try {
      const p = new URL(named.url).port;
      expect((await get(named.url, '/', 'GET', { Host: `localhost:${p}` })).status).toBe(200);
      expect((await get(named.url, '/', 'GET', { Host: `attacker.test:${p}` })).status).toBe(421);
    } finally {
      await named.close();
    }
  });

  it('downloads a run folder as a .tar.gz with every file', async () => {
    const r = await get(server.url, `/archive/${a}.tar.gz`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/gzip');
    expect(r.headers['content-disposition']).toMatch(
      /attachment; filename="set-test-20261123T100000\.000Z\.tar\.gz"/,
    );
    const files = await untar(gunzipSync(r.body));
    const prefix = 'set-test-20261123T100000.000Z';
    expect(files.get(`${prefix}/history.jsonl`)!.toString()).toBe(
      readFileSync(join(root, a, 'history.jsonl'), 'utf8'),
    );
    expect(files.has(`${prefix}/report.html`)).toBe(true);
    const long = [...files.keys()].find((k) => k.endsWith('ünïcode-log-file-with-a-long-name.log'));
    expect(long).toBeDefined();
    expect(files.get(long!)!.toString()).toBe('hello log\n');
    expect([...files.keys()].some((k) => k.includes('leak'))).toBe(false); // symlink out of the results folder
    // The system tar agrees (when there is one).
    try {
      const dir = tempDir('untar');
      writeFileSync(join(dir, 'a.tar.gz'), r.body);
      execFileSync('tar', ['-xzf', 'a.tar.gz'], { cwd: dir, stdio: 'pipe' });
      expect(readFileSync(join(dir, prefix, 'test.json'), 'utf8')).toBe(
        readFileSync(join(root, a, 'test.json'), 'utf8'),
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  });

  it('refuses every path outside the results folder', async () => {
    const attempts = [
      '/runs/../../../../etc/passwd',
      '/runs/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/runs/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '/runs/..%2f..%2f..%2fetc/passwd',
      '/runs/.%2e/.%2e/etc/passwd',
      '/runs/..\\..\\etc\\passwd',
      '/runs/escape/secret.txt',
      `/runs/${a}/nodes/leak.txt`,
      '/archive/escape.tar.gz',
      '/archive/../../etc.tar.gz',
      '/runs/%00',
      '/runs/%zz',
    ];
    for (const p of attempts) {
      const r = await get(server.url, p);
      expect([400, 403, 404], `${p} → ${r.status}`).toContain(r.status);
      expect(r.body.toString()).not.toMatch(/TOP SECRET|root:/);
    }
    expect((await get(server.url, '/runs/escape/secret.txt')).status).toBe(403);
    expect((await get(server.url, '/', 'POST')).status).toBe(405);
    expect((await get(server.url, '/nope')).status).toBe(404);
  });

  it('says what is wrong with the flags in one line', async () => {
    await expect(startServer({ resultsDir: join(root, 'missing') })).rejects.toThrow(UserError);
    const busy = new URL(server.url).port;
    await expect(startServer({ resultsDir: root, port: Number(busy) })).rejects.toThrow(/port \d+ is in use/);
  });
});

afterAll(removeTempDirs);
