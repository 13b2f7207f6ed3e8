/**
 * The declarative system file: a program the user brings, described as data (JSON, or an object in a test
 * file) instead of TypeScript. Parsing is pure; every mistake is one UserError line naming the key
 * (`system.json: start[2]: unknown placeholder {nod}: …`).
 */
import { z } from 'zod';
import { UserError } from '../../src/core/errors.ts';
import { PLACEHOLDERS, unknownPlaceholders } from './placeholders.ts';

/** Client protocols a declarative system may speak (faultline then brings the clients). */
export const PROTOCOLS = ['maelstrom'] as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const absPath = z.string().regex(/^\/[^\0]*$/, 'expected an absolute path on the node (starting with /)');
const argv = z
  .array(z.string().min(1, 'expected a non-empty string'))
  .min(1, 'expected at least the program');
const port = z.number().int().min(1).max(65535);

const fileSchema = z.strictObject({
  /** Path on this machine, relative to the system file's folder (or the current folder for an object). */
  from: z.string().min(1),
  /** Absolute path on the node; parent folders are created. */
  to: absPath,
  /** Octal file mode as text, e.g. "0755"; default "0644". */
  mode: z
    .string()
    .regex(/^0?[0-7]{3}$/, 'expected an octal mode like "0755"')
    .optional(),
});

const readySchema = z.strictObject({
  /** Ready when this TCP port on the node's IP accepts a connection. */
  tcp: port.optional(),
  /** Ready when this command (run on the node, placeholders allowed) exits 0. */
  command: argv.optional(),
  /** Give up after this many seconds (default 60). */
  timeoutS: z.number().positive().max(86_400).optional(),
});

/** The shape of a declarative system file (see docs/maelstrom.md). */
export const specSchema = z.strictObject({
  /** Short name (letters, digits, `.`, `_`, `-`): the daemon's name and its log file's. */
  name: z.string().regex(NAME, 'expected letters, digits, ".", "_" or "-"').optional(),
  description: z.string().optional(),
  /** Files uploaded to every node at setup. */
  files: z.array(fileSchema).optional(),
  /** Debian packages the node image needs (hostroot: the host must have them). */
  packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/, 'expected a Debian package name')).optional(),
  /** The program and its arguments; placeholders {node} {nodes} {peers} {port} {dataDir} {ip}. */
  start: argv,
  /** The port the program listens on ({port}); with protocol maelstrom, the port faultline's shim uses. */
  port: port.optional(),
  env: z.record(z.string(), z.string()).optional(),
  /** Working directory on the node (default: the data folder). */
  cwd: absPath.optional(),
  /** Run the program as this user (default root). */
  user: z.string().min(1).optional(),
  ready: readySchema.optional(),
  /** Extra files on the node collected at teardown (the program's stdout/stderr log always is). */
  logFiles: z.array(absPath).optional(),
  /** The program's data folder: emptied at setup, kept across kill/restart. */
  dataDir: absPath.optional(),
  /** A command printing the program's version (first line of its output is recorded). */
  version: argv.optional(),
  /** A client protocol faultline speaks to the program: `maelstrom` (JSON on stdin/stdout). */
  protocol: z.enum(PROTOCOLS).optional(),
});

/** A declarative system as written (see specSchema). */
export type DeclarativeSpec = z.infer<typeof specSchema> & { name: string };

/** Port used when a spec gives none. */
export const DEFAULT_PORT = 8000;
/** Data folder used when a spec gives none. */
export const defaultDataDir = (name: string) => `/var/lib/faultline-sut/${name}`;

const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

function valueAt(v: unknown, path: readonly PropertyKey[]): unknown {
  let cur = v;
  for (const p of path)
    cur = cur && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[p] : undefined;
  return cur;
}

/**
 * Validates a declarative system (parsed JSON or a test file's object). `where` starts every error (e.g.
 * the file name); `defaultName` is used when the spec has no `name` (a file's base name). Throws
 * UserError: one line naming the key and what was expected.
 */
export function parseSpec(raw: unknown, where: string, defaultName?: string): DeclarativeSpec {
  const r = specSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const at = issue.path.length ? `${keyPath(issue.path)}: ` : '';
      const known = issue.path.length === 0 ? Object.keys(specSchema.shape).join(', ') : undefined;
      throw new UserError(
        `${where}: ${at}unknown key ${issue.keys.join(', ')}${known ? `: the keys are ${known}` : ''}`,
      );
    }
    const v = valueAt(raw, issue.path);
    const got = v === undefined ? 'missing' : show(v);
    throw new UserError(`${where}: ${keyPath(issue.path)}: ${got}: ${issue.message}`);
  }
  const name = r.data.name ?? defaultName;
  if (name === undefined) throw new UserError(`${where}: name: missing: give the system a short name`);
  if (!NAME.test(name))
    throw new UserError(`${where}: name: ${show(name)}: expected letters, digits, ".", "_" or "-"`);
  const spec = { ...r.data, name };
  const check = (key: string, args: readonly string[] | undefined) => {
    args?.forEach((a, i) => {
      const bad = unknownPlaceholders(a);
      if (bad.length)
        throw new UserError(
          `${where}: ${key}[${i}]: unknown placeholder {${bad[0]}}: use ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
        );
    });
  };
  check('start', spec.start);
  check('ready.command', spec.ready?.command);
  check('version', spec.version);
  for (const [k, v] of Object.entries(spec.env ?? {})) {
    const bad = unknownPlaceholders(v);
    if (bad.length) throw new UserError(`${where}: env.${k}: unknown placeholder {${bad[0]}}`);
  }
  if (spec.ready?.tcp !== undefined && spec.ready.command !== undefined)
    throw new UserError(`${where}: ready: give either tcp or command, not both`);
  if (spec.protocol === 'maelstrom' && spec.ready)
    throw new UserError(
      `${where}: ready: not used with protocol maelstrom (the node is ready once it answered init)`,
    );
  return spec;
}
