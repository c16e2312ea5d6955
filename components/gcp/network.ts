/**
 * The datacenter's network: custom-mode VPC `<datacenter>-network`, one regional subnet,
 * Cloud Router + NAT for egress (VMs have no public IPs), the firewall rules, and the
 * control plane's reserved static IP (reserved here because the server certificate must carry
 * it before any VM boots). The gateways reserve their own addresses (mesh/meshGateway.ts,
 * mesh/apiGateway.ts) with {@link staticAddress}.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { FirewallRuleSpec } from "./firewallRules";

/** Arguments of {@link Network}. */
export interface NetworkArgs {
  datacenter: string;
  region: string;
  subnetCidr: string;
  /** Ingress rules, from `firewallRules`. */
  firewall: FirewallRuleSpec[];
}

/** Arguments of {@link staticAddress}. */
export interface StaticAddressArgs {
  datacenter: string;
  region: string;
  /** Short role; the GCE name is `<datacenter>-<role>`. */
  role: string;
}

/**
 * A reserved regional external IP (premium tier) named `<datacenter>-<role>`. Fixed GCE name:
 * a replacement must delete the old address first or the create fails.
 */
export function staticAddress(
  name: string,
  args: StaticAddressArgs,
  opts: pulumi.CustomResourceOptions,
): gcp.compute.Address {
  return new gcp.compute.Address(
    name,
    {
      name: `${args.datacenter}-${args.role}`,
      region: args.region,
      addressType: "EXTERNAL",
      networkTier: "PREMIUM",
    },
    { ...opts, deleteBeforeReplace: true },
  );
}

/** VPC, subnet, NAT, firewall and the control plane's static address of one datacenter. */
export class Network extends pulumi.ComponentResource {
  public readonly network: gcp.compute.Network;
  public readonly subnetwork: gcp.compute.Subnetwork;
  public readonly firewalls: gcp.compute.Firewall[];
  /** The control-plane LB's static external IP. */
  public readonly controlPlaneAddress: gcp.compute.Address;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:gcp:Network", name, {}, opts);
    const dc = args.datacenter;
    // Fixed GCE names: a replacement must delete the old object first or the create fails.
    const named = { parent: this, deleteBeforeReplace: true };

    this.network = new gcp.compute.Network(
      `${name}-vpc`,
      { name: `${dc}-network`, autoCreateSubnetworks: false, routingMode: "REGIONAL" },
      named,
    );
    this.subnetwork = new gcp.compute.Subnetwork(
      `${name}-subnet`,
      {
        name: `${dc}-subnet`,
        region: args.region,
        network: this.network.id,
        ipCidrRange: args.subnetCidr,
        // VMs without external IPs still reach Google APIs (Secret Manager, logging).
        privateIpGoogleAccess: true,
      },
      named,
    );
    const router = new gcp.compute.Router(
      `${name}-router`,
      { name: `${dc}-router`, region: args.region, network: this.network.id },
      named,
    );
    new gcp.compute.RouterNat(
      `${name}-nat`,
      {
        name: `${dc}-nat`,
        region: args.region,
        router: router.name,
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
      },
      named,
    );
    this.firewalls = args.firewall.map(
      (rule) =>
        new gcp.compute.Firewall(
          `${name}-fw-${rule.role}`,
          {
            name: `${dc}-${rule.role}`,
            description: rule.description,
            network: this.network.id,
            direction: "INGRESS",
            sourceRanges: rule.sourceRanges,
            sourceTags: rule.sourceTags,
            targetTags: rule.targetTags,
            allows: rule.allow.map((a) => ({ protocol: a.protocol, ports: a.ports })),
          },
          named,
        ),
    );
    this.controlPlaneAddress = staticAddress(
      `${name}-control-plane-ip`,
      { datacenter: dc, region: args.region, role: "control-plane" },
      { parent: this },
    );

    this.registerOutputs({ network: this.network.id, subnetwork: this.subnetwork.id });
  }
}
