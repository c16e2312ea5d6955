/**
 * Nomad HTTP API operations the dynamic providers need: parse an HCL2 jobspec with
 * variables (`/v1/jobs/parse`), plan, register (with the submission source), wait for a
 * healthy deployment, purge, and namespaces. No top-level imports beyond the API client,
 * because Pulumi serializes the providers that call these into state.
 */
import { ApiRequest, RetryPolicy, callApi } from "./apiClient";

/** Where and how to reach Nomad. */
export interface NomadConnection {
  /** `https://<ip>:4646`. */
  address: string;
  caPem: string;
  token: string;
}

/** Default retry policy: transient errors (5xx, 429, network) back off up to ~1 minute. */
export const NOMAD_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 15_000 };

/** How hard one operation tries: its retry policy and the per-request timeout. */
export interface CallTuning {
  retry: RetryPolicy;
  timeoutMs: number;
}

/** Create, update, delete and refresh: the cluster must answer, so retry for ~1 minute. */
export const APPLY_CALL: CallTuning = { retry: NOMAD_RETRY, timeoutMs: 30_000 };

/**
 * A diff (preview): one short try when nothing answers (the previewing machine may be
 * outside the firewall's operator ranges; the diff then falls back to comparing inputs),
 * one quick retry of a 5xx/429. Never a backoff loop.
 */
export const DIFF_CALL: CallTuning = {
  retry: { attempts: 2, baseDelayMs: 500, maxDelayMs: 500, retryNoAnswer: false },
  timeoutMs: 5000,
};

/** Pulumi's marker for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function req(
  c: NomadConnection,
  path: string,
  extra: Partial<ApiRequest> = {},
  tuning: CallTuning = APPLY_CALL,
): ApiRequest {
  return {
    baseUrl: c.address,
    path,
    caPem: c.caPem,
    token: { header: "X-Nomad-Token", value: c.token },
    timeoutMs: tuning.timeoutMs,
    ...extra,
  };
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * HCL2 variable-file text for `/v1/jobs/parse` (`Variables`): one `name = "value"` line
 * per variable, sorted. Values are strings; `${` and `%{` are escaped so a value is never
 * evaluated as a template.
 */
export function renderVariables(vars: Record<string, string>): string {
  return Object.keys(vars)
    .sort()
    .map((k) => {
      if (!VAR_NAME.test(k)) throw new Error(`invalid Nomad variable name ${JSON.stringify(k)}`);
      // Replacer functions: in a replacement *string*, "$$" would collapse to "$".
      const v = JSON.stringify(vars[k])
        .replace(/\$\{/g, () => "$${")
        .replace(/%\{/g, () => "%%{");
      return `${k} = ${v}\n`;
    })
    .join("");
}

/** A parsed job (the fields the providers read; the rest passes through). */
export interface NomadJob {
  ID: string;
  Namespace?: string;
  Type?: string;
  [k: string]: unknown;
}

/** `/v1/jobs/parse`: HCL2 + variables -> canonical JSON job. */
export async function parseJob(
  c: NomadConnection,
  hcl: string,
  vars: Record<string, string>,
  tuning: CallTuning = APPLY_CALL,
): Promise<NomadJob> {
  const res = await callApi(
    req(
      c,
      "/v1/jobs/parse",
      {
        method: "POST",
        body: { JobHCL: hcl, Variables: renderVariables(vars), Canonicalize: true },
      },
      tuning,
    ),
    "parse jobspec",
    tuning.retry,
  );
  const job = res.body as NomadJob;
  if (!job || typeof job.ID !== "string")
    throw new Error(`parse jobspec: Nomad returned no job ID: ${JSON.stringify(res.body)}`);
  return job;
}

function nsQuery(job: NomadJob): string {
  return `namespace=${encodeURIComponent(job.Namespace ?? "default")}`;
}

/** `/v1/job/:id/plan` with diff: "None" when the registered job already matches. */
export async function planJob(
  c: NomadConnection,
  job: NomadJob,
  tuning: CallTuning = APPLY_CALL,
): Promise<string> {
  const res = await callApi(
    req(
      c,
      `/v1/job/${encodeURIComponent(job.ID)}/plan?${nsQuery(job)}`,
      { method: "POST", body: { Job: job, Diff: true } },
      tuning,
    ),
    `plan job ${job.ID}`,
    tuning.retry,
  );
  const diff = (res.body as { Diff?: { Type?: string } }).Diff;
  return diff?.Type ?? "Added";
}

/** `/v1/jobs` register, keeping the HCL source as the job submission (Nomad >= 1.6). */
export async function registerJob(
  c: NomadConnection,
  job: NomadJob,
  hcl: string,
  vars: Record<string, string>,
): Promise<number> {
  const res = await callApi(
    req(c, `/v1/jobs?${nsQuery(job)}`, {
      method: "POST",
      body: { Job: job, Submission: { Source: hcl, Format: "hcl2", VariableFlags: vars } },
    }),
    `register job ${job.ID}`,
    NOMAD_RETRY,
  );
  return Number((res.body as { JobModifyIndex?: number }).JobModifyIndex ?? 0);
}

/** Resolves to undefined when the API answered 404 (the object does not exist). */
async function unless404<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if ((e as { status?: number }).status === 404) return undefined;
    throw e;
  }
}

function jobPath(id: string, namespace: string, suffix = "", query = ""): string {
  return `/v1/job/${encodeURIComponent(id)}${suffix}?${query}namespace=${encodeURIComponent(namespace)}`;
}

/** Deregisters and purges a job; an already-missing job is fine. */
export async function purgeJob(c: NomadConnection, id: string, namespace: string): Promise<void> {
  await unless404(
    callApi(
      req(c, jobPath(id, namespace, "", "purge=true&"), { method: "DELETE" }),
      `purge job ${id}`,
      NOMAD_RETRY,
    ),
  );
}

/** The fields of a registered job (`GET /v1/job/:id`) the providers read. */
export interface LiveJob {
  ID: string;
  Namespace?: string;
  /** Set by `nomad job stop` without `-purge`: allocations stopped, the job kept. */
  Stop?: boolean;
  /** Raft index of the job's last *specification* change (a stop is one too). */
  JobModifyIndex?: number;
}

/** `GET /v1/job/:id`: the registered job, or undefined when Nomad has none (purged). */
export async function readJob(
  c: NomadConnection,
  id: string,
  namespace: string,
): Promise<LiveJob | undefined> {
  const res = await unless404(
    callApi(req(c, jobPath(id, namespace)), `read job ${id}`, NOMAD_RETRY),
  );
  return res?.body as LiveJob | undefined;
}

/** A deployment as Nomad reports it (the fields read here). */
export interface Deployment {
  ID?: string;
  Status?: string;
  StatusDescription?: string;
  JobModifyIndex?: number;
}

/** `GET /v1/job/:id/deployment`: the job's latest deployment, undefined when it has none. */
export async function latestDeployment(
  c: NomadConnection,
  id: string,
  namespace: string,
): Promise<Deployment | undefined> {
  const res = await callApi(
    req(c, jobPath(id, namespace, "/deployment")),
    `read deployment of ${id}`,
    NOMAD_RETRY,
  );
  const d = res.body as Deployment | null | undefined;
  return d && d.ID ? d : undefined;
}

/** A terminal failure of a deployment, as the error text the providers report, else undefined. */
export function deploymentFailure(id: string, d: Deployment | undefined): string | undefined {
  if (!d || (d.Status !== "failed" && d.Status !== "cancelled")) return undefined;
  return `job ${id}: deployment ${d.ID} ${d.Status}: ${d.StatusDescription ?? ""}`;
}

/**
 * Waits until the job's latest deployment for `jobModifyIndex` is successful; a failed
 * or cancelled deployment, or the time limit, is an error that says which.
 */
export async function waitForDeployment(
  c: NomadConnection,
  job: NomadJob,
  jobModifyIndex: number,
  timeoutSeconds: number,
  pollMs = 5000,
): Promise<string> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = "no deployment yet";
  for (;;) {
    const d = await latestDeployment(c, job.ID, job.Namespace ?? "default");
    if (d && (d.JobModifyIndex ?? jobModifyIndex) >= jobModifyIndex) {
      last = `${d.Status}: ${d.StatusDescription ?? ""}`;
      if (d.Status === "successful") return d.ID as string;
      const failed = deploymentFailure(job.ID, d);
      if (failed) throw new Error(failed);
    }
    if (Date.now() + pollMs > deadline)
      throw new Error(
        `job ${job.ID}: not healthy after ${timeoutSeconds} s (last deployment state: ${last})`,
      );
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Creates or updates a namespace (`PUT /v1/namespace/:name`). */
export async function upsertNamespace(
  c: NomadConnection,
  name: string,
  description: string,
): Promise<void> {
  await callApi(
    req(c, `/v1/namespace/${encodeURIComponent(name)}`, {
      method: "PUT",
      body: { Name: name, Description: description },
    }),
    `write namespace ${name}`,
    NOMAD_RETRY,
  );
}

/** Deletes a namespace; a missing one is fine. */
export async function deleteNamespace(c: NomadConnection, name: string): Promise<void> {
  await unless404(
    callApi(
      req(c, `/v1/namespace/${encodeURIComponent(name)}`, { method: "DELETE" }),
      `delete namespace ${name}`,
      NOMAD_RETRY,
    ),
  );
}

/** `GET /v1/namespace/:name` (the fields read here), undefined when it does not exist. */
export async function readNamespace(
  c: NomadConnection,
  name: string,
): Promise<{ Name: string; Description?: string } | undefined> {
  const res = await unless404(
    callApi(
      req(c, `/v1/namespace/${encodeURIComponent(name)}`),
      `read namespace ${name}`,
      NOMAD_RETRY,
    ),
  );
  return res?.body as { Name: string; Description?: string } | undefined;
}
