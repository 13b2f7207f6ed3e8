/**
 * Builds the published package (npm run build; npm's prepack runs it): tsc emits JavaScript and .d.ts for
 * src/ and the plugin folders into dist/ in the repo's layout, then every file that is not TypeScript
 * (report assets, the node helpers' C sources, systems' node scripts, init's starter project, READMEs) is
 * copied beside them, so a module finds what it reads next to itself (`new URL('./x', import.meta.url)`)
 * in dist/ as in the checkout. The checkout itself never needs this: bin/faultline.js runs src/ directly.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
/** The folders tsconfig.build.json compiles (its `include`). */
const FOLDERS = ['src', 'checkers', 'nemeses', 'systems', 'workloads'];

const isTypeScript = (name: string) => /\.(ts|tsx|mts|cts)$/.test(name);

/** Files under `dir` (recursively) that are not TypeScript: copied as they are (over tsc's emit of .js/.mjs). */
function assetsUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !isTypeScript(e.name))
    .map((e) => join(e.parentPath, e.name));
}

rmSync(DIST, { recursive: true, force: true });
try {
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
} catch {
  // tsc printed its errors above.
  process.stderr.write('build: tsc -p tsconfig.build.json failed (errors above); dist/ is incomplete\n');
  process.exit(1);
}
let copied = 0;
for (const folder of FOLDERS) {
  for (const file of assetsUnder(join(ROOT, folder))) {
    cpSync(file, join(DIST, relative(ROOT, file)));
    copied++;
  }
}
process.stdout.write(`built ${relative(process.cwd(), DIST) || '.'}: tsc output and ${copied} asset files\n`);
