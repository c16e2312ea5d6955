/**
 * The demo services of a datacenter as Nomad jobs: the backends (public-api and private-api)
 * and, where configured, the frontend (front-service), which calls both backends locally and
 * private-api in every peer.
 */
import * as pulumi from "@pulumi/pulumi";
import { childOf, InClusterArgs } from "../config/childOptions";
import { NomadConnectionArgs, NomadJob } from "../nomad/nomadJob";
import { frontendUpstreams, jobspecJob } from "./jobspecs";

/** Arguments of {@link DemoServices}. */
export interface DemoServicesArgs extends InClusterArgs {
  datacenter: string;
  nomad: NomadConnectionArgs;
  /** Instances of each service; no frontend job at 0. */
  replicas: { publicApi: number; privateApi: number; frontend: number };
  /**
   * Every configured peer's name, deferred or not: the frontend's upstream list stays the
   * same across npm run deploy's two phases (no job update when the peering is completed).
   */
  peerNames: string[];
  /** What the jobs wait for: identity, proxy- and service-defaults (ServiceMesh.servicesReady). */
  after: pulumi.Resource[];
}

/** The backends and frontend jobs. */
export class DemoServices extends pulumi.ComponentResource {
  public readonly backends: NomadJob;
  public readonly frontend?: NomadJob;

  constructor(name: string, args: DemoServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:mesh:DemoServices", name, {}, opts);
    const dc = args.datacenter;
    const jobOpts = { ...childOf(this, args), dependsOn: args.after };
    this.backends = jobspecJob(
      `${name}-backends`,
      {
        nomad: args.nomad,
        file: "backends.nomad.hcl",
        variables: {
          datacenter: dc,
          public_replicas: String(args.replicas.publicApi),
          private_replicas: String(args.replicas.privateApi),
        },
      },
      jobOpts,
    );
    if (args.replicas.frontend > 0) {
      this.frontend = jobspecJob(
        `${name}-frontend`,
        {
          nomad: args.nomad,
          file: "frontend.nomad.hcl",
          variables: {
            datacenter: dc,
            replicas: String(args.replicas.frontend),
            upstream_uris: frontendUpstreams(args.peerNames),
          },
        },
        jobOpts,
      );
    }
    this.registerOutputs({});
  }
}
