/**
 * The ways into a datacenter from outside: who may reach the API gateway and the mesh
 * gateway, SSH through IAP, and the API gateway's listener port. Pure checks over a
 * {@link ConfigReader}.
 */
import { unreachable } from "./networkChecks";
import { Checked, ConfigReader } from "./reader";
import { ConfigProblem } from "./types";

/**
 * Ports the API-gateway listener must not take: Consul, Nomad, the mesh gateway, and
 * Nomad's default dynamic port range (20000-32000).
 */
export const RESERVED_PORTS: readonly [number, number, string][] = [
  [4646, 4648, "Nomad"],
  [8300, 8302, "Consul"],
  [8500, 8503, "Consul"],
  [8600, 8600, "Consul DNS"],
  [8443, 8443, "the mesh gateway"],
  [19000, 19999, "Envoy admin"],
  [20000, 32000, "Nomad dynamic ports"],
];

/** The ways in, as parsed (meaningful only when no problem was found). */
export interface Gateways {
  apiGatewayCidrs: string[];
  meshGatewayCidrs: string[];
  sshViaIap: boolean;
  apiGatewayPort: number;
}

/**
 * The gateways' source lists, the SSH opt-in, and the API gateway's port: 1024-65535, clear
 * of every port in {@link RESERVED_PORTS}.
 */
export function checkGateways(r: ConfigReader): Checked<Gateways> {
  const apiGatewayCidrs = r.cidrList("apiGatewayCidrs");
  const meshGatewayCidrs = r.cidrList("meshGatewayCidrs");
  const sshViaIap = r.flag("sshViaIap");
  const apiGatewayPort = r.integer("apiGatewayPort", 1024, 65535);
  for (const [lo, hi, owner] of RESERVED_PORTS) {
    if (apiGatewayPort >= lo && apiGatewayPort <= hi)
      r.fail("apiGatewayPort", `a port from 1024 to 65535 not used by ${owner} (${lo}-${hi})`);
  }
  return r.result({ apiGatewayCidrs, meshGatewayCidrs, sshViaIap, apiGatewayPort });
}

/**
 * Who must get through each gateway's load balancer, and so needs a public source range:
 * the peers' servers and gateways through the mesh gateway (when there are peers), users
 * through the API gateway (when the frontend runs).
 */
export function checkGatewayReach(
  r: ConfigReader,
  gateways: Pick<Gateways, "apiGatewayCidrs" | "meshGatewayCidrs">,
  use: { peers: number; frontend: number },
): ConfigProblem[] {
  if (use.peers > 0)
    unreachable(
      r,
      "meshGatewayCidrs",
      gateways.meshGatewayCidrs,
      "the peers' servers and gateways reach the mesh gateway",
    );
  if (use.frontend > 0)
    unreachable(r, "apiGatewayCidrs", gateways.apiGatewayCidrs, "users reach the API gateway");
  return r.problems;
}
