/**
 * Waits, bounded, until each API the stack enabled answers in the project. Enabling an API is
 * eventually consistent: `gcp.projects.Service` returns once Service Usage lists it, yet the
 * next call to that API can still get "403 ... API has not been used in project ... before or
 * it is disabled" for a while, longest in new projects, and nothing retries it
 * (terraform-provider-google, website/docs/guides/google_project_service.html.markdown,
 * "Newly activated service errors"). So the preflight asks each API one cheap authenticated
 * GET in the project and treats SERVICE_DISABLED as "not yet"; every other answer (200, a
 * permission error, 404) means the API is serving. Pure of Pulumi; tested against a local fake.
 */
import { authHeaders, TokenSource } from "./gcpAuth";
import { errorText, GoogleResponse, googleError, googleRequest } from "./googleHttp";

/** Default bound of the wait: a few minutes (new projects are the slow case). */
export const API_WAIT_SECONDS = 300;
/**
 * Without credentials to probe with, a fixed pause after the enablements instead (the
 * provider guide's mitigation is a sleep of 30 to 60 s).
 */
export const API_SETTLE_SECONDS = 60;
/** Pause between probe rounds: doubling from 2 s up to 10 s. */
export const API_PROBE_BACKOFF_SECONDS = [2, 4, 8, 10] as const;

/**
 * One cheap GET per API, in the target project (path under `https://<api>`):
 * compute regions.list, Resource Manager v1 projects.get (gives the project number too),
 * IAM projects.serviceAccounts.list, Secret Manager projects.secrets.list
 * (cloud.google.com/{compute,resource-manager,iam,secret-manager}/docs/reference/rest).
 * APIs absent here (IAP) are used by no resource of the stack, so nothing waits for them.
 */
export const API_PROBES: Record<string, (project: string) => string> = {
  "compute.googleapis.com": (p) => `/compute/v1/projects/${p}/regions?maxResults=1`,
  "cloudresourcemanager.googleapis.com": (p) => `/v1/projects/${p}`,
  "iam.googleapis.com": (p) => `/v1/projects/${p}/serviceAccounts?pageSize=1`,
  "secretmanager.googleapis.com": (p) => `/v1/projects/${p}/secrets?pageSize=1`,
};

/** A clock; tests pass a fake one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const REAL_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** How one probe went. */
export type ProbeAnswer =
  | { state: "serving"; projectNumber?: string }
  | { state: "disabled"; consumer?: string; detail: string }
  | { state: "retry"; detail: string }
  | { state: "unauthenticated"; detail: string };

type ErrorBody = {
  error?: {
    message?: string;
    errors?: { reason?: string }[];
    details?: { "@type"?: string; reason?: string; metadata?: { consumer?: string } }[];
  };
};

/**
 * What an answer means. SERVICE_DISABLED is the ErrorInfo reason Google APIs give a disabled
 * service (`details[].metadata.consumer` names the project checked); older front ends say
 * `errors[].reason: accessNotConfigured` (terraform-provider-google transport.go
 * IsApiNotEnabledError); the message "has not been used in project" covers both.
 */
export function classifyProbe(res: GoogleResponse): ProbeAnswer {
  const e = (res.body as ErrorBody | undefined)?.error;
  if (res.status === 200) {
    const n = (res.body as { projectNumber?: unknown } | undefined)?.projectNumber;
    return { state: "serving", ...(typeof n === "string" ? { projectNumber: n } : {}) };
  }
  if (res.status === 401) return { state: "unauthenticated", detail: googleError(res) };
  if (res.status === 429 || res.status >= 500) return { state: "retry", detail: googleError(res) };
  const info = e?.details?.find((d) => d.reason === "SERVICE_DISABLED");
  const disabled =
    res.status === 403 &&
    (info !== undefined ||
      (e?.errors ?? []).some((x) => x.reason === "accessNotConfigured") ||
      /has not been used in project|it is disabled/.test(e?.message ?? ""));
  if (!disabled) return { state: "serving" };
  const consumer = info?.metadata?.consumer;
  return { state: "disabled", detail: googleError(res), ...(consumer ? { consumer } : {}) };
}

/** The outcome when every probed API answers (or probing was impossible). */
export interface ApiWaitResult {
  /** False when the APIs could not be probed (no usable token): the caller pauses instead. */
  probed: boolean;
  note: string;
}

/** Options of {@link waitForApis}. */
export interface ApiWaitOptions {
  tokens: TokenSource;
  /** Base URL per API (default `https://<api>`); tests point it at a local fake. */
  root?: (api: string) => string;
  timeoutSeconds?: number;
  clock?: Clock;
}

/** The error when an API answers for another project than the one the stack enabled it in. */
function otherConsumerMessage(api: string, project: string, consumer: string, d: string): string {
  return [
    `${api} answers as disabled for ${consumer}, not for project ${project} where this stack enabled it: ${d}`,
    `${consumer} is the quota project of your credentials (the service account's own project, GOOGLE_CLOUD_QUOTA_PROJECT, or the ADC file's quota_project_id).`,
    `Enable it there (gcloud services enable ${api} --project <that project>), or make ${project} the quota project: gcloud auth application-default set-quota-project ${project}`,
  ].join("\n");
}

/**
 * Waits until each API of `apis` that has a probe answers in `project`. Throws naming the
 * APIs still disabled when the bound passes, or at once when an API is disabled in another
 * project (the credentials' quota project, which waiting does not fix).
 */
export async function waitForApis(
  project: string,
  apis: string[],
  opts: ApiWaitOptions,
): Promise<ApiWaitResult> {
  const clock = opts.clock ?? REAL_CLOCK;
  const root = opts.root ?? ((api: string) => `https://${api}`);
  const timeout = opts.timeoutSeconds ?? API_WAIT_SECONDS;
  const deadline = clock.now() + timeout * 1000;
  const probed = apis.filter((a) => API_PROBES[a]);
  const last = new Map<string, ProbeAnswer>();
  let pending = [...probed];
  let projectNumber: string | undefined;
  for (let round = 0; ; round++) {
    let headers: Record<string, string>;
    try {
      headers = await authHeaders(opts.tokens);
    } catch (e) {
      return { probed: false, note: `APIs not probed: ${errorText(e)}` };
    }
    const answers = await Promise.all(
      pending.map(async (api): Promise<[string, ProbeAnswer]> => {
        const url = `${root(api)}${API_PROBES[api]?.(encodeURIComponent(project)) ?? ""}`;
        try {
          return [api, classifyProbe(await googleRequest({ url, headers }))];
        } catch (e) {
          return [api, { state: "retry", detail: errorText(e) }];
        }
      }),
    );
    for (const [api, a] of answers) {
      last.set(api, a);
      if (a.state === "serving" && a.projectNumber) projectNumber = a.projectNumber;
      if (a.state === "unauthenticated")
        return { probed: false, note: `APIs not probed: ${api}: ${a.detail}` };
    }
    for (const [api, a] of answers) {
      if (a.state !== "disabled" || !a.consumer || projectNumber === undefined) continue;
      const ours = [`projects/${project}`, `projects/${projectNumber}`];
      if (!ours.includes(a.consumer))
        throw new Error(otherConsumerMessage(api, project, a.consumer, a.detail));
    }
    pending = pending.filter((api) => last.get(api)?.state !== "serving");
    if (pending.length === 0) {
      const skipped = apis.filter((a) => !API_PROBES[a]);
      return {
        probed: true,
        note: `APIs answering in ${project}: ${probed.join(", ")}${skipped.length ? ` (not probed, no resource uses them: ${skipped.join(", ")})` : ""}`,
      };
    }
    const pause = (API_PROBE_BACKOFF_SECONDS[round] ?? 10) * 1000;
    if (clock.now() + pause > deadline)
      throw new Error(
        [
          `APIs this stack enabled in project ${project} still do not answer after ${timeout} s:`,
          ...pending.map((api) => {
            const a = last.get(api);
            return `  - ${api}: ${a && "detail" in a ? a.detail : "no answer"}`;
          }),
          "An enablement can take several minutes to reach every Google service, longest in a new project: run pulumi up again (no GCP resource but the API enablements was created).",
        ].join("\n"),
      );
    await clock.sleep(pause);
  }
}
