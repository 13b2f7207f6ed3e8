/**
 * faultline's own version, read from its package.json: the nearest one named `faultline` above this
 * module, so it is found both when running from source (src/util/) and from a built copy (e.g. dist/…).
 * Plugins (the memory system, the reference designs), which may not import src/version.ts (the CLI's),
 * report it as their version.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `version` of the nearest package.json named `faultline` at or above `from` (a folder); '0.0.0' if none. */
export function findFaultlineVersion(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const p = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (p.name === 'faultline' && typeof p.version === 'string') return p.version;
      } catch {
        // An unreadable package.json on the way up is not ours: keep looking.
      }
    }
    if (dirname(dir) === dir) return '0.0.0';
  }
}

/** faultline's version (package.json `version`). */
export const FAULTLINE_VERSION: string = findFaultlineVersion(dirname(fileURLToPath(import.meta.url)));
