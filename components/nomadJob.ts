/**
 * Nomad jobs as Pulumi resources, through a small dynamic provider over Nomad's HTTP API
 * (`@pulumi/nomad` cannot be installed here). Create parses the HCL2 jobspec with its
 * variables, registers it and optionally waits for a healthy deployment; a rollout that
 * fails after registering is recorded as partial state, so the job stays visibly out of
 * date and destroy still purges it. Read (refresh) reports a purged job as gone and a
 * stopped, re-registered or failed one as drift. Diff compares inputs and, when the spec
 * differs, asks Nomad (see nomadJobDiff.ts), falling back to inputs when Nomad cannot be
 * reached from a preview. Delete purges. Credentials are secret inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { messageOf } from "./apiClient";
import {
  latestDeployment,
  parseJob,
  purgeJob,
  readJob,
  registerJob,
  waitForDeployment,
} from "./nomadApi";
import { JobInputs, JobState, decideJobDiff, jobDrift } from "./nomadJobDiff";
import { partialFailure, previewNote } from "./dynamicResult";

/**
 * Pause between reads of a job's deployment while waiting for it to be healthy
 * (scripts/durations.ts reads it for the estimate).
 */
export const DEPLOYMENT_POLL_MS = 2000;

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
export type NomadJobInputs = JobInputs;

/** Provider outputs: the inputs plus what Nomad said (create, update and read alike). */
export interface NomadJobOutputs extends JobState {
  drift: string;
}

async function apply(inputs: NomadJobInputs): Promise<NomadJobOutputs> {
  const job = await parseJob(inputs, inputs.jobspec, inputs.variables);
  const registered = await registerJob(inputs, job, inputs.jobspec, inputs.variables);
  const namespace = job.Namespace ?? "default";
  const outs: NomadJobOutputs = {
    ...inputs,
    jobId: job.ID,
    namespace,
    jobModifyIndex: registered,
    deploymentId: "",
    drift: "",
  };
  try {
    // For an unchanged spec Nomad answers the job's ModifyIndex, not its JobModifyIndex
    // (nomad/job_endpoint.go, Register: "if !specChanged"), and a deployment carries the
    // latter: read the job back so the wait and `read` compare like with like.
    outs.jobModifyIndex = (await readJob(inputs, job.ID, namespace))?.JobModifyIndex ?? registered;
    if (inputs.waitHealthy)
      outs.deploymentId = await waitForDeployment(
        inputs,
        job,
        outs.jobModifyIndex,
        inputs.timeoutSeconds,
        DEPLOYMENT_POLL_MS,
      );
    return outs;
  } catch (e) {
    // Registered but not healthy: recorded with the reason, so the next `up` shows it and
    // retries, and `destroy` still purges it (see partialFailure).
    const reason = messageOf(e);
    throw partialFailure(
      reason,
      `${job.ID}@${namespace}`,
      { ...outs, drift: `rollout failed: ${reason}` },
      inputs,
    );
  }
}

/** The dynamic provider. */
export const nomadJobProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: NomadJobInputs) {
    const outs = await apply(inputs);
    return { id: `${outs.jobId}@${outs.namespace}`, outs };
  },

  /**
   * Refresh. A purged job reads as gone: the SDK passes `id` through as the ReadResponse's
   * ID (`cmd/dynamic-provider/index.js`, `read`), and the engine treats a blank ID as
   * deleted ("If the ID is blank treat this as a delete", `RefreshStep.Apply` in
   * `pkg/resource/deploy/step.go`), so the next `up` creates it again. Otherwise the
   * recorded state comes back unchanged but for `drift`: the engine diffs refreshed state
   * against the inputs with this provider's own diff (same function), so an unchanged job
   * shows no change.
   */
  async read(id: string, props: NomadJobOutputs) {
    const live = await readJob(props, props.jobId, props.namespace);
    if (!live) return { id: "" };
    const deployment = props.waitHealthy
      ? await latestDeployment(props, props.jobId, props.namespace)
      : undefined;
    return { id, props: { ...props, drift: jobDrift(props, live, deployment) } };
  },

  async diff(id: string, olds: NomadJobOutputs, news: NomadJobInputs) {
    const { result, note } = await decideJobDiff(olds, news);
    if (note) previewNote(`hashistack:NomadJob ${id}`, note);
    return result;
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
  /** Why Nomad does not run what this resource registered; "" when it does. */
  declare public readonly drift: pulumi.Output<string>;

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
        drift: undefined,
      },
      { ...opts, deleteBeforeReplace: true, additionalSecretOutputs: ["token"] },
      "hashistack",
      "NomadJob",
    );
  }
}
