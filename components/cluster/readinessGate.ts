/**
 * The readiness gate: a dynamic-provider resource whose create waits (bounded) until the
 * datacenter answers (see readiness.ts). Everything in-cluster depends on it. Pulumi
 * serializes the provider into state, so it holds no SDK client and no credentials:
 * tokens arrive as secret inputs. The VMs' boot progress is read with the deployer's
 * application-default credentials, found at run time (gcpAuth.ts), never stored.
 */
import * as pulumi from "@pulumi/pulumi";
import { ReadinessInput, waitUntilReady } from "./readiness";
import { keyedDiff } from "../nomad/dynamicDiff";

/** Inputs of {@link ReadinessGate}. */
export interface ReadinessGateArgs {
  consulAddress: pulumi.Input<string>;
  nomadAddress: pulumi.Input<string>;
  caPem: pulumi.Input<string>;
  consulToken: pulumi.Input<string>;
  nomadToken: pulumi.Input<string>;
  expectedClients: number;
  timeoutSeconds: number;
  /** The VMs whose guest-attribute boot reports the gate reads while it waits. */
  bootReport?: {
    project: pulumi.Input<string>;
    region: pulumi.Input<string>;
    groups: pulumi.Input<string>[];
  };
}

/**
 * The provider. `create` waits; an unchanged gate is never re-run; a changed endpoint, CA
 * or client count replaces it (waits again). Deleting it touches nothing.
 */
export const readinessProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ReadinessInput) {
    await waitUntilReady(inputs);
    return { id: `${inputs.consulAddress}|${inputs.nomadAddress}`, outs: inputs };
  },
  async diff(_id: string, olds: ReadinessInput, news: ReadinessInput) {
    // A changed endpoint, CA or client count waits again; a new timeout, token or boot-report
    // target does not.
    return keyedDiff(olds, news, ["consulAddress", "nomadAddress", "caPem", "expectedClients"]);
  },
  async update(_id: string, _olds: ReadinessInput, news: ReadinessInput) {
    return { outs: news };
  },
};

/**
 * Waits until Consul and Nomad answer. Its outputs are the verified connection: everything
 * in-cluster takes its address, CA and token from here, so it depends on the gate by data.
 */
export class ReadinessGate extends pulumi.dynamic.Resource {
  declare public readonly consulAddress: pulumi.Output<string>;
  declare public readonly nomadAddress: pulumi.Output<string>;
  declare public readonly caPem: pulumi.Output<string>;
  declare public readonly consulToken: pulumi.Output<string>;
  declare public readonly nomadToken: pulumi.Output<string>;

  constructor(name: string, args: ReadinessGateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      readinessProvider,
      name,
      {
        ...args,
        consulToken: pulumi.secret(args.consulToken),
        nomadToken: pulumi.secret(args.nomadToken),
      },
      { ...opts, additionalSecretOutputs: ["consulToken", "nomadToken"] },
      "hashistack",
      "ReadinessGate",
    );
  }
}
