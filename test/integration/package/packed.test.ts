/**
 * The package as a user gets it (issue 17's "Done when"): `npm pack` the repo (prepack builds dist/),
 * `npm install <tarball>` into a fresh folder, `npx faultline init mytest`, `npx faultline run
 * mytest/test.ts` on Docker nodes: a verdict. Also: the starter type-checks against the packed .d.ts.
 * npm installs from its cache where it can (--prefer-offline); the registry is reached only for what the
 * cache lacks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../engine.ts';

const ROOT = join(import.meta.dirname, '../../..');
const NODE_BIN = join(process.execPath, '..');

/** The environment without npm's own variables (vitest may run under `npm test`). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toLowerCase().startsWith('npm_')) env[k] = v;
  // This Node first on PATH: npm, npx and the installed bin must run on it.
  env.PATH = `${NODE_BIN}:${process.env.PATH ?? ''}`;
  return env;
}

function sh(cmd: string, args: string[], cwd: string, timeoutMs: number) {
  const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, signal: r.signal };
}

const work = mkdtempSync(join(tmpdir(), 'faultline-packed-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!(await requireDocker()))('the packed package in a fresh folder', () => {
  it('npm pack, npm install <tarball>, faultline init, faultline run: a verdict', {
    timeout: 600_000,
  }, () => {
    const pack = sh('npm', ['pack', '--silent', '--pack-destination', work], ROOT, 180_000);
    expect(pack.code, pack.out).toBe(0);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball, pack.out).toBeDefined();

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    const install = sh(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball!)],
      app,
      300_000,
    );
    expect(install.code, install.out).toBe(0);
    // The installed package carries JavaScript only, and what it reads at run time.
    const pkg = join(app, 'node_modules/faultline');
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    for (const f of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/report/assets/report.js',
      'dist/src/cluster/node-helpers/skewtime.c',
      'dist/systems/reference/nodes/lib.mjs',
      'dist/checkers/linearizable/worker.js',
      'dist/src/init/starter/server.mjs',
    ])
      expect(existsSync(join(pkg, f)), f).toBe(true);

    // The linearizability checker's worker threads load from dist/ (a worker URL is not rewritten by tsc).
    const script = [
      "import { linearizable } from 'faultline';",
      'const op = (index, process, type, f, value) => ({ index, time: index, process, type, f, value });',
      "const h = [op(0, 0, 'invoke', 'write', ['k', 1]), op(1, 0, 'ok', 'write', ['k', 1]),",
      "  op(2, 1, 'invoke', 'read', ['k', null]), op(3, 1, 'ok', 'read', ['k', 2])];",
      "const r = await linearizable({ model: 'kv', parallel: true }).check({}, h, { parallel: true });",
      'console.log(JSON.stringify({ valid: r.valid, summary: r.summary }));',
    ].join('\n');
    writeFileSync(join(app, 'workers.mjs'), script);
    const workers = sh(process.execPath, ['workers.mjs'], app, 60_000);
    expect(workers.out).toMatch(/"valid":false,"summary":"NOT linearizable/);

    const init = sh('npx', ['--no-install', 'faultline', 'init', 'mytest'], app, 60_000);
    expect(init.code, init.out).toBe(0);
    expect(init.out).toMatch(/faultline dependency: file:\.\.\/\.\.\/faultline-.*\.tgz/);

    // The starter type-checks against the packed .d.ts (its @types/node dev dependency: installed with
    // faultline's dependencies today, else linked from the repo).
    const typesNode = join(app, 'node_modules/@types/node');
    if (!existsSync(typesNode)) {
      mkdirSync(join(app, 'node_modules/@types'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules/@types/node'), typesNode);
    }
    const tsc = sh(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'mytest'], app, 120_000);
    expect(tsc.out).toBe('');
    expect(tsc.code).toBe(0);

    // Short, and a fixed seed; the default node image flavour (debian: built once, cached after); the
    // starter's own nemesis (partition, kill) as written.
    const run = sh(
      'npx',
      [
        '--no-install',
        'faultline',
        'run',
        'mytest/test.ts',
        '--time-limit',
        '8',
        '--seed',
        '1',
        '--no-dashboard',
      ],
      app,
      420_000,
    );
    // The example server is correct: anything but VALID (exit 0) is a bug of the package or the starter.
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/^VALID +\d+ ops/m);
    expect(run.out).toMatch(/linearizable +VALID/);
    const reports = execFileSync('find', [join(app, 'results'), '-name', 'report.html'], {
      encoding: 'utf8',
    });
    expect(reports.trim()).not.toBe('');
  });
});
