/**
 * `faultline init`: the files it writes, the faultline dependency it picks, its refusal of a non-empty
 * folder (one line, exit 254), and that the starter project type-checks against the repo's types (the
 * repo's tsc on the generated project, `faultline` mapped to src/index.ts, @types/node from the repo).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { faultlineDependency, packageName, writeStarter } from '../../../src/init/starter.ts';
import { PACKAGE_JSON, VERSION } from '../../../src/version.ts';

const ROOT = join(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/faultline.js');
const TSC = join(ROOT, 'node_modules/.bin/tsc');
const tmp = () => mkdtempSync(join(tmpdir(), 'faultline-init-'));

/** Runs the repo's tsc on `project` with `faultline` resolved to the repo's source; output on failure. */
function typeCheck(project: string): { ok: boolean; output: string } {
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules/@types'), join(project, 'node_modules/@types'));
  const config = {
    extends: './tsconfig.json',
    compilerOptions: { paths: { faultline: [join(ROOT, 'src/index.ts')] } },
  };
  writeFileSync(join(project, 'tsconfig.check.json'), JSON.stringify(config));
  const r = spawnSync(TSC, ['-p', join(project, 'tsconfig.check.json')], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

describe('faultline init', () => {
  it('writes the starter project: test file, example server, package.json, tsconfig, README', () => {
    const dir = join(tmp(), 'My Test');
    const files = writeStarter(dir);
    expect(files.sort()).toEqual(
      ['.gitignore', 'README.md', 'package.json', 'server.mjs', 'test.ts', 'tsconfig.json'].sort(),
    );
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('my-test');
    expect(pkg.type).toBe('module');
    // From a checkout: the checkout itself, by a relative file: path.
    expect(pkg.dependencies.faultline).toMatch(/^file:\.\.\//);
    expect(pkg.devDependencies.typescript).toBe(PACKAGE_JSON.devDependencies?.typescript);
    const test = readFileSync(join(dir, 'test.ts'), 'utf8');
    expect(test).toMatch(/from 'faultline'/);
    expect(test).toMatch(/workload: 'register'/);
    expect(test).toMatch(/nemesis: 'partition,kill'/);
    expect(readFileSync(join(dir, 'server.mjs'), 'utf8')).toMatch(/createServer/);
    // The system reports its version (recorded in test.json): the server prints it.
    expect(test).toMatch(/async version\(test\)/);
    const version = spawnSync(process.execPath, [join(dir, 'server.mjs'), '--version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^kv \d+\.\d+\.\d+$/);
    // The README says how the example's bug is found: frequent kills.
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(
      /--nemesis kill --nemesis-interval 2 --time-limit 25/,
    );
  });

  it('type-checks against the repo types; a wrong field type is caught', { timeout: 180_000 }, () => {
    const dir = tmp();
    writeStarter(dir);
    const good = typeCheck(dir);
    expect(good.output).toBe('');
    expect(good.ok).toBe(true);
    // The same check fails on a mistake a user could make (timeLimit is seconds as a number).
    const test = join(dir, 'test.ts');
    writeFileSync(test, readFileSync(test, 'utf8').replace('timeLimit: 30', "timeLimit: '30'"));
    const bad = spawnSync(TSC, ['-p', join(dir, 'tsconfig.check.json')], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/test\.ts\(\d+,\d+\): error TS2322/);
  });

  it('refuses a non-empty folder or a file in one line (exit 254), writing nothing', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    expect(() => writeStarter(dir)).toThrow(UserError);
    expect(() => writeStarter(dir)).toThrow(/is not empty \(1 entries\): give a new or empty folder/);
    expect(() => writeStarter(join(dir, 'keep.txt'))).toThrow(/is a file/);
    const r = spawnSync(process.execPath, [BIN, 'init', dir], { encoding: 'utf8' });
    expect(r.status).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('the CLI writes into a new folder and says what to run next', () => {
    const cwd = tmp();
    const out = execFileSync(process.execPath, [BIN, 'init', 'mytest'], { cwd, encoding: 'utf8' });
    expect(out).toMatch(/wrote .*test\.ts.* in mytest\//);
    expect(out).toMatch(/npx faultline run mytest\/test\.ts/);
    expect(readFileSync(join(cwd, 'mytest/test.ts'), 'utf8')).toMatch(/defineTest/);
  });
});

describe("a test file's import of 'faultline'", () => {
  it('resolves to the running faultline from any folder, with no node_modules there', () => {
    const dir = tmp();
    const file = join(dir, 't.ts');
    writeFileSync(
      file,
      [
        "import { defineTest, type Op } from 'faultline';",
        'const none: Op[] = [];',
        "export default defineTest({ name: 'by-name', system: 'memory', workload: 'set', timeLimit: 1 + none.length });",
      ].join('\n'),
    );
    const r = spawnSync(
      process.execPath,
      [BIN, 'run', file, '--no-dashboard', '--results-dir', join(dir, 'r')],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    expect(r.stderr).not.toMatch(/could not be loaded/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^VALID /m);
  });
});

describe('the faultline dependency of a new project', () => {
  it('from a checkout: file: the checkout, relative to the project', () => {
    expect(faultlineDependency('/work/p/mytest', '/work/faultline')).toBe('file:../../faultline');
  });

  it('an installed copy: its installer’s spec, a file: spec re-based on the project', () => {
    const app = tmp();
    const installed = join(app, 'node_modules', 'faultline');
    mkdirSync(installed, { recursive: true });
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ dependencies: { faultline: 'file:../faultline-0.1.0.tgz' } }),
    );
    expect(faultlineDependency(join(app, 'mytest'), installed)).toBe('file:../../faultline-0.1.0.tgz');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ devDependencies: { faultline: '^0.3.0' } }));
    expect(faultlineDependency(join(app, 'mytest'), installed)).toBe('^0.3.0');
  });

  it('an installed copy with no installer spec (npx cache, global): ^ its own version', () => {
    const app = tmp();
    const installed = join(app, 'node_modules', 'faultline');
    mkdirSync(installed, { recursive: true });
    expect(faultlineDependency(join(app, 'x'), installed, '1.2.3')).toBe('^1.2.3');
    expect(faultlineDependency(join(app, 'x'), installed)).toBe(`^${VERSION}`);
  });

  it('package names npm accepts, from the folder name', () => {
    expect(packageName('/a/My Cool Test!')).toBe('my-cool-test-');
    expect(packageName('/a/.hidden')).toBe('hidden');
    expect(packageName('/a/___')).toBe('faultline-test');
  });
});
