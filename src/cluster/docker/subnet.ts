/** Picking a run's subnet: a /24 (by default) from a pool, not overlapping any existing Docker network. Pure. */

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseCidr(s: string): Cidr {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s.trim());
  if (!m) throw new Error(`not an IPv4 CIDR: ${s}`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`not an IPv4 CIDR: ${s}`);
  const addr = octets.reduce((a, o) => a * 256 + o, 0);
  return { base: addr - (addr % 2 ** (32 - prefix)), prefix };
}

export function ipToString(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function cidrToString(c: Cidr): string {
  return `${ipToString(c.base)}/${c.prefix}`;
}

function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/**
 * The first `prefix`-sized block of `pool` that overlaps none of `taken` (IPv6 and junk entries ignored)
 * and is not in `skip`; null when the pool is full.
 */
export function chooseSubnet(
  pool: string,
  taken: readonly string[],
  prefix = 24,
  skip: readonly string[] = [],
): string | null {
  const p = parseCidr(pool);
  if (prefix < p.prefix || prefix > 30) throw new Error(`cannot split ${pool} into /${prefix}s`);
  const used: Cidr[] = [];
  for (const t of [...taken, ...skip]) {
    try {
      used.push(parseCidr(t));
    } catch {
      // IPv6 or malformed: cannot collide with an IPv4 block.
    }
  }
  const step = 2 ** (32 - prefix);
  for (let base = p.base; base < p.base + size(p); base += step) {
    const c = { base, prefix };
    if (!used.some((u) => overlaps(c, u))) return cidrToString(c);
  }
  return null;
}

/** Address of host number `n` inside a subnet (n=1 is the gateway by convention). */
export function hostAddress(subnet: string, n: number): string {
  const c = parseCidr(subnet);
  if (n < 1 || n >= size(c) - 1) throw new Error(`host ${n} does not fit in ${subnet}`);
  return ipToString(c.base + n);
}

/** Node i (1-based) gets host number 10+i, leaving .2–.10 for anything the engine or user adds. */
export function nodeAddress(subnet: string, i: number): string {
  return hostAddress(subnet, 10 + i);
}
