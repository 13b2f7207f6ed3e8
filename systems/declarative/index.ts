/**
 * Declarative systems: a program the user brings, described by a JSON file (`--system path/to/x.json`)
 * or by an object in a test file (`system: declarativeSystem({...})`). See docs/maelstrom.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { errorText, UserError } from '../../src/core/errors.ts';
import type { SystemDescriptor } from '../../src/core/index.ts';
import { parseSpec } from './spec.ts';
import { createDeclarativeSystem, type DeclarativeOptions, nameFromFile } from './system.ts';

export { type DeclarativeSpec, parseSpec, specSchema } from './spec.ts';
export { createDeclarativeSystem, type DeclarativeOptions } from './system.ts';

/** True when `--system` names a declarative system file rather than a built-in system. */
export const isSystemFile = (name: string): boolean => /\.(json|ya?ml)$/i.test(name);

function descriptor(
  name: string,
  description: string,
  create: () => ReturnType<typeof createDeclarativeSystem>,
) {
  const d: SystemDescriptor = { name, description, modes: ['default'], create: () => create() };
  return d;
}

/**
 * The system described by a JSON or YAML file (`.json`, `.yaml`, `.yml`; the same keys). Its
 * descriptor's name is `file` as given, so test.json records the path and `--replay` finds it again;
 * relative `files[].from` start at the file's folder. Throws UserError (one line) for a missing,
 * unreadable or invalid file.
 */
export function loadSystemFile(file: string): SystemDescriptor {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new UserError(`--system ${file}: no such file: check the path`);
  const yaml = /\.ya?ml$/i.test(file);
  let raw: unknown;
  try {
    const text = readFileSync(abs, 'utf8');
    // YAML 1.2 core schema (the `yaml` package's default): `on`/`yes` stay strings, as in JSON.
    raw = yaml ? parseYaml(text, { prettyErrors: false }) : JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid ${yaml ? 'YAML' : 'JSON'}: ${errorText(err)}`);
  }
  const spec = parseSpec(raw, file, nameFromFile(file));
  // Only a test file can give clients to a program without a protocol: say so now, not as "no workload".
  if (spec.protocol === undefined)
    throw new UserError(
      `${file}: protocol: missing: a system file needs "protocol": "maelstrom" so that faultline brings the clients (or define the system in a test file: declarativeSystem({...}, { clients }))`,
    );
  const baseDir = dirname(abs);
  // Fail now, not at setup on every node, when a file to upload is missing.
  for (const [i, f] of (spec.files ?? []).entries())
    if (!existsSync(resolve(baseDir, f.from)))
      throw new UserError(`${file}: files[${i}].from: ${f.from}: no such file (relative to ${baseDir})`);
  return descriptor(file, spec.description ?? `declarative system ${spec.name} (${file})`, () =>
    createDeclarativeSystem(spec, { baseDir }),
  );
}

/**
 * A declarative system for a test file's `system` field: the same keys as a JSON system file, checked
 * the same way (a bad key throws a one-line UserError naming it). `options.baseDir`: where relative
 * `files[].from` start (default: the current folder); `options.clients`: the clients of a program
 * without a `protocol`.
 */
export function declarativeSystem(spec: unknown, options: DeclarativeOptions = {}): SystemDescriptor {
  const s = parseSpec(spec, 'declarativeSystem');
  return descriptor(s.name, s.description ?? `declarative system ${s.name}`, () =>
    createDeclarativeSystem(s, options),
  );
}
