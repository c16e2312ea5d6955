/**
 * The datacenter's own address ranges and who reaches its control plane: the subnet, Nomad's
 * bridge (both clear of Docker's), the operator ranges and their opt-in to go wide. Pure
 * checks over a {@link ConfigReader}; the rules themselves live in `networks.ts`.
 */
import { Cidr, cidrBlocks, isPrivate, overlaps, parseCidr } from "./cidr";
import { DOCKER_BRIDGE, bridgeRange, operatorExposure, reachableFromInternet } from "./networks";
import { Checked, ConfigReader } from "./reader";

/** The ranges as parsed (meaningful only when no problem was found). */
export interface Networks {
  /** The subnet block; undefined when `subnetCidr` failed its own checks. */
  subnet?: Cidr;
  subnetCidr: string;
  nomadBridgeCidr: string;
  operatorCidrs: string[];
}

/** What `subnetCidr` allows. */
export const SUBNET_ALLOWED = "a private IPv4 CIDR block from /16 to /28";

/**
 * Refuses a source list `k` that holds no public address (when the list itself passed): an
 * external load balancer only ever sees public sources. `who` says who must get in.
 */
export function unreachable(r: ConfigReader, k: string, list: string[], who: string): void {
  const allowed = r.clean(k) && reachableFromInternet(cidrBlocks(list), who);
  if (allowed) r.fail(k, allowed);
}

/** The subnet's block, when it is one: private, from /16 to /28. */
function subnetBlock(r: ConfigReader, raw: string): Cidr | undefined {
  const p = parseCidr(raw);
  if (typeof p === "string") r.fail("subnetCidr", `a private IPv4 CIDR block: ${p}`);
  else if (!isPrivate(p) || p.prefix < 16 || p.prefix > 28) {
    r.fail(
      "subnetCidr",
      "a CIDR block from /16 to /28 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
    );
  } else return p;
  return undefined;
}

/**
 * The subnet, Nomad's bridge (private, clear of the subnet and Docker, room for the
 * allocations), the subnet clear of Docker's bridge, then the operator ranges: parsed, within
 * the public-address limit unless opted in, and holding a public address.
 */
export function checkNetworks(r: ConfigReader): Checked<Networks> {
  const subnetRaw = r.required("subnetCidr", SUBNET_ALLOWED);
  const subnet = subnetRaw === undefined ? undefined : subnetBlock(r, subnetRaw);
  const bridgeRaw = r.value("nomadBridgeCidr") ?? "";
  const bridge = parseCidr(bridgeRaw);
  if (typeof bridge === "string")
    r.failWith("nomadBridgeCidr", `an IPv4 CIDR block: ${bridge}`, bridgeRaw);
  else
    for (const allowed of bridgeRange(bridge, subnet))
      r.failWith("nomadBridgeCidr", allowed, bridgeRaw);
  if (subnet && overlaps(subnet, parseCidr(DOCKER_BRIDGE) as Cidr))
    r.fail("subnetCidr", `a range that does not overlap Docker's bridge ${DOCKER_BRIDGE}`);

  const operatorCidrs = r.cidrList("operatorCidrs");
  const allowWide = r.flag("allowWideOperatorCidrs");
  const exposure =
    r.clean("operatorCidrs") && operatorExposure(cidrBlocks(operatorCidrs), allowWide);
  if (exposure) r.fail("operatorCidrs", exposure);
  unreachable(
    r,
    "operatorCidrs",
    operatorCidrs,
    "this program and operators reach the control plane",
  );
  return r.result({
    subnet,
    subnetCidr: subnetRaw ?? "",
    nomadBridgeCidr: bridgeRaw,
    operatorCidrs,
  });
}
