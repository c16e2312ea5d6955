/**
 * Nomad HTTP API operations the dynamic providers need: parse an HCL2 jobspec with
 * variables (`/v1/jobs/parse`), plan, register (with the submission source), read, purge,
 * and namespaces (deployments: nomadDeployment.ts). No top-level imports beyond the API client,
 * because Pulumi serializes the providers that call these into state.
 */
import { ApiRequest, RetryPolicy, callApi, messageOf, retryDelaysMs } from "./apiClient";

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

/** Create, update and delete: the cluster must answer, so retry for ~1 minute and more. */
export const APPLY_CALL: CallTuning = { retry: NOMAD_RETRY, timeoutMs: 30_000 };

/**
 * A refresh (`read`): a stopped or unreachable cluster fails within ~30 s per object
 * (three tries of 8 s at most, see {@link worstCaseMs}) with a message saying what to do,
 * instead of the apply policy's minutes per call.
 */
export const READ_CALL: CallTuning = {
  retry: { attempts: 3, baseDelayMs: 1000, maxDelayMs: 2000 },
  timeoutMs: 8000,
};

/**
 * A diff. The engine's DiffRequest says nothing about preview versus update (fields id,
 * urn, olds, news, ignoreChanges, old_inputs, name, type: pulumi/pulumi
 * proto/pulumi/provider.proto), so this runs during `up` too. When nothing answers (the
 * previewing machine may be outside the firewall's operator ranges) one short try, then the
 * diff falls back to comparing inputs. A 5xx or 429 (a leader election, which can happen
 * during an `up`) is retried a few times within ~8 s. Never the apply backoff.
 */
export const DIFF_CALL: CallTuning = {
  retry: { attempts: 5, baseDelayMs: 500, maxDelayMs: 4000, retryNoAnswer: false },
  timeoutMs: 5000,
};

/** The longest one call with `t` can take: every attempt timing out, plus the pauses. */
export function worstCaseMs(t: CallTuning): number {
  return t.retry.attempts * t.timeoutMs + retryDelaysMs(t.retry).reduce((a, b) => a + b, 0);
}

/**
 * The error a refresh reports when Nomad could not be read: what, why, and (unless Nomad
 * answered with a 4xx, whose text says enough) what to do about a cluster that is stopped
 * or out of reach. `pulumi refresh --exclude` exists (pkg/cmd/pulumi/operations/refresh.go).
 */
export function refreshFailure(what: string, address: string, e: unknown): Error {
  const answered = typeof (e as { status?: unknown } | null)?.status === "number";
  return new Error(
    `refresh of ${what}: ${messageOf(e)}` +
      (answered
        ? ""
        : `. A refresh reads it from Nomad at ${address}: start the cluster or run from an ` +
          "address in hashistack:operatorCidrs, or leave the Nomad objects out " +
          "(pulumi refresh --exclude <urn>)"),
  );
}

/** Pulumi's marker for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** One request to Nomad with the connection's CA and token and the tuning's timeout. */
export function nomadRequest(
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
    nomadRequest(
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
    nomadRequest(
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
    nomadRequest(c, `/v1/jobs?${nsQuery(job)}`, {
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

/** `/v1/job/:id[suffix]?[query]namespace=:ns`. */
export function jobPath(id: string, namespace: string, suffix = "", query = ""): string {
  return `/v1/job/${encodeURIComponent(id)}${suffix}?${query}namespace=${encodeURIComponent(namespace)}`;
}

/** Deregisters and purges a job; an already-missing job is fine. */
export async function purgeJob(c: NomadConnection, id: string, namespace: string): Promise<void> {
  await unless404(
    callApi(
      nomadRequest(c, jobPath(id, namespace, "", "purge=true&"), { method: "DELETE" }),
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
  /** The job's version (a revert registers the old spec as a new version). */
  Version?: number;
}

/** `GET /v1/job/:id`: the registered job, or undefined when Nomad has none (purged). */
export async function readJob(
  c: NomadConnection,
  id: string,
  namespace: string,
  tuning: CallTuning = APPLY_CALL,
): Promise<LiveJob | undefined> {
  const res = await unless404(
    callApi(nomadRequest(c, jobPath(id, namespace), {}, tuning), `read job ${id}`, tuning.retry),
  );
  return res?.body as LiveJob | undefined;
}

/** Creates or updates a namespace (`PUT /v1/namespace/:name`). */
export async function upsertNamespace(
  c: NomadConnection,
  name: string,
  description: string,
): Promise<void> {
  await callApi(
    nomadRequest(c, `/v1/namespace/${encodeURIComponent(name)}`, {
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
      nomadRequest(c, `/v1/namespace/${encodeURIComponent(name)}`, { method: "DELETE" }),
      `delete namespace ${name}`,
      NOMAD_RETRY,
    ),
  );
}

/** `GET /v1/namespace/:name` (the fields read here), undefined when it does not exist. */
export async function readNamespace(
  c: NomadConnection,
  name: string,
  tuning: CallTuning = APPLY_CALL,
): Promise<{ Name: string; Description?: string } | undefined> {
  const res = await unless404(
    callApi(
      nomadRequest(c, `/v1/namespace/${encodeURIComponent(name)}`, {}, tuning),
      `read namespace ${name}`,
      tuning.retry,
    ),
  );
  return res?.body as { Name: string; Description?: string } | undefined;
}
