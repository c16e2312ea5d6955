/**
 * ACLs the gateways need before any gateway job starts (a workload token minted earlier
 * keeps missing permissions): the mesh gateway's policy, role and binding rule; the Nomad
 * namespace `ingress` and the `builtin/api-gateway` templated-policy binding rule for jobs
 * in it.
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { NomadConnectionArgs } from "../nomad/nomadJob";
import { SERVICES } from "./configEntries";
import { NomadNamespace } from "../nomad/nomadNamespace";
import { childOf } from "../config/childOptions";

/** Nomad namespace of the API gateway job. */
export const INGRESS_NAMESPACE = "ingress";

/**
 * Mesh gateway ACL rules (Consul CE form of the seed's policy; `partition_prefix` blocks
 * are Enterprise-only): write mesh config, read peerings and all services.
 */
export const MESH_GATEWAY_RULES = {
  mesh: "write",
  peering: "read",
  service_prefix: { "": { policy: "read" } },
};

/** The mesh gateway's Nomad job and namespace (jobspecs/mesh-gateway.nomad.hcl). */
export const MESH_GATEWAY_JOB = { id: "mesh-gateway", namespace: "default" } as const;

/**
 * Binding-rule selectors, over the claims Nomad's workload identities carry (nomad_namespace,
 * nomad_job_id, nomad_service: IdentityClaims in nomad/structs/workload_id.go) as mapped by
 * the auth method's ClaimMappings. The mesh gateway's role grants mesh:write, so its rule
 * matches the service only in the mesh-gateway job of its namespace: any other job that
 * names a service "mesh-gateway", in any namespace, gets no mesh:write.
 */
export const GATEWAY_SELECTORS = {
  meshGateway:
    `value.nomad_service=="${SERVICES.meshGateway}" and ` +
    `value.nomad_namespace=="${MESH_GATEWAY_JOB.namespace}" and ` +
    `value.nomad_job_id=="${MESH_GATEWAY_JOB.id}"`,
  apiGateway: `"nomad_service" not in value and value.nomad_namespace==${INGRESS_NAMESPACE}`,
} as const;

/** Arguments of {@link GatewayAcls}. */
export interface GatewayAclsArgs {
  /** The JWT auth method's name (an Output, so rules follow the method). */
  authMethod: pulumi.Input<string>;
  /** Whether this datacenter runs the API gateway. */
  apiGateway: boolean;
  nomad: NomadConnectionArgs;
}

/** Mesh-gateway and API-gateway ACL objects. */
export class GatewayAcls extends pulumi.ComponentResource {
  /** What a mesh gateway job must wait for. */
  public readonly meshGatewayReady: pulumi.Resource[];
  /** What the API gateway job must wait for (empty without an API gateway). */
  public readonly apiGatewayReady: pulumi.Resource[];
  public readonly ingressNamespace?: NomadNamespace;

  constructor(name: string, args: GatewayAclsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:consul:GatewayAcls", name, {}, opts);
    const keyed = { ...childOf(this, opts), deleteBeforeReplace: true };
    const policy = new consul.AclPolicy(
      `${name}-mesh-gateway-policy`,
      {
        name: "mesh-gateway",
        description: "Mesh gateways",
        rules: JSON.stringify(MESH_GATEWAY_RULES),
      },
      keyed,
    );
    const role = new consul.AclRole(
      `${name}-mesh-gateway-role`,
      { name: "mesh-gateway-role", description: "Mesh gateways", policies: [policy.id] },
      keyed,
    );
    const meshRule = new consul.AclBindingRule(
      `${name}-mesh-gateway-rule`,
      {
        authMethod: args.authMethod,
        description: "Mesh gateway workload identities get the mesh-gateway role",
        bindType: "role",
        bindName: role.name,
        selector: GATEWAY_SELECTORS.meshGateway,
      },
      keyed,
    );
    this.meshGatewayReady = [policy, role, meshRule];

    this.apiGatewayReady = [];
    if (args.apiGateway) {
      this.ingressNamespace = new NomadNamespace(
        `${name}-ingress-namespace`,
        { connection: args.nomad, name: INGRESS_NAMESPACE, description: "Consul API gateways" },
        childOf(this, opts),
      );
      const apiRule = new consul.AclBindingRule(
        `${name}-api-gateway-rule`,
        {
          authMethod: args.authMethod,
          description: "API gateway tasks in Nomad namespace ingress",
          bindType: "templated-policy",
          bindName: "builtin/api-gateway",
          bindVars: { name: "${value.nomad_job_id}" },
          selector: GATEWAY_SELECTORS.apiGateway,
        },
        keyed,
      );
      this.apiGatewayReady = [this.ingressNamespace, apiRule];
    }
    this.registerOutputs({});
  }
}
