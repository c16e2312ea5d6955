/**
 * The Nomad jobs of a datacenter, from `jobspecs/`: the mesh gateway (healthy before the
 * resource completes: peering tokens carry its address), the API gateway in namespace
 * `ingress`, the demo backends and the frontend.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { NomadJob, NomadConnectionArgs } from "../nomad/nomadJob";
import { childOf } from "../config/childOptions";
import { PORTS } from "../config/constants";

/** Reads a jobspec shipped in `jobspecs/`. */
export function readJobspec(file: string): string {
  return fs.readFileSync(path.join(__dirname, "..", "..", "jobspecs", file), "utf8");
}

/** Arguments of {@link Workloads}. */
export interface WorkloadsArgs {
  datacenter: string;
  nomad: NomadConnectionArgs;
  /** The mesh gateway LB's static IP (the gateway's WAN address). */
  meshGatewayAddress: pulumi.Input<string>;
  replicas: { publicApi: number; privateApi: number; frontend: number };
  /** What front-service calls (local and peer upstreams). */
  upstreamUris: string;
  /** API gateway settings; absent when this datacenter runs no frontend. */
  apiGateway?: {
    listenerPort: number;
    namespace: string;
    consulImage: string;
    caPem: pulumi.Input<string>;
  };
  /** Explicit edges: workload identity (every job), gateway ACLs, service defaults. */
  after: {
    identity: pulumi.Resource[];
    meshGateway: pulumi.Resource[];
    apiGateway: pulumi.Resource[];
    services: pulumi.Resource[];
  };
}

/** mesh-gateway, api-gateway, demo-backends and front-service jobs. */
export class Workloads extends pulumi.ComponentResource {
  public readonly meshGateway: NomadJob;
  public readonly apiGateway?: NomadJob;
  public readonly backends: NomadJob;
  public readonly frontend?: NomadJob;

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:nomad:Workloads", name, {}, opts);
    const job = (
      role: string,
      file: string,
      variables: Record<string, pulumi.Input<string>>,
      after: pulumi.Resource[],
    ) =>
      new NomadJob(
        `${name}-${role}`,
        { connection: args.nomad, jobspec: readJobspec(file), variables },
        { ...childOf(this, opts), dependsOn: after },
      );
    const dc = args.datacenter;
    const { identity } = args.after;

    // A workload token minted before its binding rule exists keeps missing permissions:
    // each job waits for the rules and roles it logs in with.
    this.meshGateway = job(
      "mesh-gateway",
      "mesh-gateway.nomad.hcl",
      { datacenter: dc, wan_address: args.meshGatewayAddress, port: String(PORTS.meshGateway) },
      [...identity, ...args.after.meshGateway],
    );
    this.backends = job(
      "backends",
      "backends.nomad.hcl",
      {
        datacenter: dc,
        public_replicas: String(args.replicas.publicApi),
        private_replicas: String(args.replicas.privateApi),
      },
      [...identity, ...args.after.services],
    );
    if (args.replicas.frontend > 0) {
      this.frontend = job(
        "frontend",
        "frontend.nomad.hcl",
        {
          datacenter: dc,
          replicas: String(args.replicas.frontend),
          upstream_uris: args.upstreamUris,
        },
        [...identity, ...args.after.services],
      );
    }
    if (args.apiGateway) {
      this.apiGateway = job(
        "api-gateway",
        "api-gateway.nomad.hcl",
        {
          datacenter: dc,
          namespace: args.apiGateway.namespace,
          listener_port: String(args.apiGateway.listenerPort),
          consul_image: args.apiGateway.consulImage,
          consul_ca_pem: args.apiGateway.caPem,
        },
        [...identity, ...args.after.apiGateway],
      );
    }
    this.registerOutputs({});
  }
}
