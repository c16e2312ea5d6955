/**
 * The Nomad job provider's diff and drift decisions, apart from the provider so each rule
 * is tested on its own. Imports only modules that are themselves import-free or import
 * only the API client: Pulumi serializes the provider that calls these.
 */
import { isUnreachable } from "./apiClient";
import { canonical, changedInputs } from "./dynamicDiff";
import {
  CallTuning,
  DIFF_CALL,
  LiveJob,
  NomadConnection,
  NomadJob,
  UNKNOWN,
  parseJob,
  planJob,
} from "./nomadApi";
import { Deployment, deploymentFailure, jobMoved, revertedTo } from "./nomadDeployment";

/** The job provider's inputs (all resolved, or Pulumi's unknown marker during preview). */
export interface JobInputs extends NomadConnection {
  /** HCL2 jobspec text. */
  jobspec: string;
  /** HCL2 variables, strings. */
  variables: Record<string, string>;
  /** Wait for a successful deployment on create/update. */
  waitHealthy: boolean;
  timeoutSeconds: number;
}

/** What the job provider records: its inputs and what Nomad said (see nomadJob.ts). */
export interface JobState extends JobInputs {
  jobId: string;
  namespace: string;
  /** The job's JobModifyIndex right after Pulumi registered it. */
  jobModifyIndex: number;
  deploymentId: string;
  /**
   * Why Nomad does not run what Pulumi registered ("" when it does): a failed rollout, a
   * stop, a registration from outside. Non-empty means the next `up` re-registers the job.
   * Absent in state written before it existed.
   */
  drift?: string;
}

/** A diff result as the dynamic provider returns it. */
export interface JobDiff {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace?: true;
}

/** A diff and, when the reader of a preview should know why, a note. */
export interface DiffVerdict {
  result: JobDiff;
  note?: string;
}

const CONNECTION_KEYS = ["address", "caPem", "token"] as const;
const SPEC_KEYS = ["jobspec", "variables"];

/** True when any variable is still unknown (preview of values computed by other resources). */
export function hasUnknown(vars: Record<string, string>): boolean {
  return Object.values(vars).some((v) => v === UNKNOWN);
}

/** The job's ID and namespace: both key it in Nomad, so a change of either replaces it. */
function keyOf(job: NomadJob): string {
  return `${job.ID}@${job.Namespace ?? "default"}`;
}

/**
 * Compares the new inputs with the recorded state, and only when the jobspec or its
 * variables differ asks Nomad: the job ID/namespace (a replacement), whether the recorded
 * spec and the new one parse to the same job, and the planner. Both must say "same" for no
 * change: the planner alone answers "None" when Nomad already runs the new spec from a
 * failed or interrupted update that left the old state recorded. Recorded drift always
 * counts. When the connection is unknown (preview) or Nomad does not answer from this
 * machine, the decision falls back to the input comparison, with a note; a certificate
 * that fails verification or a 4xx is still an error, and a 5xx is retried (DIFF_CALL).
 * The fallback can run during `up` too (the engine's diff request carries no preview
 * flag), so the update, not this diff, handles a job that moved to another ID or namespace.
 */
export async function decideJobDiff(
  olds: JobState,
  news: JobInputs,
  tuning: CallTuning = DIFF_CALL,
): Promise<DiffVerdict> {
  const changed = changedInputs(olds, news);
  const specChanged = changed.some((k) => SPEC_KEYS.includes(k));
  // Connection or wait options alone re-apply nothing in Nomad, but are recorded.
  const otherChanged = changed.some((k) => !SPEC_KEYS.includes(k));
  const drift = olds.drift ?? "";
  const driftNote = drift
    ? `Nomad does not run what this stack registered (${drift}); the update re-registers the job`
    : undefined;
  const verdict = (changes: boolean, note = driftNote): DiffVerdict => ({
    result: { changes: changes || otherChanged || drift !== "", replaces: [] },
    ...(note ? { note } : {}),
  });
  if (!specChanged) return verdict(false);
  // A variable computed elsewhere is unknown during preview: the job will change, and the
  // other variables stay as they are (nothing is blanked).
  if (hasUnknown(news.variables) || news.jobspec === UNKNOWN) return verdict(true);
  const inputsOnly = (why: string) =>
    verdict(
      true,
      `compared inputs only (${why}): the jobspec or its variables differ from the ` +
        "recorded state, so this shows as an update; Nomad's planner may find nothing to " +
        "change, and a new job ID or namespace cannot be seen from here (the update then " +
        "registers the new job and purges the old one)",
    );
  const unknown = CONNECTION_KEYS.filter((k) => news[k] === UNKNOWN);
  if (unknown.length > 0)
    return inputsOnly(
      `the Nomad ${unknown.join(", ")} ${unknown.length > 1 ? "are" : "is"} not known yet`,
    );
  try {
    const job = await parseJob(news, news.jobspec, news.variables, tuning);
    if (keyOf(job) !== `${olds.jobId}@${olds.namespace}`)
      return { result: { changes: true, replaces: ["jobspec"], deleteBeforeReplace: true } };
    const before = await parseJob(news, olds.jobspec, olds.variables, tuning).catch(
      (e: unknown) => {
        // A recorded spec this Nomad no longer accepts (an ApiError, 4xx) differs by definition.
        if (typeof (e as { status?: unknown }).status === "number") return undefined;
        throw e;
      },
    );
    const specDiffers = !before || canonical(before) !== canonical(job);
    return verdict(specDiffers || (await planJob(news, job, tuning)) !== "None");
  } catch (e) {
    if (!isUnreachable(e)) throw e;
    return inputsOnly(`Nomad at ${news.address} did not answer from this machine: ${e.code}`);
  }
}

/**
 * How the live job differs from what Pulumi recorded, "" when it does not: stopped
 * (`nomad job stop` without `-purge` sets `Stop`), re-registered from outside or reverted
 * by Nomad after a failed rollout (its spec index moved), or its rollout failed.
 * `deployment` is the one for the recorded spec ({@link deploymentFor}); while it is still
 * running, or when there is none, what was recorded stands (a timed-out rollout stays out
 * of date until it succeeds).
 */
export function jobDrift(
  recorded: JobState,
  live: LiveJob,
  deployment: Deployment | undefined,
): string {
  if (live.Stop === true) return "stopped in Nomad (Stop = true)";
  const failed = recorded.waitHealthy ? deploymentFailure(recorded.jobId, deployment) : undefined;
  if (live.JobModifyIndex !== recorded.jobModifyIndex) {
    if (failed && revertedTo(deployment) !== undefined)
      return `rollout failed: ${failed}; ${jobMoved(recorded.jobModifyIndex, live, deployment)}`;
    return (
      `changed outside this stack: Nomad's job is at JobModifyIndex ${live.JobModifyIndex}, ` +
      `Pulumi registered ${recorded.jobModifyIndex} (a manual run, scale or revert, or an ` +
      "automatic revert after a failed deployment)"
    );
  }
  if (!recorded.waitHealthy) return "";
  if (failed) return `rollout failed: ${failed}`;
  return deployment?.Status === "successful" ? "" : (recorded.drift ?? "");
}
