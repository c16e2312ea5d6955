/**
 * The preflight: a dynamic-provider resource that, after the project's APIs are enabled and
 * before any other GCP resource is created, waits until those APIs answer and checks the
 * deployer's permissions (deployerCheck.ts). It runs on create and whenever its inputs change
 * (a new program version with other roles or APIs); an unchanged preflight is never re-run.
 * Pulumi serializes the provider into state, so it holds no client and no credential; its
 * outputs are the verdict only.
 */
import * as pulumi from "@pulumi/pulumi";
import { DeployerCheckInput, checkDeployer } from "./deployerCheck";
import { keyedDiff } from "../nomad/dynamicDiff";

/** Inputs of {@link Preflight}. */
export interface PreflightArgs {
  project: pulumi.Input<string>;
  roles: Record<string, string[]>;
  optional: Record<string, string>;
  apis: string[];
  providerCredentialKeys: string[];
}

/** Create and update check; delete touches nothing. */
export const preflightProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: DeployerCheckInput) {
    const verdict = await checkDeployer(inputs);
    return { id: `preflight-${inputs.project}`, outs: { ...inputs, ...verdict } };
  },
  async diff(_id: string, olds: DeployerCheckInput, news: DeployerCheckInput) {
    return keyedDiff(olds, news, ["project"]);
  },
  async update(_id: string, _olds: DeployerCheckInput, news: DeployerCheckInput) {
    return { outs: { ...news, ...(await checkDeployer(news)) } };
  },
};

/**
 * Waits for the APIs and checks the deployer's permissions; `checked`, `note` and `warnings`
 * say what was concluded.
 */
export class Preflight extends pulumi.dynamic.Resource {
  declare public readonly checked: pulumi.Output<boolean>;
  declare public readonly note: pulumi.Output<string>;
  declare public readonly warnings: pulumi.Output<string[]>;

  constructor(name: string, args: PreflightArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      preflightProvider,
      name,
      { ...args, checked: undefined, note: undefined, warnings: undefined },
      opts,
      "hashistack",
      "Preflight",
    );
  }
}
