/**
 * Pure IPv4 CIDR helpers used by config validation and firewall rules.
 * Only IPv4: GCE subnets, firewall source ranges and Nomad bridge ranges here are IPv4.
 */

/** A parsed IPv4 CIDR block. */
export interface Cidr {
  /** The block as written. */
  text: string;
  /** First address of the block, as an unsigned 32-bit number. */
  network: number;
  /** Prefix length, 0-32. */
  prefix: number;
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Parses `a.b.c.d/n`. Returns an error string instead of throwing so the caller can
 * aggregate problems. Host bits must be zero: `10.0.0.1/16` is almost always a typo, and
 * GCE rejects it for subnets.
 */
export function parseCidr(text: string): Cidr | string {
  const m = CIDR_RE.exec(text);
  if (!m) return "not an IPv4 CIDR block like 10.2.0.0/16";
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255)) return "an octet is greater than 255";
  if (prefix > 32) return "the prefix length is greater than 32";
  const addr = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (addr % size !== 0) {
    const base = addr - (addr % size);
    return `host bits are set (did you mean ${formatAddress(base)}/${prefix}?)`;
  }
  return { text, network: addr, prefix };
}

/** Formats an unsigned 32-bit number as a dotted quad. */
export function formatAddress(addr: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(addr / 2 ** shift) % 256).join(".");
}

/** The last address of the block. */
export function lastAddress(c: Cidr): number {
  return c.network + 2 ** (32 - c.prefix) - 1;
}

/** True when the two blocks share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/** True when `inner` lies entirely inside `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.network <= inner.network && lastAddress(inner) <= lastAddress(outer);
}

/** RFC 1918 private ranges: a VPC subnet must come from one of them. */
export const PRIVATE_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** True when the block is inside one of the RFC 1918 ranges. */
export function isPrivate(c: Cidr): boolean {
  return PRIVATE_RANGES.some((r) => contains(parseCidr(r) as Cidr, c));
}

/** The world: `0.0.0.0/0`. */
export const WORLD = "0.0.0.0/0";

/** The blocks of a list that parse (entries that do not are reported by their own check). */
export function cidrBlocks(list: readonly string[]): Cidr[] {
  return list.map((c) => parseCidr(c)).filter((c): c is Cidr => typeof c !== "string");
}
