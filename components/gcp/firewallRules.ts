/**
 * Firewall intent for one datacenter, as data: who may reach which ports on which tag.
 * Pure, so the rules are tested directly; `Network` turns each into a `gcp.compute.Firewall`.
 */
import { HEALTH_CHECK_RANGES, IAP_RANGE, PORTS } from "../config/constants";

/** Network tags of one datacenter's VMs (cloud auto-join looks for the server tag). */
export function clusterTags(datacenter: string): { server: string; client: string } {
  return { server: `${datacenter}-server`, client: `${datacenter}-client` };
}

/** Nomad's default dynamic port range, used by sidecars and bridge-mode tasks. */
export const NOMAD_DYNAMIC_PORTS = "20000-32000";

/** One ingress rule. Exactly one of sourceRanges / sourceTags is set. */
export interface FirewallRuleSpec {
  /** Suffix of the rule name (`<datacenter>-<role>`). */
  role: string;
  description: string;
  sourceRanges?: string[];
  sourceTags?: string[];
  targetTags: string[];
  allow: { protocol: "tcp" | "udp"; ports: string[] }[];
}

/** What the rules depend on. */
export interface FirewallInput {
  datacenter: string;
  operatorCidrs: string[];
  apiGatewayCidrs: string[];
  meshGatewayCidrs: string[];
  apiGatewayPort: number;
  /** Whether the API gateway exists (frontend replicas > 0). */
  apiGateway: boolean;
  sshViaIap: boolean;
}

/** The ingress rules of a datacenter. Nothing else is open: GCE denies ingress by default. */
export function firewallRules(i: FirewallInput): FirewallRuleSpec[] {
  const tags = clusterTags(i.datacenter);
  const both = [tags.server, tags.client];
  const p = (n: number) => String(n);
  const rules: FirewallRuleSpec[] = [
    {
      role: "internal",
      description:
        "Consul and Nomad between the datacenter's own VMs (RPC, gossip, HTTPS, gRPC, DNS), and the mesh gateway",
      sourceTags: both,
      targetTags: both,
      allow: [
        {
          protocol: "tcp",
          ports: [
            `${PORTS.consulServerRpc}-${PORTS.consulSerfWan}`,
            p(PORTS.consulHttps),
            p(PORTS.consulGrpcTls),
            p(PORTS.consulDns),
            `${PORTS.nomadHttp}-${PORTS.nomadSerf}`,
            p(PORTS.meshGateway),
          ],
        },
        // Serf gossips over TCP and UDP: Consul LAN/WAN 8301-8302 (Consul's port table) and
        // Nomad 4648 (Nomad's production requirements, "Ports used": TCP and UDP).
        {
          protocol: "udp",
          ports: [
            `${PORTS.consulSerfLan}-${PORTS.consulSerfWan}`,
            p(PORTS.consulDns),
            p(PORTS.nomadSerf),
          ],
        },
      ],
    },
    {
      role: "client-workloads",
      description: "Envoy sidecars and bridge-mode tasks between clients (Nomad dynamic ports)",
      sourceTags: [tags.client],
      targetTags: [tags.client],
      allow: [{ protocol: "tcp", ports: [NOMAD_DYNAMIC_PORTS] }],
    },
    {
      role: "health-checks",
      description: "Google health-check probes to the load-balanced and autohealed ports only",
      sourceRanges: [...HEALTH_CHECK_RANGES],
      targetTags: both,
      allow: [
        {
          protocol: "tcp",
          ports: [
            p(PORTS.consulHttps),
            p(PORTS.nomadHttp),
            p(PORTS.meshGateway),
            ...(i.apiGateway ? [p(i.apiGatewayPort)] : []),
          ],
        },
      ],
    },
    {
      role: "operators",
      description:
        "Operators to the control plane (Consul HTTPS, Nomad HTTPS) through the control-plane load balancer",
      sourceRanges: [...i.operatorCidrs],
      targetTags: [tags.server],
      allow: [{ protocol: "tcp", ports: [p(PORTS.consulHttps), p(PORTS.nomadHttp)] }],
    },
    {
      role: "mesh-gateway",
      description: "Peer datacenters to the mesh gateway (mTLS, SNI-routed)",
      sourceRanges: [...i.meshGatewayCidrs],
      targetTags: [tags.client],
      allow: [{ protocol: "tcp", ports: [p(PORTS.meshGateway)] }],
    },
  ];
  if (i.apiGateway) {
    rules.push({
      role: "api-gateway",
      description: "Users to the API gateway listener",
      sourceRanges: [...i.apiGatewayCidrs],
      targetTags: [tags.client],
      allow: [{ protocol: "tcp", ports: [p(i.apiGatewayPort)] }],
    });
  }
  if (i.sshViaIap) {
    rules.push({
      role: "iap-ssh",
      description: "SSH through Identity-Aware Proxy TCP forwarding only",
      sourceRanges: [IAP_RANGE],
      targetTags: both,
      allow: [{ protocol: "tcp", ports: ["22"] }],
    });
  }
  return rules;
}
