/**
 * A datacenter's mesh gateway, all of it: the reserved static IP peers dial (peering tokens
 * carry it), the passthrough LB sending it to the client running the gateway, the ACL
 * policy, role and binding rule the gateway's workload token gets, and the Nomad job.
 * `ready` is what peering waits for: the job, which completes only once the gateway is
 * healthy.
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { childOf } from "../config/childOptions";
import { PORTS } from "../config/constants";
import { PassthroughLoadBalancer } from "../gcp/loadBalancer";
import { staticAddress } from "../gcp/network";
import { GATEWAY_SELECTORS, MESH_GATEWAY_RULES } from "./gatewayPolicies";
import { GatewayArgs } from "./gatewayArgs";
import { jobspecJob } from "./jobspecs";

/** Short role of the gateway's GCE objects: `<datacenter>-mesh-gateway`. */
const ROLE = "mesh-gateway";

/** Arguments of {@link MeshGateway}: those of every gateway. */
export type MeshGatewayArgs = GatewayArgs;

/**
 * Address, LB, ACLs and job of the mesh gateway. `opts` carry the Consul provider; the
 * in-cluster children alone are deleted with `args.inClusterDeletedWith` (gatewayArgs.ts).
 */
export class MeshGateway extends pulumi.ComponentResource {
  /** The static IP: the gateway's WAN address and the LB's frontend. */
  public readonly address: pulumi.Output<string>;
  /** What peering tokens and peerings wait for: the gateway's job, healthy. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: MeshGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:mesh:MeshGateway", name, {}, opts);
    const dc = args.datacenter;
    const gce = { datacenter: dc, region: args.region, role: ROLE };
    this.address = staticAddress(`${name}-ip`, gce, { parent: this }).address;
    // Healthy only on the client running the gateway: traffic goes there.
    new PassthroughLoadBalancer(
      `${name}-lb`,
      {
        ...gce,
        address: this.address,
        ports: [PORTS.meshGateway],
        healthCheck: { port: PORTS.meshGateway },
        instanceGroup: args.clientInstanceGroup,
      },
      { parent: this },
    );

    const keyed = { ...childOf(this, args), deleteBeforeReplace: true };
    const policy = new consul.AclPolicy(
      `${name}-policy`,
      {
        name: "mesh-gateway",
        description: "Mesh gateways",
        rules: JSON.stringify(MESH_GATEWAY_RULES),
      },
      keyed,
    );
    const role = new consul.AclRole(
      `${name}-role`,
      { name: "mesh-gateway-role", description: "Mesh gateways", policies: [policy.id] },
      keyed,
    );
    const rule = new consul.AclBindingRule(
      `${name}-binding-rule`,
      {
        authMethod: args.authMethod,
        description: "Mesh gateway workload identities get the mesh-gateway role",
        bindType: "role",
        bindName: role.name,
        selector: GATEWAY_SELECTORS.meshGateway,
      },
      keyed,
    );
    // A workload token minted before its binding rule exists keeps missing permissions:
    // the job waits for the identity rules and its own ACLs.
    const job = jobspecJob(
      `${name}-job`,
      {
        nomad: args.nomad,
        file: "mesh-gateway.nomad.hcl",
        variables: { datacenter: dc, wan_address: this.address, port: String(PORTS.meshGateway) },
      },
      { ...childOf(this, args), dependsOn: [...args.identity, policy, role, rule] },
    );
    this.ready = [job];
    this.registerOutputs({ address: this.address });
  }
}
