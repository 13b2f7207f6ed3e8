import { errorText } from '../src/core/errors.ts';
import type { Generator } from '../src/core/generator.ts';
import type { Nemesis, NemesisPackage } from '../src/core/index.ts';
import { any, seq } from '../src/generator/index.ts';

/**
 * Several fault families at once: one nemesis that routes each op to the family owning its `f`, the
 * families' schedules interleaved, and their final (healing) generators one after another.
 */
export function composePackages(packages: readonly NemesisPackage[]): NemesisPackage | undefined {
  if (packages.length === 0) return undefined;
  if (packages.length === 1) return packages[0];
  const byF = new Map<string, Nemesis>();
  for (const p of packages) {
    for (const f of p.nemesis.fs) {
      const other = byF.get(f);
      if (other) throw new Error(`nemeses ${other.name} and ${p.nemesis.name} both handle op '${f}'`);
      byF.set(f, p.nemesis);
    }
  }
  const nemesis: Nemesis = {
    name: packages.map((p) => p.nemesis.name).join('+'),
    fs: [...byF.keys()],
    async setup(test) {
      for (const p of packages) await p.nemesis.setup?.(test);
    },
    async invoke(test, op) {
      const n = byF.get(op.f);
      if (!n) return { type: 'fail', error: `no nemesis handles '${op.f}'` };
      return n.invoke(test, op);
    },
    async teardown(test) {
      // Heal everything even if one family's teardown fails.
      const errors: string[] = [];
      for (const p of packages) {
        try {
          await p.nemesis.teardown?.(test);
        } catch (err) {
          errors.push(`${p.nemesis.name}: ${errorText(err)}`);
        }
      }
      if (errors.length) throw new Error(`healing failed: ${errors.join('; ')}`);
    },
  };
  const finals = packages.map((p) => p.finalGenerator).filter((g): g is Generator => g !== undefined);
  const planned = packages.every((p) => p.schedule);
  // Declarations concatenate; one package without any leaves the whole to the readers' fallback.
  const declared = packages.every((p) => p.faults);
  return {
    nemesis,
    generator: any(packages.map((p) => p.generator)),
    ...(finals.length ? { finalGenerator: seq(...finals) } : {}),
    ...(planned ? { schedule: packages.flatMap((p) => p.schedule ?? []).sort((a, b) => a.atS - b.atS) } : {}),
    ...(declared ? { faults: packages.flatMap((p) => p.faults ?? []) } : {}),
  };
}
