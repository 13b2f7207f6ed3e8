/**
 * The `Host` check of `faultline serve` against DNS rebinding: a page on evil.example whose name is made
 * to resolve to 127.0.0.1 reaches the server, but its requests carry `Host: evil.example`. Only names
 * that cannot be rebound are accepted: localhost, IP literals, and the --host the server was started with.
 */
import { isIP } from 'node:net';

/** `host[:port]` or `[v6]:port` → lowercase name (brackets kept off) and port (undefined when absent). */
export function parseHostHeader(value: string): { name: string; port: number | undefined } | undefined {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return undefined;
  const name = (m[1] ?? m[2]!).toLowerCase().replace(/\.$/, '');
  return { name, port: m[3] === undefined ? undefined : Number(m[3]) };
}

/**
 * True when a request's `Host` header names this server: localhost (or a *.localhost name, which
 * resolvers keep on loopback), an IP literal (no DNS involved, so nothing to rebind), or `boundHost`
 * (the --host given); with the port the server listens on (no port = 80). A missing header is refused.
 */
export function hostAllowed(header: string | undefined, boundHost: string, boundPort: number): boolean {
  if (header === undefined) return false;
  const h = parseHostHeader(header);
  if (!h) return false;
  if ((h.port ?? 80) !== boundPort) return false;
  const bound = boundHost.toLowerCase().replace(/^\[|\]$/g, '');
  return h.name === 'localhost' || h.name.endsWith('.localhost') || isIP(h.name) !== 0 || h.name === bound;
}
