/**
 * The package ships what README.md links to: every relative link or image into docs/ is in the file list
 * `npm pack` would pack (package.json `files`), so a package user's README has no dead links.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');

describe('packed README links', () => {
  it('every docs/… file README.md links to is packed', { timeout: 120_000 }, () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linked = [...readme.matchAll(/\]\((docs\/[^)#\s]+)\)/g)].map((m) => m[1] as string);
    expect(linked).toContain('docs/report.png');
    expect(linked).toContain('docs/your-system.md');
    // --ignore-scripts: the file list only, without the prepack build.
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const packed = new Set(
      (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path),
    );
    expect(linked.filter((path) => !packed.has(path))).toEqual([]);
  });
});
