/**
 * The hosts of an SSH run, from `--nodes a,b,c` or the text of `--nodes-file` (one `[user@]host[:port]` a
 * line; IPv6 as `[addr]` or `[addr]:port`; blank lines and `#` comments skipped). As Jepsen's
 * `--nodes`/`--nodes-file` (jepsen/cli.clj), plus per-host user and port.
 *
 * Pure logic, no I/O: the caller reads the file.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { UserError } from '../../core/errors.ts';
import type { SshHost } from './types.ts';

/** Defaults for the parts a host entry leaves out. */
export interface HostDefaults {
  /** sshd's port (default 22; `--ssh-port`). */
  port?: number;
  /** Login user (default root; `--username`). */
  username?: string;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const USERNAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;

/**
 * One host entry (`[user@]host[:port]`, `[user@][v6addr]:port`, or a bare IPv6 address) as an SshHost.
 * `where` names its origin in errors (`hosts.txt:3`, `--nodes`). Throws UserError naming `where`.
 */
export function parseHost(entry: string, defaults: HostDefaults = {}, where = '--nodes'): SshHost {
  const text = entry.trim();
  const fail = (why: string): never => {
    throw new UserError(`${where}: ${JSON.stringify(text)} ${why} (expected [user@]host[:port])`);
  };
  if (text === '') fail('is empty');
  let username = defaults.username ?? 'root';
  let rest = text;
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    username = text.slice(0, at);
    rest = text.slice(at + 1);
    if (!USERNAME.test(username)) fail(`has an invalid user name ${JSON.stringify(username)}`);
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) fail('has a "[" without "]"');
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) fail(`has ${JSON.stringify(after)} after "]"`);
      portText = after.slice(1);
    }
    if (!isIPv6(host) && !isIPv4(host) && !HOSTNAME.test(host)) fail('has an invalid address in [ ]');
  } else if (isIPv6(rest)) {
    host = rest; // Bare IPv6: every colon belongs to the address.
  } else {
    const colon = rest.lastIndexOf(':');
    host = colon >= 0 ? rest.slice(0, colon) : rest;
    if (colon >= 0) portText = rest.slice(colon + 1);
    if (host.includes(':')) fail('is an IPv6 address with a port: write it as [addr]:port');
    if (!isIPv4(host) && !HOSTNAME.test(host)) fail('has an invalid host name');
  }
  let port = defaults.port ?? 22;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) fail(`has an invalid port ${JSON.stringify(portText)}`);
    port = Number(portText);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`has port ${port} outside 1..65535`);
  return { name: host, host, port, username };
}

/**
 * `--nodes` entries (each may itself be a comma-separated list) as hosts, in order. Throws UserError on a
 * bad entry or a host given twice.
 */
export function parseNodesList(entries: readonly string[], defaults: HostDefaults = {}): SshHost[] {
  const items = entries.flatMap((e) => e.split(',')).map((e) => e.trim());
  const hosts = items.map((e) => parseHost(e, defaults, '--nodes'));
  checkDuplicates(hosts.map((h, k) => ({ host: h, where: `--nodes entry ${k + 1}` })));
  return hosts;
}

/**
 * The text of a nodes file as hosts, in order. `file` names the file in errors (`hosts.txt:4: …`).
 * Throws UserError on a bad line, a host given twice, or a file without any host.
 */
export function parseNodesFile(text: string, file: string, defaults: HostDefaults = {}): SshHost[] {
  const found: { host: SshHost; where: string }[] = [];
  text.split(/\r?\n/).forEach((raw, k) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `${file}:${k + 1}`;
    if (/\s/.test(line)) {
      throw new UserError(`${where}: ${JSON.stringify(line)} holds more than one word (one host a line)`);
    }
    found.push({ host: parseHost(line, defaults, where), where });
  });
  if (found.length === 0) throw new UserError(`${file}: no hosts in it (one [user@]host[:port] a line)`);
  checkDuplicates(found);
  return found.map((f) => f.host);
}

/** A host named twice (same name, or same address and port) is a mistake: both places are named. */
function checkDuplicates(items: readonly { host: SshHost; where: string }[]): void {
  const byName = new Map<string, string>();
  const byAddr = new Map<string, string>();
  for (const { host, where } of items) {
    const addr = `${host.host.toLowerCase()}:${host.port}`;
    const first = byName.get(host.name.toLowerCase()) ?? byAddr.get(addr);
    if (first !== undefined)
      throw new UserError(`${where}: host ${host.name} is already given at ${first}; name each host once`);
    byName.set(host.name.toLowerCase(), where);
    byAddr.set(addr, where);
  }
}

/** One host's failure, for combineHostFailures. */
export interface HostFailure {
  /** The host's name as the user gave it. */
  host: string;
  /** Its one-line error; a leading `<host>: ` is taken as naming the host. */
  message: string;
}

/**
 * Several hosts' failures as one line, each distinct error said once: hosts whose message is the same
 * (after the leading `<host>: `) are listed together, `hosts a, b, c: <message>`, so a problem every
 * host shares (an unusable private key, a missing known_hosts file) is not repeated once per host; a
 * message only one host gave stays as it was (it names its host already). Groups
 * keep the order of their first host; distinct ones are joined by `; `. Empty input gives ''.
 */
export function combineHostFailures(failures: readonly HostFailure[]): string {
  const groups = new Map<string, { hosts: string[]; first: string }>();
  for (const { host, message } of failures) {
    const body = message.startsWith(`${host}: `) ? message.slice(host.length + 2) : message;
    const g = groups.get(body) ?? { hosts: [], first: message };
    if (!g.hosts.includes(host)) g.hosts.push(host);
    groups.set(body, g);
  }
  // A message of one host stays as it was: it names its host already (`n2: …`, `host X (X:22) is …`).
  return [...groups]
    .map(([body, g]) => (g.hosts.length === 1 ? g.first : `hosts ${g.hosts.join(', ')}: ${body}`))
    .join('; ');
}
