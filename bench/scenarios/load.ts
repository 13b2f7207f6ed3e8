/**
 * Loads bench/scenarios/<name>.ts files that exist; each exports `scenarios(settings): Scenario[]`.
 * A system whose file is not there yet is skipped with a notice (so one bench covers several systems).
 */
import { existsSync } from 'node:fs';
import type { BenchSettings, Scenario } from '../lib/scenarios.ts';

export async function loadScenarioFiles(names: string[], settings: BenchSettings): Promise<Scenario[]> {
  const out: Scenario[] = [];
  for (const name of names) {
    const url = new URL(`./${name}.ts`, import.meta.url);
    if (!existsSync(url)) {
      console.error(`note: no scenarios for ${name} (bench/scenarios/${name}.ts is missing)`);
      continue;
    }
    const mod = (await import(url.href)) as { scenarios: (s: BenchSettings) => Scenario[] };
    out.push(...mod.scenarios(settings));
  }
  return out;
}
