import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * faultline's package.json: next to src/ in the repo (src/version.ts), two levels up in the built package
 * (dist/src/version.js).
 */
const packageJsonUrl =
  [new URL('../package.json', import.meta.url), new URL('../../package.json', import.meta.url)].find((u) =>
    existsSync(u),
  ) ?? new URL('../package.json', import.meta.url);

/** The fields of faultline's own package.json that faultline reads. */
export interface PackageJson {
  version: string;
  devDependencies?: Record<string, string>;
}

/** faultline's own package.json. */
export const PACKAGE_JSON = JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as PackageJson;

/** The folder holding faultline's package.json: the checkout, or the installed package (…/node_modules/faultline). */
export const PACKAGE_DIR: string = dirname(fileURLToPath(packageJsonUrl));

/** faultline's version, from package.json (one source of truth). */
export const VERSION: string = PACKAGE_JSON.version;
