/**
 * What every gateway component takes (MeshGateway, ApiGateway). A gateway holds GCP objects
 * (its static address and LB) beside in-cluster objects (ACLs, Nomad namespace and job,
 * entries): it is registered with the Consul provider only, and only its in-cluster children
 * are deleted with the server group (config/childOptions.ts, childOf).
 */
import * as pulumi from "@pulumi/pulumi";
import { InClusterArgs } from "../config/childOptions";
import { NomadConnectionArgs } from "../nomad/nomadJob";

/** Arguments of every gateway component (MeshGateway, ApiGateway). */
export interface GatewayArgs extends InClusterArgs {
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
