/**
 * The Nomad jobs of the mesh, from the jobspecs shipped in `jobspecs/`: reading a jobspec,
 * the job resource made from one, and the frontend's upstream list. The jobs themselves
 * belong to their components (meshGateway.ts, apiGateway.ts, demoServices.ts).
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { NomadConnectionArgs, NomadJob } from "../nomad/nomadJob";
import { SERVICES } from "./configEntries";

/** Reads a jobspec shipped in `jobspecs/`. */
export function readJobspec(file: string): string {
  return fs.readFileSync(path.join(__dirname, "..", "..", "jobspecs", file), "utf8");
}

/** Arguments of {@link jobspecJob}. */
export interface JobspecJobArgs {
  nomad: NomadConnectionArgs;
  /** File name in `jobspecs/`. */
  file: string;
  /** HCL2 variables of the jobspec. */
  variables: Record<string, pulumi.Input<string>>;
}

/** A NomadJob running a shipped jobspec (healthy before the resource completes). */
export function jobspecJob(
  name: string,
  args: JobspecJobArgs,
  opts: pulumi.CustomResourceOptions,
): NomadJob {
  return new NomadJob(
    name,
    { connection: args.nomad, jobspec: readJobspec(args.file), variables: args.variables },
    opts,
  );
}

/**
 * What front-service calls, as its `upstream_uris` variable: both local backends by their
 * virtual address, and private-api in every peer given. Pass all configured peers, deferred
 * or not, so the list (and the job) stays the same when a deferred peering is completed.
 */
export function frontendUpstreams(peerNames: readonly string[]): string {
  return [
    `http://${SERVICES.publicApi}.virtual.consul`,
    `http://${SERVICES.privateApi}.virtual.consul`,
    ...peerNames.map((p) => `http://${SERVICES.privateApi}.virtual.${p}.peer.consul`),
  ].join(",");
}
