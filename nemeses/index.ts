import { UserError } from '../src/cli/errors.ts';
import type { NemesisPackage, RunContext } from '../src/test/interfaces.ts';

export interface NemesisOptions {
  /** Mean seconds between fault starts. */
  interval: number;
  nodes: string[];
}

export interface NemesisDescriptor {
  name: string;
  description: string;
  create(opts: NemesisOptions): NemesisPackage;
  /** Refuses up front what the platform cannot do (reason + fix), before anything is provisioned. */
  preflight?(test: RunContext): Promise<string | undefined>;
}

/** Every fault family, by the name used with --nemesis (comma-separated to combine). */
export const NEMESES: Record<string, NemesisDescriptor> = {};

export function findNemeses(names: string[]): NemesisDescriptor[] {
  return names.map((n) => {
    const d = NEMESES[n];
    if (!d) {
      const known = Object.keys(NEMESES);
      throw new UserError(
        `unknown nemesis '${n}': ${known.length ? `choose from ${known.join(', ')}` : 'no fault families are available yet'}, or none`,
      );
    }
    return d;
  });
}
