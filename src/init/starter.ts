/**
 * The starter test project `faultline init` writes: a test file with a system definition (the bundled
 * example key-value server, server.mjs, run as a daemon on Docker nodes), its client, a workload and a
 * nemesis; a package.json depending on faultline; a tsconfig so it type-checks; a README of what to edit.
 * The files live in ./starter/ (copied into dist/ by the build); this module only picks and fills them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../core/errors.ts';
import { PACKAGE_DIR, PACKAGE_JSON, VERSION } from '../version.ts';

/** Project file → its source in ./starter/ (test.ts is stored as .txt: it imports 'faultline' by name,
 * which the repo's own type-check cannot resolve before a build). */
const FROM_STARTER: Record<string, string> = {
  'test.ts': 'test.ts.txt',
  'server.mjs': 'server.mjs',
  'tsconfig.json': 'tsconfig.json',
  'README.md': 'README.md',
};

/** A name npm accepts for the project's package.json, from its folder's name. */
export function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '');
  return name.slice(0, 200) || 'faultline-test';
}

/** What the project's package.json needs: its name, how to depend on faultline, and tool versions. */
export interface StarterDependencies {
  name: string;
  /** npm dependency spec for faultline: a version range, or `file:<path>` relative to the project. */
  faultline: string;
  /** Version ranges of typescript and @types/node (faultline's own dev dependencies). */
  typescript: string;
  typesNode: string;
}

/** The project's package.json text (pure). */
export function starterPackageJson(d: StarterDependencies): string {
  const pkg = {
    name: d.name,
    private: true,
    type: 'module',
    scripts: { test: 'faultline run test.ts', typecheck: 'tsc --noEmit -p .' },
    dependencies: { faultline: d.faultline },
    devDependencies: { '@types/node': d.typesNode, typescript: d.typescript },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** `path` as a `file:` spec relative to `from` (posix separators, as npm writes them). */
const fileSpec = (path: string, from: string) => {
  const rel = relative(from, path).split(sep).join('/');
  return `file:${rel === '' ? '.' : rel.startsWith('.') ? rel : `./${rel}`}`;
};

/**
 * How the new project at `projectDir` depends on this very copy of faultline (`packageDir`):
 * - a checkout (not under node_modules): `file:` the checkout, relative to the project;
 * - an installed package: the spec its installing project's package.json gave (…/node_modules/faultline →
 *   that project's dependencies.faultline), a `file:` spec (a tarball or folder) re-based on the new
 *   project; when there is none (npx's cache, a global install): `^<version>`.
 */
export function faultlineDependency(projectDir: string, packageDir = PACKAGE_DIR, version = VERSION): string {
  const parts = resolve(packageDir).split(sep);
  const nm = parts.lastIndexOf('node_modules');
  if (nm < 0) return fileSpec(resolve(packageDir), resolve(projectDir));
  const installer = parts.slice(0, nm).join(sep) || sep;
  let spec: unknown;
  try {
    const pkg = JSON.parse(readFileSync(join(installer, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, unknown> | undefined
    >;
    spec = pkg.dependencies?.faultline ?? pkg.devDependencies?.faultline;
  } catch {
    spec = undefined;
  }
  if (typeof spec !== 'string') return `^${version}`;
  if (!spec.startsWith('file:')) return spec;
  const path = spec.slice('file:'.length);
  return fileSpec(isAbsolute(path) ? path : resolve(installer, path), resolve(projectDir));
}

/** The project's files, name → text; `deps` fills in package.json. Reads ./starter/. */
export function starterFiles(deps: StarterDependencies): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, source] of Object.entries(FROM_STARTER))
    files[name] = readFileSync(new URL(`./starter/${source}`, import.meta.url), 'utf8');
  files['package.json'] = starterPackageJson(deps);
  files['.gitignore'] = 'node_modules/\nresults/\n';
  return files;
}

/**
 * Writes a starter project into `dir` (created if missing). Throws UserError when `dir` is a file or a
 * folder that is not empty: init never overwrites anything. Returns the names of the files written.
 */
export function writeStarter(dir: string): string[] {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UserError(`${dir} is a file: give a new or empty folder`);
    const entries = readdirSync(dir);
    if (entries.length > 0) {
      throw new UserError(
        `${dir} is not empty (${entries.length} entries): give a new or empty folder, e.g. faultline init mytest`,
      );
    }
  }
  const dev = PACKAGE_JSON.devDependencies ?? {};
  const files = starterFiles({
    name: packageName(dir),
    faultline: faultlineDependency(dir),
    typescript: dev.typescript ?? 'latest',
    typesNode: dev['@types/node'] ?? 'latest',
  });
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return Object.keys(files);
}
