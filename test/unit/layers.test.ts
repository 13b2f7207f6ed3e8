/**
 * The layering of docs/architecture.md, enforced: the import graph of src/ and the plugin folders is read
 * from source text (a regex over import/export/dynamic-import statements: typescript 7 is the native tsc
 * and exposes no stable JS parser API) and checked by a pure function, which is also shown failing on a
 * small graph with forbidden edges and a cycle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';

/** One import: repo-relative file → repo-relative file, or → `pkg:<name>` for a package / node: import. */
interface Edge {
  from: string;
  to: string;
}

const PLUGINS = ['checkers', 'nemeses', 'systems', 'workloads'] as const;
const SCANNED = ['src', ...PLUGINS];
/** The modules of src/ allowed to import plugin folders: the wiring and the package entry. */
const WIRING = new Set(['src/registry.ts', 'src/index.ts']);
/** Packages src/core may use. */
const CORE_PACKAGES = new Set(['zod']);

const under = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);
const pluginOf = (path: string) => PLUGINS.find((p) => under(path, p));

/** What each plugin folder may import besides its own folder and packages. */
function pluginMayImport(plugin: string, to: string): boolean {
  if (['src/core', 'src/generator', 'src/history', 'src/util'].some((f) => under(to, f))) return true;
  if (under(to, 'src/cluster')) return plugin === 'nemeses' || plugin === 'systems';
  if (under(to, 'checkers')) return plugin === 'workloads' || plugin === 'systems';
  return false;
}

/** Every violation of the layering rules in `edges` (one line each); empty when the graph is clean. Pure. */
function checkLayers(edges: readonly Edge[]): string[] {
  const problems: string[] = [];
  for (const { from, to } of edges) {
    const pkg = to.startsWith('pkg:') ? to.slice(4) : undefined;
    if (under(from, 'src/core')) {
      if (pkg ? !pkg.startsWith('node:') && !CORE_PACKAGES.has(pkg) : !under(to, 'src/core'))
        problems.push(`src/core is a leaf: ${from} imports ${to}`);
      continue;
    }
    if (pkg) continue;
    const plugin = pluginOf(from);
    if (plugin) {
      if (!under(to, plugin) && !pluginMayImport(plugin, to))
        problems.push(`plugin ${plugin}/ may not import ${to} (${from})`);
    } else if (under(from, 'src') && !WIRING.has(from) && pluginOf(to)) {
      problems.push(`only src/registry.ts imports plugin folders: ${from} imports ${to}`);
    }
  }
  for (const scc of cycles(edges)) problems.push(`import cycle among ${scc.join(', ')}`);
  return problems;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). Pure. */
function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (e.to.startsWith('pkg:')) continue;
    next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || next.get(v)?.includes(v)) out.push(scc.reverse());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

// Statements start a line, so docstring examples (` * import …`) never match.
const STATIC =
  /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,?\s*)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?)?\s*from\s*['"]([^'"]+)['"]|^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The import graph of src/ and the plugin folders, type-only and dynamic imports included. */
function readImportGraph(root: string): Edge[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir))) {
      const path = posix.join(dir, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      // report.js runs in the browser and imports nothing.
      else if (/\.(ts|tsx|mjs)$/.test(name)) files.push(path);
    }
  };
  for (const d of SCANNED) walk(d);
  const edges: Edge[] = [];
  for (const from of files) {
    const text = readFileSync(join(root, from), 'utf8');
    const specs = [
      ...[...text.matchAll(STATIC)].map((m) => (m[1] ?? m[2])!),
      ...[...text.matchAll(DYNAMIC)].map((m) => m[1]!),
    ];
    for (const s of specs) {
      const to = s.startsWith('.') ? posix.normalize(posix.join(posix.dirname(from), s)) : `pkg:${s}`;
      edges.push({ from, to });
    }
  }
  return edges;
}

const ROOT = join(import.meta.dirname, '../..');

describe('layering', () => {
  const edges = readImportGraph(ROOT);

  it('reads a plausible graph (every relative import resolves to a scanned or test file)', () => {
    expect(edges.length).toBeGreaterThan(300);
    const missing = edges.filter((e) => !e.to.startsWith('pkg:') && !exists(join(ROOT, e.to)));
    expect(missing).toEqual([]);
  });

  it('src/core is a leaf, plugins import only what they may, only the registry imports plugins, no cycles', () => {
    expect(checkLayers(edges)).toEqual([]);
  });

  it('fails on a graph with forbidden imports and a cycle', () => {
    const bad: Edge[] = [
      { from: 'src/core/op.ts', to: 'src/history/journal.ts' },
      { from: 'src/core/op.ts', to: 'pkg:ioredis' },
      { from: 'checkers/set.ts', to: 'src/runner/run.ts' },
      { from: 'workloads/set.ts', to: 'src/cluster/remote.ts' },
      { from: 'src/cli/commands/run.ts', to: 'nemeses/index.ts' },
      { from: 'nemeses/index.ts', to: 'nemeses/clock.ts' },
      { from: 'nemeses/clock.ts', to: 'nemeses/index.ts' },
    ];
    expect(checkLayers(bad)).toEqual([
      'src/core is a leaf: src/core/op.ts imports src/history/journal.ts',
      'src/core is a leaf: src/core/op.ts imports pkg:ioredis',
      'plugin checkers/ may not import src/runner/run.ts (checkers/set.ts)',
      'plugin workloads/ may not import src/cluster/remote.ts (workloads/set.ts)',
      'only src/registry.ts imports plugin folders: src/cli/commands/run.ts imports nemeses/index.ts',
      'import cycle among nemeses/clock.ts, nemeses/index.ts',
    ]);
  });

  it('accepts the allowed edges', () => {
    const good: Edge[] = [
      { from: 'src/core/index.ts', to: 'src/core/op.ts' },
      { from: 'src/core/op.ts', to: 'pkg:zod' },
      { from: 'src/core/rng.ts', to: 'pkg:node:crypto' },
      { from: 'nemeses/partition.ts', to: 'src/cluster/docker/host-exec.ts' },
      { from: 'workloads/set.ts', to: 'checkers/set.ts' },
      { from: 'src/registry.ts', to: 'workloads/index.ts' },
      { from: 'src/cli/main.ts', to: 'src/registry.ts' },
    ];
    expect(checkLayers(good)).toEqual([]);
  });

  it('finds a self-import and a longer cycle, and no cycle in a diamond', () => {
    expect(cycles([{ from: 'a', to: 'a' }])).toEqual([['a']]);
    const ring = [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
      { from: 'c', to: 'a' },
    ];
    expect(cycles(ring)).toEqual([['a', 'b', 'c']]);
    const diamond = [
      { from: 'a', to: 'b' },
      { from: 'a', to: 'c' },
      { from: 'b', to: 'd' },
      { from: 'c', to: 'd' },
    ];
    expect(cycles(diamond)).toEqual([]);
  });
});

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
