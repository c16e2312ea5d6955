/**
 * Nomad jobs as Pulumi resources, through a small dynamic provider over Nomad's HTTP API
 * (`@pulumi/nomad` cannot be installed here). Create parses the HCL2 jobspec with its
 * variables, registers it and optionally waits for a healthy deployment; a rollout that
 * fails after registering is recorded as partial state, so the job stays visibly out of
 * date and destroy still purges it. Read (refresh) reports a purged job as gone and a
 * stopped, re-registered or failed one as drift. Diff compares inputs and, when the spec
 * differs, asks Nomad (see nomadJobDiff.ts), falling back to inputs when Nomad does not
 * answer; an update that moves the job to another ID or namespace purges the old one.
 * Delete purges. Credentials are secret inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { messageOf } from "./apiClient";
import { REVISION_KEY, changedInputs, revisionBehind, revisionNote } from "./dynamicDiff";
import { partialFailure, previewNote } from "./dynamicResult";
import { READ_CALL, parseJob, purgeJob, readJob, refreshFailure, registerJob } from "./nomadApi";
import { deploymentFor, jobDeployments, waitForDeployment } from "./nomadDeployment";
import { JobInputs, JobState, decideJobDiff, jobDrift } from "./nomadJobDiff";

/**
 * Revision of this provider's code as recorded state sees it (the `providerRevision`
 * output; see `REVISION_KEY` in dynamicDiff.ts for why). Bump it whenever `read` or
 * `delete`, or the outputs they rely on, change meaning: every job recorded by a lower
 * revision then shows as an update once, which stores the new code without calling Nomad.
 * 1: refresh reads drift from the deployment of exactly the recorded spec
 * (JobSpecModifyIndex), with the short read policy.
 */
export const NOMAD_JOB_PROVIDER_REVISION = 1;

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
  /** {@link NOMAD_JOB_PROVIDER_REVISION} of the code that wrote this state. */
  providerRevision: number;
}

/** Where the job was registered before an update: purged when the update moved it. */
interface Previous {
  jobId: string;
  namespace: string;
}

/**
 * Registers the job and waits for it. When `previous` names another job ID or namespace,
 * that job is purged once the new one is registered: a diff that could not ask Nomad
 * (nothing answered, during `up` too: the engine's diff request does not say whether it
 * previews) compared inputs only and so saw no replacement.
 */
async function apply(inputs: NomadJobInputs, previous?: Previous): Promise<NomadJobOutputs> {
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
    providerRevision: NOMAD_JOB_PROVIDER_REVISION,
  };
  const problems: string[] = [];
  try {
    // For an unchanged spec Nomad answers the job's ModifyIndex, not its JobModifyIndex
    // (nomad/job_endpoint.go, Register: "if !specChanged"), and a deployment carries the
    // latter as JobSpecModifyIndex: read the job back so the wait and `read` compare like
    // with like. A live index above the answer is a job that already moved on (an
    // automatic revert, someone else's run): the answer is then ours, and the wait says so.
    const live = (await readJob(inputs, job.ID, namespace))?.JobModifyIndex;
    outs.jobModifyIndex = live !== undefined && live <= registered ? live : registered;
    if (inputs.waitHealthy)
      outs.deploymentId = await waitForDeployment(
        inputs,
        job,
        outs.jobModifyIndex,
        inputs.timeoutSeconds,
        DEPLOYMENT_POLL_MS,
      );
  } catch (e) {
    problems.push(messageOf(e));
    outs.drift = `rollout failed: ${messageOf(e)}`;
  }
  const moved =
    previous?.jobId && `${previous.jobId}@${previous.namespace}` !== `${job.ID}@${namespace}`;
  if (previous && moved) {
    try {
      await purgeJob(inputs, previous.jobId, previous.namespace);
    } catch (e) {
      problems.push(
        `job ${job.ID}@${namespace} replaces ${previous.jobId}@${previous.namespace}, which ` +
          `could not be purged (nomad job stop -purge -namespace ${previous.namespace} ` +
          `${previous.jobId}): ${messageOf(e)}`,
      );
    }
  }
  // Registered but not healthy (or the old job left behind): recorded with the reason, so
  // the next `up` shows it and retries, and `destroy` still purges it (see partialFailure).
  if (problems.length > 0)
    throw partialFailure(problems.join("; "), `${job.ID}@${namespace}`, outs, inputs);
  return outs;
}

/** The recorded state with the new inputs and this revision: an update that needs no Nomad call. */
function restamped(olds: NomadJobOutputs, news: NomadJobInputs): NomadJobOutputs {
  const defined = Object.entries(news).filter(([, v]) => v !== undefined);
  return { ...olds, ...Object.fromEntries(defined), providerRevision: NOMAD_JOB_PROVIDER_REVISION };
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
   * shows no change. The recorded `providerRevision` stays: the code that runs here is the
   * recorded one. A cluster that does not answer fails within ~30 s (READ_CALL).
   */
  async read(id: string, props: NomadJobOutputs) {
    try {
      const live = await readJob(props, props.jobId, props.namespace, READ_CALL);
      if (!live) return { id: "" };
      const deployment = props.waitHealthy
        ? deploymentFor(
            await jobDeployments(props, props.jobId, props.namespace, READ_CALL),
            props.jobModifyIndex,
          )
        : undefined;
      return { id, props: { ...props, drift: jobDrift(props, live, deployment) } };
    } catch (e) {
      throw refreshFailure(`Nomad job ${id}`, props.address, e);
    }
  },

  async diff(id: string, olds: NomadJobOutputs, news: NomadJobInputs) {
    const { result, note } = await decideJobDiff(olds, news);
    const behind = revisionBehind(olds, NOMAD_JOB_PROVIDER_REVISION);
    for (const text of [note, behind ? revisionNote(olds, NOMAD_JOB_PROVIDER_REVISION) : ""])
      if (text) previewNote(`hashistack:NomadJob ${id}`, text);
    return behind ? { ...result, changes: true } : result;
  },

  /**
   * Re-registers (see `apply`), purging the job's previous ID/namespace if the new spec
   * moved it. When nothing but the recorded provider revision differs, only the state is
   * rewritten (the SDK stores the new `__provider` with it).
   */
  async update(_id: string, olds: NomadJobOutputs, news: NomadJobInputs) {
    if (
      changedInputs(olds, news).length === 0 &&
      !olds.drift &&
      revisionBehind(olds, NOMAD_JOB_PROVIDER_REVISION)
    )
      return { outs: restamped(olds, news) };
    return { outs: await apply(news, { jobId: olds.jobId, namespace: olds.namespace }) };
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
  /** Revision of the provider code that wrote this state (see NOMAD_JOB_PROVIDER_REVISION). */
  declare public readonly providerRevision: pulumi.Output<number>;

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
        [REVISION_KEY]: undefined,
      },
      { ...opts, deleteBeforeReplace: true, additionalSecretOutputs: ["token"] },
      "hashistack",
      "NomadJob",
    );
  }
}
