/**
 * What the gateways' ACLs select and grant (pure; the resources live in meshGateway.ts and
 * apiGateway.ts): the mesh gateway's rules and job, the API gateway's Nomad namespace, and
 * the binding-rule selectors over Nomad's workload-identity claims.
 */
import { SERVICES } from "./configEntries";

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
