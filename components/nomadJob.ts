/**
 * Nomad jobs as Pulumi resources, through a small dynamic provider over Nomad's HTTP API
 * (`@pulumi/nomad` cannot be installed here). Create parses the HCL2 jobspec with its
 * variables, registers it and optionally waits for a healthy deployment; diff compares
 * inputs and, when they differ, asks Nomad's planner whether the job really changes
 * (comments and formatting are not changes); delete purges. Credentials are secret inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  NomadConnection,
  UNKNOWN,
  parseJob,
  planJob,
  purgeJob,
  registerJob,
  waitForDeployment,
} from "./nomadApi";
import { changedInputs } from "./dynamicDiff";

/** A Nomad connection as resource arguments: values may come from other resources. */
export interface NomadConnectionArgs {
  address: pulumi.Input<string>;
  caPem: pulumi.Input<string>;
  token: pulumi.Input<string>;
}

/** Resource properties of a connection; the token travels as a secret. */
export function connectionProps(c: NomadConnectionArgs): NomadConnectionArgs {
  return { address: c.address, caPem: c.caPem, token: pulumi.secret(c.token) };
}

/** Provider inputs (all resolved). */
export interface NomadJobInputs extends NomadConnection {
  /** HCL2 jobspec text. */
  jobspec: string;
  /** HCL2 variables, strings. */
  variables: Record<string, string>;
  /** Wait for a successful deployment on create/update. */
  waitHealthy: boolean;
  timeoutSeconds: number;
}

/** Provider outputs. */
export interface NomadJobOutputs extends NomadJobInputs {
  jobId: string;
  namespace: string;
  jobModifyIndex: number;
  deploymentId: string;
}

async function apply(inputs: NomadJobInputs): Promise<NomadJobOutputs> {
  const job = await parseJob(inputs, inputs.jobspec, inputs.variables);
  const index = await registerJob(inputs, job, inputs.jobspec, inputs.variables);
  const deploymentId = inputs.waitHealthy
    ? await waitForDeployment(inputs, job, index, inputs.timeoutSeconds)
    : "";
  return {
    ...inputs,
    jobId: job.ID,
    namespace: job.Namespace ?? "default",
    jobModifyIndex: index,
    deploymentId,
  };
}

/** True when any variable is still unknown (preview of values computed by other resources). */
export function hasUnknown(vars: Record<string, string>): boolean {
  return Object.values(vars).some((v) => v === UNKNOWN);
}

/** The dynamic provider. */
export const nomadJobProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: NomadJobInputs) {
    const outs = await apply(inputs);
    return { id: `${outs.jobId}@${outs.namespace}`, outs };
  },

  async diff(_id: string, olds: NomadJobOutputs, news: NomadJobInputs) {
    const changed = changedInputs(olds, news);
    const specChanged = changed.includes("jobspec") || changed.includes("variables");
    // Connection or wait options alone re-apply nothing in Nomad, but are recorded.
    const otherChanged = changed.some((k) => k !== "jobspec" && k !== "variables");
    if (!specChanged) return { changes: otherChanged, replaces: [] };
    // A variable computed elsewhere is unknown during preview: the job will change, and the
    // other variables stay as they are (nothing is blanked).
    if (hasUnknown(news.variables) || news.jobspec === UNKNOWN)
      return { changes: true, replaces: [] };
    const job = await parseJob(news, news.jobspec, news.variables);
    // A new ID or namespace is a different job: replace, deleting the old one first.
    const replaces =
      job.ID !== olds.jobId || (job.Namespace ?? "default") !== olds.namespace ? ["jobspec"] : [];
    if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: true };
    const planned = await planJob(news, job);
    return { changes: planned !== "None" || otherChanged, replaces: [] };
  },

  async update(_id: string, _olds: NomadJobOutputs, news: NomadJobInputs) {
    return { outs: await apply(news) };
  },

  async delete(_id: string, props: NomadJobOutputs) {
    await purgeJob(props, props.jobId, props.namespace);
  },
};

/** Arguments of {@link NomadJob}. */
export interface NomadJobArgs {
  connection: NomadConnectionArgs;
  /** HCL2 jobspec text (read from `jobspecs/`). */
  jobspec: string;
  /** Variables; values from other resources may be Outputs. */
  variables: Record<string, pulumi.Input<string>>;
  /** Wait for a healthy deployment before the resource completes. Default true. */
  waitHealthy?: boolean;
  /** Default 600 s. */
  timeoutSeconds?: number;
}

/** A Nomad job registered from an HCL2 jobspec. Keyed by job ID: replace deletes first. */
export class NomadJob extends pulumi.dynamic.Resource {
  declare public readonly jobId: pulumi.Output<string>;
  declare public readonly namespace: pulumi.Output<string>;
  declare public readonly deploymentId: pulumi.Output<string>;

  constructor(name: string, args: NomadJobArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      nomadJobProvider,
      name,
      {
        ...connectionProps(args.connection),
        jobspec: args.jobspec,
        variables: args.variables,
        waitHealthy: args.waitHealthy ?? true,
        timeoutSeconds: args.timeoutSeconds ?? 600,
        jobId: undefined,
        namespace: undefined,
        deploymentId: undefined,
      },
      { ...opts, deleteBeforeReplace: true, additionalSecretOutputs: ["token"] },
      "hashistack",
      "NomadJob",
    );
  }
}
