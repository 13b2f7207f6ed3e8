import { existsSync, readFileSync } from 'node:fs';

/**
 * faultline's package.json: next to src/ in the repo (src/version.ts), two levels up in the built package
 * (dist/src/version.js).
 */
const packageJson = [
  new URL('../package.json', import.meta.url),
  new URL('../../package.json', import.meta.url),
].find((u) => existsSync(u));

/** faultline's version, from package.json (one source of truth). */
export const VERSION: string = (
  JSON.parse(readFileSync(packageJson ?? new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
