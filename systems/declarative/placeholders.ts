/**
 * Placeholders in a declarative system's command lines (`start`, `ready.command`, `version`, `env`):
 * `{node}` this node's name, `{nodes}` every node's name (comma-separated, in order), `{peers}` the other
 * nodes' `ip:port` (comma-separated), `{port}` the program's port, `{dataDir}` its data folder, `{ip}` this
 * node's address. Pure: no I/O.
 */

/** The placeholder names, in the order the docs list them. */
export const PLACEHOLDERS = ['node', 'nodes', 'peers', 'port', 'dataDir', 'ip'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** A value for every placeholder on one node. */
export type PlaceholderValues = Record<Placeholder, string>;

const PATTERN = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The names in `{…}` of `arg` that are not placeholders (empty when every one is known). */
export function unknownPlaceholders(arg: string): string[] {
  const out: string[] = [];
  for (const m of arg.matchAll(PATTERN))
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** `arg` with every known placeholder replaced by its value (unknown `{…}` are left as they are). */
export function substitute(arg: string, values: PlaceholderValues): string {
  return arg.replace(PATTERN, (whole, name: string) =>
    (PLACEHOLDERS as readonly string[]).includes(name) ? values[name as Placeholder] : whole,
  );
}

/** The placeholder values of node `self` in a cluster of `nodes` (names and IPs), all on `port`. */
export function placeholderValues(
  self: string,
  nodes: readonly { name: string; ip: string }[],
  port: number,
  dataDir: string,
): PlaceholderValues {
  const me = nodes.find((n) => n.name === self);
  return {
    node: self,
    nodes: nodes.map((n) => n.name).join(','),
    peers: nodes
      .filter((n) => n.name !== self)
      .map((n) => `${n.ip}:${port}`)
      .join(','),
    port: String(port),
    dataDir,
    ip: me?.ip ?? '',
  };
}
