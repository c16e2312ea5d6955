/**
 * A job's deployments: which one tracks the version Pulumi registered, whether Nomad moved
 * the job away from that version (an automatic revert), and the wait for a healthy rollout.
 * Imports only the API modules: Pulumi serializes the providers that call these.
 *
 * Why "the deployment for exactly our version", never "the latest one": with `auto_revert`
 * a failed deployment makes Nomad's deployment watcher register the last stable version
 * again, in the same Raft entry that marks the deployment failed (nomad/deploymentwatcher/
 * deployment_watcher.go, `watch` -> `latestStableJob`, `handleRollbackValidity`,
 * `upsertDeploymentStatusUpdate`; nomad/state/state_store.go, `UpdateDeploymentStatus`
 * upserts the job), and the scheduler starts a deployment of that revert within a second.
 * A wait that accepted any newer deployment would report the revert's success as ours.
 */
import { callApi } from "./apiClient";
import {
  APPLY_CALL,
  CallTuning,
  LiveJob,
  NomadConnection,
  NomadJob,
  jobPath,
  nomadRequest,
  readJob,
} from "./nomadApi";

/** A deployment as Nomad reports it (the fields read here; nomad/structs/deployment.go). */
export interface Deployment {
  ID?: string;
  Status?: string;
  StatusDescription?: string;
  /**
   * The job's JobModifyIndex (its spec index) this deployment rolls out: what register
   * answers and what the providers record. `NewDeployment` sets it from `job.JobModifyIndex`
   * (nomad/structs/deployment.go, since Nomad 0.8.4, hashicorp/nomad#4301).
   */
  JobSpecModifyIndex?: number;
  /** Despite its name, the job's ModifyIndex (status changes move it too): not compared. */
  JobModifyIndex?: number;
  JobVersion?: number;
  CreateIndex?: number;
}

/**
 * `GET /v1/job/:id/deployments`: the deployments of the job as it exists now (Nomad leaves
 * out those of an earlier job with the same ID unless `all=true`: `DeploymentsByJobID` in
 * nomad/state/state_store.go), an empty list when it has none.
 */
export async function jobDeployments(
  c: NomadConnection,
  id: string,
  namespace: string,
  tuning: CallTuning = APPLY_CALL,
): Promise<Deployment[]> {
  const res = await callApi(
    nomadRequest(c, jobPath(id, namespace, "/deployments"), {}, tuning),
    `read deployments of ${id}`,
    tuning.retry,
  );
  return Array.isArray(res.body) ? (res.body as Deployment[]) : [];
}

/** The deployment that rolls out the job spec at `jobModifyIndex` (the newest, if several). */
export function deploymentFor(
  deployments: Deployment[],
  jobModifyIndex: number,
): Deployment | undefined {
  return deployments
    .filter((d) => d.JobSpecModifyIndex === jobModifyIndex)
    .sort((a, b) => (b.CreateIndex ?? 0) - (a.CreateIndex ?? 0))[0];
}

/** A terminal failure of a deployment, as the error text the providers report, else undefined. */
export function deploymentFailure(id: string, d: Deployment | undefined): string | undefined {
  if (!d || (d.Status !== "failed" && d.Status !== "cancelled")) return undefined;
  return `job ${id}: deployment ${d.ID} ${d.Status}: ${d.StatusDescription ?? ""}`;
}

/**
 * The version a failed deployment's job is being rolled back to, from its description
 * ("... - rolling back to job version N": `DeploymentStatusDescriptionRollback`,
 * nomad/structs/deployment.go), else undefined.
 */
export function revertedTo(d: Deployment | undefined): string | undefined {
  return /rolling back to job version (\d+)/.exec(d?.StatusDescription ?? "")?.[1];
}

/**
 * How the live job moved away from the spec Pulumi registered at `jobModifyIndex`, or
 * undefined when it did not. An automatic revert is named as one ({@link revertedTo}): Nomad
 * registers the stable version's spec again as a new version.
 */
export function jobMoved(
  jobModifyIndex: number,
  live: LiveJob | undefined,
  ours?: Deployment,
): string | undefined {
  if (!live) return "the job was purged from Nomad";
  if (live.JobModifyIndex === jobModifyIndex) return undefined;
  const now =
    `it now runs version ${live.Version} (JobModifyIndex ${live.JobModifyIndex}), not the ` +
    `one Pulumi registered (JobModifyIndex ${jobModifyIndex})`;
  if (live.Stop === true) return `the job was stopped in Nomad: ${now}`;
  const target = revertedTo(ours);
  return target !== undefined
    ? `Nomad reverted the job to version ${target}: ${now}`
    : `the job changed in Nomad: ${now}`;
}

/**
 * Waits until the deployment of exactly the spec at `jobModifyIndex` is successful. Its
 * failure or cancellation, the job moving to another spec (an automatic revert, a manual
 * run), or the time limit is an error that says which.
 */
export async function waitForDeployment(
  c: NomadConnection,
  job: NomadJob,
  jobModifyIndex: number,
  timeoutSeconds: number,
  pollMs = 5000,
): Promise<string> {
  const namespace = job.Namespace ?? "default";
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = "no deployment yet";
  for (;;) {
    const ours = deploymentFor(await jobDeployments(c, job.ID, namespace), jobModifyIndex);
    if (ours?.Status === "successful") return ours.ID as string;
    if (ours) last = `${ours.Status}: ${ours.StatusDescription ?? ""}`;
    const failed = deploymentFailure(job.ID, ours);
    const moved = jobMoved(jobModifyIndex, await readJob(c, job.ID, namespace), ours);
    if (failed) throw new Error(moved ? `${failed}; ${moved}` : failed);
    if (moved) throw new Error(`job ${job.ID}: ${moved}`);
    if (Date.now() + pollMs > deadline)
      throw new Error(
        `job ${job.ID}: not healthy after ${timeoutSeconds} s (last deployment state: ${last})`,
      );
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
