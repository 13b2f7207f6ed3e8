/**
 * Plugin option schemas: every built-in system, workload and fault family declares its `--opt` keys, the
 * documented keys are exactly the declared ones, and the registry's check refuses unknown and mistyped
 * keys with one line naming the valid keys and their types.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEMESES } from '../../../nemeses/index.ts';
import { validatePluginOptions } from '../../../src/config/plugin-options.ts';
import { UserError } from '../../../src/core/errors.ts';
import { describeKeys, opt, optionsSchema } from '../../../src/core/options.ts';
import { resolveTest } from '../../../src/registry.ts';
import { SYSTEMS } from '../../../systems/index.ts';
import { WORKLOADS } from '../../../workloads/index.ts';

const REPO = join(import.meta.dirname, '../../..');
const plugins = [...Object.values(SYSTEMS), ...Object.values(WORKLOADS), ...Object.values(NEMESES)];

const problem = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a UserError');
};

describe('declared options', () => {
  it('every built-in plugin declares a schema, each key with its type in words', () => {
    for (const p of plugins) {
      expect(p.options, p.name).toBeDefined();
      for (const d of describeKeys(p.options!)) expect(d).toMatch(/^\w+ \((?!any value).+\)$/);
    }
  });

  it('nemeses/README.md documents exactly the fault families’ keys', () => {
    const text = readFileSync(join(REPO, 'nemeses/README.md'), 'utf8');
    const table = text.slice(
      text.indexOf('## Options'),
      text.indexOf('\n## ', text.indexOf('## Options') + 3),
    );
    const documented = new Set(
      [...table.matchAll(/^\| ([^|]+)\|/gm)].flatMap((m) =>
        [...m[1]!.matchAll(/`(\w+)`/g)].map((x) => x[1]!),
      ),
    );
    const declared = new Set(Object.values(NEMESES).flatMap((d) => Object.keys(d.options!.shape)));
    expect([...documented].sort()).toEqual([...declared].sort());
  });

  it('every --opt key the docs use is declared by some plugin', () => {
    const declared = new Set(plugins.flatMap((p) => Object.keys(p.options!.shape)));
    for (const f of ['README.md', 'systems/reference/README.md', 'nemeses/README.md']) {
      const used = [...readFileSync(join(REPO, f), 'utf8').matchAll(/--opt (\w+)=/g)].map((m) => m[1]!);
      for (const k of used) if (k !== 'key') expect(declared.has(k), `${f}: --opt ${k}`).toBe(true);
    }
  });
});

describe('validatePluginOptions', () => {
  const a = {
    kind: 'system' as const,
    name: 'a',
    schema: optionsSchema({ x: opt.number(0, 1), on: opt.bool() }),
  };
  const b = { kind: 'workload' as const, name: 'b', schema: optionsSchema({ x: opt.number(0, 0.5) }) };

  it('an unknown key names every valid key with its type; a test field gets a hint', () => {
    expect(problem(() => validatePluginOptions({ nosuch: 1 }, [a, b]))).toBe(
      'unknown option nosuch for system a, workload b: valid keys are x (number in [0, 1]), on (true or false), x (number in [0, 0.5])',
    );
    expect(problem(() => validatePluginOptions({ rate: 'abc' }, [a]))).toMatch(
      /^unknown option rate \(rate is a test field: use --rate\)/,
    );
  });

  it('a mistyped value names the key, the value, the type and the plugin', () => {
    expect(problem(() => validatePluginOptions({ x: 'abc' }, [a]))).toBe(
      'option x=abc: expected number in [0, 1] (system a)',
    );
    expect(problem(() => validatePluginOptions({ on: 'yes' }, [a]))).toMatch(
      /option on=yes: expected true or false/,
    );
  });

  it('a key two plugins read must suit both', () => {
    validatePluginOptions({ x: 0.4 }, [a, b]);
    expect(problem(() => validatePluginOptions({ x: 0.7 }, [a, b]))).toMatch(/\(workload b\)$/);
  });

  it('a plugin without a schema may read any key; declared keys are still checked', () => {
    const open = { kind: 'system' as const, name: 'custom', schema: undefined };
    validatePluginOptions({ anything: [1, 2] }, [open, b]);
    expect(problem(() => validatePluginOptions({ x: 2 }, [open, b]))).toMatch(/^option x=2/);
  });

  it('property: a value is accepted exactly when every declaring schema accepts it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null)), (v) => {
        const ok = a.schema.shape.x.safeParse(v).success && b.schema.shape.x.safeParse(v).success;
        let threw = false;
        try {
          validatePluginOptions({ x: v }, [a, b]);
        } catch (err) {
          expect(err).toBeInstanceOf(UserError);
          threw = true;
        }
        expect(threw).toBe(!ok);
      }),
      { numRuns: 300 },
    );
  });
});

describe('resolveTest validates the merged options', () => {
  it('property: any JSON value for any fault-family key builds, or is one clear line (never a crash inside the family)', () => {
    const keys = Object.values(NEMESES).flatMap((d) => Object.keys(d.options!.shape));
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(NEMESES)),
        fc.constantFrom(...keys),
        fc.jsonValue({ maxDepth: 2 }),
        (family, key, value) => {
          try {
            resolveTest({ system: 'etcd', nemesis: family, options: { [key]: value }, seed: 1 });
          } catch (err) {
            expect(err).toBeInstanceOf(UserError);
            const msg = (err as Error).message;
            expect(msg).not.toContain('\n');
            expect(msg).not.toMatch(/Rng\.pick|Cannot |undefined|is not a function|JSON at position/);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: any JSON value for any key of any system/workload pair builds, or is one line naming the key', () => {
    // A node count the system's default mode accepts (mariadb single: 1; galera: 3 or 5; most: 5).
    const nodesFor = (s: string): string[] => {
      const d = SYSTEMS[s]!;
      for (const n of [5, 3, 1]) {
        const nodes = Array.from({ length: n }, (_, i) => `n${i + 1}`);
        try {
          d.validate?.({ mode: d.modes[0]!, nodes, options: {} });
          return nodes;
        } catch {}
      }
      throw new Error(`${s}: no node count its default mode accepts`);
    };
    const pairs = Object.entries(SYSTEMS).flatMap(([s, d]) =>
      Object.keys(d.create(d.modes[0]!).clients).map((w) => [s, w] as const),
    );
    fc.assert(
      fc.property(fc.constantFrom(...pairs), fc.jsonValue({ maxDepth: 1 }), fc.nat(), ([s, w], value, i) => {
        const keys = [
          ...Object.keys(SYSTEMS[s]!.options!.shape),
          ...Object.keys(WORKLOADS[w]!.options!.shape),
        ];
        const key = keys[i % keys.length]!;
        try {
          resolveTest({ system: s, workload: w, nodes: nodesFor(s), options: { [key]: value }, seed: 1 });
        } catch (err) {
          expect(err).toBeInstanceOf(UserError);
          expect((err as Error).message).toMatch(new RegExp(`^(option ${key}=|workload ${w}: .*${key})`));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('memory: lossRate=abc no longer disables the lost-writes mode silently', () => {
    expect(problem(() => resolveTest({ mode: 'lost-writes', options: { lossRate: 'abc' } }))).toBe(
      'option lossRate=abc: expected number in [0, 1] (system memory)',
    );
  });
  it('the fault families of the test are part of the valid keys, others are not', () => {
    resolveTest({ system: 'etcd', nemesis: 'partition', options: { partitionTargets: 'one' } });
    expect(
      problem(() => resolveTest({ system: 'etcd', nemesis: 'kill', options: { partitionTargets: 'one' } })),
    ).toMatch(
      /^unknown option partitionTargets for system etcd, workload set, nemesis kill: valid keys are .*killTargets \(list of/,
    );
  });
  it('errors a plugin raises while it is built from the options are one line, exit 254', () => {
    expect(problem(() => resolveTest({ workload: 'register', options: { threadsPerKey: 3 } }))).toMatch(
      /^workload register: .*threadsPerKey 3 must divide the concurrency 10/,
    );
    expect(
      problem(() => resolveTest({ system: 'etcd', nemesis: 'kill', options: { killTargets: 'n9' } })),
    ).toMatch(/^nemesis kill: unknown target node\(s\) n9/);
  });
});
