/**
 * Application-default credentials, found where the GCP provider finds them, for the calls
 * the dynamic providers make themselves (API readiness, deployer check, boot progress). No
 * npm dependency (token flows: gcpTokens.ts). Nothing here is ever an input or output of a
 * resource, so no credential reaches state; reasons and errors carry statuses, paths and the
 * endpoints' own error messages, never a token, a key or a fragment of a credentials value.
 * Order (the provider's: terraform-provider-google's `GOOGLE_OAUTH_ACCESS_TOKEN` and
 * `GOOGLE_CREDENTIALS` family first, then golang.org/x/oauth2 FindDefaultCredentials):
 *  1. `GOOGLE_OAUTH_ACCESS_TOKEN` (a token, or a path to a file holding one);
 *  2. `GOOGLE_CREDENTIALS`, `GOOGLE_CLOUD_KEYFILE_JSON`, `GCLOUD_KEYFILE_JSON` (JSON or a path);
 *  3. `GOOGLE_APPLICATION_CREDENTIALS` (a path: GitHub Actions' google-github-actions/auth
 *     writes an `external_account` file there);
 *  4. gcloud's ADC file (`gcloud auth application-default login`);
 *  5. the GCE metadata server, when on Google Cloud (detected as google-auth-library's
 *     gcp-metadata does; `GCE_METADATA_HOST` and `METADATA_SERVER_DETECTION` honoured).
 * `GOOGLE_IMPERSONATE_SERVICE_ACCOUNT` then impersonates, as the provider does. The quota
 * project (`x-goog-user-project`) is `GOOGLE_CLOUD_QUOTA_PROJECT`, else the document's
 * `quota_project_id` (google-auth-library googleauth.ts #prepareAndCacheClient and
 * authclient.ts addSharedMetadataHeaders).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- Node modules load inside the calls: Pulumi serializes the dynamic providers that use this module. */
import { errorText, googleError, googleRequest } from "./googleHttp";
import {
  IAM_CREDENTIALS_API,
  Json,
  TokenSource,
  cached,
  fromCredentialsJson,
  impersonate,
  oauthToken,
  parseJsonQuietly,
  str,
} from "./gcpTokens";

export {
  CLOUD_PLATFORM_SCOPE,
  GOOGLE_TOKEN_URL,
  IAM_CREDENTIALS_API,
  fromCredentialsJson,
} from "./gcpTokens";
export type { TokenSource } from "./gcpTokens";

/** Found credentials, or why none were. */
export type CredentialLookup = { source: TokenSource } | { source?: undefined; reason: string };

/** Where to look; tests pass their own environment. */
export interface AuthEnvironment {
  env?: Record<string, string | undefined>;
  /** Whether this process runs on Google Cloud (default: detected). */
  onGoogleCloud?: () => boolean;
  /** IAM Credentials base URL for `GOOGLE_IMPERSONATE_SERVICE_ACCOUNT` (tests: a local fake). */
  iamCredentialsUrl?: string;
}

/** The headers of an API call made with `source`: the bearer token and the quota project. */
export async function authHeaders(source: TokenSource): Promise<Record<string, string>> {
  return {
    Authorization: `Bearer ${await source.token()}`,
    ...(source.quotaProject ? { "x-goog-user-project": source.quotaProject } : {}),
  };
}

/** The GCE metadata server's token for the VM's service account. */
function metadataServer(host: string, quota?: string): TokenSource {
  const origin = `GCE metadata server (${host})`;
  return cached(
    origin,
    async () => {
      const res = await googleRequest(
        {
          url: `http://${host}/computeMetadata/v1/instance/service-accounts/default/token`,
          headers: { "Metadata-Flavor": "Google" },
        },
        host,
      );
      if (res.status !== 200) throw new Error(`${origin}: ${googleError(res)}`);
      return oauthToken(origin, (res.body ?? {}) as Json);
    },
    quota,
  );
}

/** On Google Cloud, as gcp-metadata's detectGCPResidency decides (serverless env, BIOS, MAC). */
export function detectGoogleCloud(env: Record<string, string | undefined> = process.env): boolean {
  if (env.CLOUD_RUN_JOB || env.FUNCTION_NAME || env.K_SERVICE) return true;
  const fs = require("fs") as typeof import("fs");
  const os = require("os") as typeof import("os");
  try {
    fs.statSync("/sys/class/dmi/id/bios_date");
    if (/Google/.test(fs.readFileSync("/sys/class/dmi/id/bios_vendor", "utf8"))) return true;
  } catch {
    /* not Linux on GCE */
  }
  return Object.values(os.networkInterfaces()).some((list) =>
    (list ?? []).some((n) => /^42:01/.test(n.mac)),
  );
}

/**
 * A setting that is a path or the contents themselves, as the provider reads
 * `access_token` and `credentials` (terraform-provider-google verify.PathOrContents: `~`
 * expanded, an existing file is read, anything else is the value). `path` is set when a
 * file was read; `error` when it exists but cannot be read.
 */
export function pathOrContents(
  value: string,
  env: Record<string, string | undefined>,
): { contents: string; path?: string } | { error: string } {
  const fs = require("fs") as typeof import("fs");
  const path = /^~(\/|$)/.test(value) ? `${env.HOME ?? "~"}${value.slice(1)}` : value;
  // A long value is contents (a JSON key or a token), never stat'ed as a file name.
  if (path.length > 4096 || !fs.existsSync(path)) return { contents: value };
  try {
    return { contents: fs.readFileSync(path, "utf8"), path };
  } catch (e) {
    return { error: `cannot read ${path} (${errorText(e)})` };
  }
}

/** A credentials document from text; the reason names the origin, never the text. */
function jsonDocument(origin: string, text: string, where: string): Json | string {
  const parsed = parseJsonQuietly(text);
  if ("error" in parsed) return `${origin}: ${where} is ${parsed.error}`;
  if (!parsed.value || typeof parsed.value !== "object" || Array.isArray(parsed.value))
    return `${origin}: ${where} is not a JSON object`;
  return parsed.value as Json;
}

/** Reads a credentials file (a path only, as google-auth-library reads these). */
function readJsonFile(origin: string, file: string): Json | string {
  const fs = require("fs") as typeof import("fs");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    return `${origin}: cannot read credentials (${errorText(e)})`;
  }
  return jsonDocument(origin, text, "the file");
}

/** Finds credentials in the provider's order (see the module comment). Never throws. */
export function findCredentials(where: AuthEnvironment = {}): CredentialLookup {
  const env = where.env ?? process.env;
  const path = require("path") as typeof import("path");
  const fs = require("fs") as typeof import("fs");
  const quotaOf = (j?: Json) => env.GOOGLE_CLOUD_QUOTA_PROJECT || str(j?.quota_project_id);
  const found = (s: TokenSource | string): CredentialLookup => {
    if (typeof s === "string") return { reason: s };
    const sa = env.GOOGLE_IMPERSONATE_SERVICE_ACCOUNT;
    if (!sa) return { source: s };
    const origin = `${s.origin} impersonating ${sa}`;
    const url = `${where.iamCredentialsUrl ?? IAM_CREDENTIALS_API}/projects/-/serviceAccounts/${sa}:generateAccessToken`;
    return {
      source: cached(origin, async () => impersonate(origin, url, await s.token()), s.quotaProject),
    };
  };
  const document = (origin: string, j: Json | string) =>
    found(typeof j === "string" ? j : fromCredentialsJson(origin, j, quotaOf(j)));

  const token = env.GOOGLE_OAUTH_ACCESS_TOKEN;
  if (token) {
    const read = pathOrContents(token, env);
    if ("error" in read) return { reason: `GOOGLE_OAUTH_ACCESS_TOKEN: ${read.error}` };
    const value = read.contents.trim();
    const origin = `GOOGLE_OAUTH_ACCESS_TOKEN${read.path ? ` (file ${read.path})` : ""}`;
    if (!value) return { reason: `${origin}: empty` };
    const quota = quotaOf();
    return found({ origin, ...(quota ? { quotaProject: quota } : {}), token: async () => value });
  }
  for (const name of ["GOOGLE_CREDENTIALS", "GOOGLE_CLOUD_KEYFILE_JSON", "GCLOUD_KEYFILE_JSON"]) {
    const v = env[name];
    if (!v) continue;
    const read = pathOrContents(v, env);
    if ("error" in read) return { reason: `${name}: ${read.error}` };
    const origin = read.path ? `${name}=${read.path}` : name;
    const where = read.path ? "the file" : "the value (neither an existing file nor JSON)";
    return document(origin, jsonDocument(origin, read.contents, where));
  }
  const file = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (file) {
    const origin = `GOOGLE_APPLICATION_CREDENTIALS=${file}`;
    return document(origin, readJsonFile(origin, file));
  }
  const dir = env.CLOUDSDK_CONFIG
    ? env.CLOUDSDK_CONFIG
    : env.APPDATA && process.platform === "win32"
      ? path.join(env.APPDATA, "gcloud")
      : path.join(env.HOME ?? "~", ".config", "gcloud");
  const adc = path.join(dir, "application_default_credentials.json");
  if (fs.existsSync(adc)) return document(`gcloud ADC file ${adc}`, readJsonFile(adc, adc));
  const host = env.GCE_METADATA_HOST ?? env.GCE_METADATA_IP;
  const detection = (env.METADATA_SERVER_DETECTION ?? "").trim().toLowerCase();
  const quota = quotaOf() || undefined;
  if (host) return found(metadataServer(host, quota));
  if (detection === "assume-present") return found(metadataServer("169.254.169.254", quota));
  if (detection !== "none" && (where.onGoogleCloud ?? (() => detectGoogleCloud(env)))())
    return found(metadataServer("169.254.169.254", quota));
  return {
    reason:
      "no Google credentials found (GOOGLE_OAUTH_ACCESS_TOKEN, GOOGLE_CREDENTIALS and " +
      `GOOGLE_APPLICATION_CREDENTIALS unset, no gcloud ADC file at ${adc}, not on Google Cloud)`,
  };
}
