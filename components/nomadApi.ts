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

/** Pulumi's marker for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function req(c: NomadConnection, path: string, extra: Partial<ApiRequest> = {}): ApiRequest {
  return {
    baseUrl: c.address,
    path,
    caPem: c.caPem,
    token: { header: "X-Nomad-Token", value: c.token },
    timeoutMs: 30_000,
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
): Promise<NomadJob> {
  const res = await callApi(
    req(c, "/v1/jobs/parse", {
      method: "POST",
      body: { JobHCL: hcl, Variables: renderVariables(vars), Canonicalize: true },
    }),
    "parse jobspec",
    NOMAD_RETRY,
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
export async function planJob(c: NomadConnection, job: NomadJob): Promise<string> {
  const res = await callApi(
    req(c, `/v1/job/${encodeURIComponent(job.ID)}/plan?${nsQuery(job)}`, {
      method: "POST",
      body: { Job: job, Diff: true },
    }),
    `plan job ${job.ID}`,
    NOMAD_RETRY,
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

/** Deregisters and purges a job; an already-missing job is fine. */
export async function purgeJob(c: NomadConnection, id: string, namespace: string): Promise<void> {
  try {
    await callApi(
      req(
        c,
        `/v1/job/${encodeURIComponent(id)}?purge=true&namespace=${encodeURIComponent(namespace)}`,
        { method: "DELETE" },
      ),
      `purge job ${id}`,
      NOMAD_RETRY,
    );
  } catch (e) {
    if ((e as { status?: number }).status === 404) return;
    throw e;
  }
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
    const res = await callApi(
      req(c, `/v1/job/${encodeURIComponent(job.ID)}/deployment?${nsQuery(job)}`),
      `read deployment of ${job.ID}`,
      NOMAD_RETRY,
    );
    const d = res.body as {
      ID?: string;
      Status?: string;
      StatusDescription?: string;
      JobModifyIndex?: number;
    } | null;
    if (d && d.ID && (d.JobModifyIndex ?? jobModifyIndex) >= jobModifyIndex) {
      last = `${d.Status}: ${d.StatusDescription ?? ""}`;
      if (d.Status === "successful") return d.ID;
      if (d.Status === "failed" || d.Status === "cancelled") {
        throw new Error(`job ${job.ID}: deployment ${d.ID} ${last}`);
      }
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
  try {
    await callApi(
      req(c, `/v1/namespace/${encodeURIComponent(name)}`, { method: "DELETE" }),
      `delete namespace ${name}`,
      NOMAD_RETRY,
    );
  } catch (e) {
    if ((e as { status?: number }).status === 404) return;
    throw e;
  }
}
