/**
 * Address-range rules of the configuration: how much of the internet may reach the control
 * plane, which source lists can work at all, the Nomad bridge range, and the subnet's room
 * for the instances. Pure: parsed blocks in, the allowed text of a violated rule out.
 */
import {
  Cidr,
  PRIVATE_RANGES,
  contains,
  isPrivate,
  lastAddress,
  overlaps,
  parseCidr,
} from "./cidr";
import { HEALTH_CHECK_RANGES, IAP_RANGE } from "./constants";
import { orList, problem } from "./problem";
import { ConfigProblem } from "./types";

/** Docker's default bridge `docker0`; clients run Docker. */
export const DOCKER_BRIDGE = "172.17.0.0/16";

/**
 * Ranges a bridge range must never shadow, named as messages show them. Being inside
 * RFC 1918 already keeps a bridge off all of them; the names say why a public one is wrong.
 */
const NAMED_RANGES: readonly { name: string; cidrs: readonly string[]; note?: string }[] = [
  { name: "link-local", cidrs: ["169.254.0.0/16"], note: "the GCE metadata server" },
  { name: "loopback", cidrs: ["127.0.0.0/8"] },
  { name: "Google's health checks", cidrs: HEALTH_CHECK_RANGES },
  { name: "IAP's TCP forwarding", cidrs: [IAP_RANGE] },
];

/**
 * Special-purpose blocks that are never a packet's source on the internet, each named as the
 * message shows it: IETF protocol assignments (RFC 6890; two anycast addresses in it are
 * global, no network of yours), the three documentation TEST-NETs (RFC 5737) and the
 * benchmarking block (RFC 2544). All "globally reachable: false" in the IANA IPv4
 * Special-Purpose Address Registry, as CPython's `ipaddress` lists them
 * (Lib/ipaddress.py `_IPv4Constants._private_networks`). An entry inside one of them is a
 * leftover example (the stack files ship 203.0.113.0/24 as a placeholder): refused at once.
 */
export const SPECIAL_PURPOSE_RANGES: readonly { cidr: string; name: string }[] = [
  { cidr: "192.0.0.0/24", name: "the IETF protocol assignments block (RFC 6890)" },
  { cidr: "192.0.2.0/24", name: "the documentation block TEST-NET-1 (RFC 5737)" },
  { cidr: "198.18.0.0/15", name: "the benchmarking block (RFC 2544)" },
  { cidr: "198.51.100.0/24", name: "the documentation block TEST-NET-2 (RFC 5737)" },
  { cidr: "203.0.113.0/24", name: "the documentation block TEST-NET-3 (RFC 5737)" },
];

/**
 * Addresses that never arrive as a source from the internet: "this network", RFC 1918,
 * shared CGNAT space, loopback, link-local, the special-purpose blocks above, multicast and
 * the reserved 240/4 (RFC 6890). Every other address counts as public. Disjoint blocks, in
 * address order.
 */
export const NON_PUBLIC_RANGES: readonly string[] = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/3",
];

/**
 * The most public addresses `operatorCidrs` may cover without the opt-in: 65,536, one /16.
 * Operator ranges name networks you control (offices, VPN or NAT egress); even a large
 * organisation's egress fits in a /16. More than that, in one block or in pieces
 * (`0.0.0.0/1` + `128.0.0.0/1`), is an ISP's or a cloud provider's shared pool: strangers.
 * Counted over the union of the blocks, so overlaps count once and private ranges not at all.
 */
export const MAX_OPERATOR_PUBLIC_ADDRESSES = 65_536;

/**
 * Smallest bridge range: a /24. Nomad's bridge gives every bridge-mode allocation on a
 * client one address from this range through host-local IPAM, which keeps the network,
 * gateway and broadcast addresses: a /24 leaves 253. The scheduler bin-packs, so all of the
 * demo's bridge-mode allocations (at most 61: three groups of up to 20 and the API gateway)
 * may land on one client, and an update briefly holds old and new addresses: 122 needed,
 * checked against `maxBridgeAllocations` in the tests; the rest is room for your own jobs.
 */
export const MIN_BRIDGE_PREFIX = 24;

/** Addresses GCE keeps in every subnet's primary range (cloud.google.com/vpc/docs/subnets). */
export const GCE_RESERVED_PER_SUBNET = 4;

/**
 * Extra client instances during a rolling update: the client MIG surges by 3 (`nodeGroup.ts`
 * `maxSurgeFixed`, checked equal by a test) before it removes old instances.
 */
export const CLIENT_SURGE = 3;

const parsed = (c: string): Cidr => parseCidr(c) as Cidr;

/** Inclusive address intervals of the blocks, merged (overlaps and neighbours joined). */
function union(blocks: readonly Cidr[]): [number, number][] {
  const sorted = blocks
    .map((b): [number, number] => [b.network, lastAddress(b)])
    .sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** How many public addresses (outside `NON_PUBLIC_RANGES`) the blocks cover together. */
export function publicAddressCount(blocks: readonly Cidr[]): number {
  let count = 0;
  for (const [lo, hi] of union(blocks)) {
    count += hi - lo + 1;
    for (const np of NON_PUBLIC_RANGES.map(parsed)) {
      const overlap = Math.min(hi, lastAddress(np)) - Math.max(lo, np.network) + 1;
      if (overlap > 0) count -= overlap;
    }
  }
  return count;
}

/**
 * `operatorCidrs` rule: at most `MAX_OPERATOR_PUBLIC_ADDRESSES` public addresses unless
 * `hashistack:allowWideOperatorCidrs` is true. Returns the allowed text when violated.
 */
export function operatorExposure(blocks: readonly Cidr[], allowWide: boolean): string | undefined {
  const covered = publicAddressCount(blocks);
  if (allowWide || covered <= MAX_OPERATOR_PUBLIC_ADDRESSES) return undefined;
  return (
    `ranges covering at most ${MAX_OPERATOR_PUBLIC_ADDRESSES} public addresses in total ` +
    `(one /16's worth; these cover ${covered}): the control plane (Consul 8501, Nomad 4646) is for your own networks; ` +
    `set hashistack:allowWideOperatorCidrs to true to open it this wide on purpose`
  );
}

/**
 * A source list for an external load balancer that holds no public address can never match:
 * clients reach the LB's external IP from public addresses (their own or their Cloud NAT's).
 * `who` says who must get in. Returns the allowed text when violated.
 */
export function reachableFromInternet(blocks: readonly Cidr[], who: string): string | undefined {
  if (blocks.length === 0 || publicAddressCount(blocks) > 0) return undefined;
  return `at least one public range: ${who} through an external load balancer, from public addresses only`;
}

/** Allowed text of the bridge range, for every violated rule (most fundamental first). */
export function bridgeRange(bridge: Cidr, subnet: Cidr | undefined): string[] {
  const out: string[] = [];
  if (!isPrivate(bridge)) {
    const hits = NAMED_RANGES.map((r) => ({
      ...r,
      cidrs: r.cidrs.filter((c) => overlaps(bridge, parsed(c))),
    }))
      .filter((r) => r.cidrs.length > 0)
      .map((r) => `${r.name} ${r.cidrs.join(", ")}${r.note ? ` (${r.note})` : ""}`);
    out.push(
      `a private range inside ${orList(PRIVATE_RANGES)}` +
        (hits.length > 0 ? `; this one overlaps ${hits.join("; ")}` : ""),
    );
    return out;
  }
  if (subnet && overlaps(subnet, bridge))
    out.push(`a range that does not overlap hashistack:subnetCidr (${subnet.text})`);
  if (overlaps(bridge, parsed(DOCKER_BRIDGE)))
    out.push(`a range that does not overlap Docker's bridge ${DOCKER_BRIDGE}`);
  if (bridge.prefix > MIN_BRIDGE_PREFIX) {
    out.push(
      `a /${MIN_BRIDGE_PREFIX} or larger block: ${2 ** (32 - MIN_BRIDGE_PREFIX) - 3} allocation addresses per client ` +
        `(this one has ${Math.max(0, 2 ** (32 - bridge.prefix) - 3)})`,
    );
  }
  return out;
}

/**
 * The subnet holds every instance, plus the surge of a rolling client update, plus the
 * addresses GCE keeps. Returns the allowed text when violated.
 */
export function subnetRoom(subnet: Cidr, servers: number, clients: number): string | undefined {
  const needed = servers + clients + CLIENT_SURGE;
  if (2 ** (32 - subnet.prefix) - GCE_RESERVED_PER_SUBNET >= needed) return undefined;
  let prefix = 28;
  while (2 ** (32 - prefix) - GCE_RESERVED_PER_SUBNET < needed) prefix--;
  return (
    `a block with room for ${servers} servers, ${clients} clients and ${CLIENT_SURGE} surge clients ` +
    `(${needed} addresses; GCE keeps ${GCE_RESERVED_PER_SUBNET}): /${prefix} or larger`
  );
}

/** How a source list names its example: a placeholder, never a real range. */
export const CIDR_LIST_ALLOWED =
  'a non-empty JSON list of IPv4 CIDR blocks, e.g. ["<your egress address>/32"]';

/**
 * The allowed text for an entry that lies inside a special-purpose block (no packet ever
 * comes from there), or undefined.
 */
export function specialPurposeEntry(block: Cidr): string | undefined {
  const hit = SPECIAL_PURPOSE_RANGES.find((r) => contains(parsed(r.cidr), block));
  if (!hit) return undefined;
  return (
    `a range real traffic comes from: ${block.text} lies in ${hit.cidr}, ${hit.name}, and no packet ` +
    `on the internet comes from there; put your own range here (your egress address as a /32)`
  );
}

/**
 * A config list of source ranges (JSON, as Pulumi stores arrays): every entry an IPv4 CIDR
 * block outside the special-purpose blocks, each once. `key` is the full key; `raw`
 * undefined means not set (required).
 */
export function parseCidrList(
  key: string,
  raw: string | undefined,
): { list: string[]; problems: ConfigProblem[] } {
  if (raw === undefined)
    return {
      list: [],
      problems: [problem(key, raw, `${CIDR_LIST_ALLOWED} (required, no default)`)],
    };
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === "string"))
    return { list: [], problems: [problem(key, raw, CIDR_LIST_ALLOWED)] };
  const strings = list;
  const problems: ConfigProblem[] = [];
  strings.forEach((c, i) => {
    const block = parseCidr(c);
    const wrong =
      typeof block === "string" ? `an IPv4 CIDR block: ${block}` : specialPurposeEntry(block);
    if (wrong) problems.push(problem(`${key}[${i}]`, c, wrong));
  });
  if (new Set(strings).size !== strings.length)
    problems.push(problem(key, raw, "each CIDR block once"));
  return { list: strings, problems };
}
