/**
 * Options of a gateway component (MeshGateway, ApiGateway), which holds GCP objects (its
 * static address and LB) beside in-cluster objects (ACLs, Nomad namespace and job, entries).
 */
import * as pulumi from "@pulumi/pulumi";
import { NomadConnectionArgs } from "../nomad/nomadJob";

/** What every gateway component takes (MeshGateway, ApiGateway). */
export interface GatewayArgs {
  datacenter: string;
  region: string;
  /** The client MIG's instance group URL: the LB's backend (the job runs on a client). */
  clientInstanceGroup: pulumi.Input<string>;
  nomad: NomadConnectionArgs;
  /** The workload-identity auth method's name (ServiceMesh.authMethodName). */
  authMethod: pulumi.Input<string>;
  /** What the job waits for besides its own ACLs: the workload identity (ServiceMesh.identity). */
  identity: pulumi.Resource[];
}

/**
 * The gateway component's own registration options: the in-cluster options it receives (the
 * Consul provider, `deletedWith: <server group>`) without `deletedWith`. The engine gives
 * every child that sets no `deletedWith` its parent's (pkg/resource/deploy/source_eval.go,
 * inheritFromParent), so on the component it would reach the address and the LB: a
 * `pulumi destroy` would skip deleting them (leaking the IP and the forwarding rule), and
 * from CLI 3.260 a replaced server group would replace them (a new IP under every peer).
 * The in-cluster children set it explicitly (config/childOptions.ts, childOf with the
 * options received).
 */
export function gatewayComponentOptions(
  opts?: pulumi.ComponentResourceOptions,
): pulumi.ComponentResourceOptions {
  const own = { ...opts };
  delete own.deletedWith;
  return own;
}
