/**
 * Application-default credentials, found where the GCP provider finds them, for the calls
 * the dynamic providers make themselves (boot progress, deployer checks). No npm dependency:
 * Node's crypto signs the service-account JWT. Nothing here is ever an input or output of a
 * resource, so no credential reaches state; error texts carry statuses and the endpoints'
 * own error messages, never a token. Order (the provider's: terraform-provider-google's
 * `GOOGLE_OAUTH_ACCESS_TOKEN` and `GOOGLE_CREDENTIALS` family first, then golang.org/x/oauth2
 * FindDefaultCredentials):
 *  1. `GOOGLE_OAUTH_ACCESS_TOKEN` (a bare access token);
 *  2. `GOOGLE_CREDENTIALS`, `GOOGLE_CLOUD_KEYFILE_JSON`, `GCLOUD_KEYFILE_JSON` (JSON or a path);
 *  3. `GOOGLE_APPLICATION_CREDENTIALS` (a path: GitHub Actions' google-github-actions/auth
 *     writes an `external_account` file there);
 *  4. gcloud's ADC file (`gcloud auth application-default login`);
 *  5. the GCE metadata server, when on Google Cloud (detected as google-auth-library's
 *     gcp-metadata does; `GCE_METADATA_HOST` and `METADATA_SERVER_DETECTION` honoured).
 * `GOOGLE_IMPERSONATE_SERVICE_ACCOUNT` then impersonates, as the provider does.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- Node modules load inside the calls: Pulumi serializes the dynamic providers that use this module. */
import { errorText, googleError, googleRequest } from "./googleHttp";

/** The scope every token is asked for. */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
/** Google's OAuth 2.0 token endpoint (service accounts and refresh tokens). */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
/** IAM Credentials API v1 (generateAccessToken). */
export const IAM_CREDENTIALS_API = "https://iamcredentials.googleapis.com/v1";

/** A source of access tokens; `origin` says where the credentials came from (no secret). */
export interface TokenSource {
  readonly origin: string;
  token(): Promise<string>;
}

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

type Json = Record<string, unknown>;
/** A JSON field as text ("" or the default when it is not a string). */
const str = (v: unknown, otherwise = ""): string => (typeof v === "string" ? v : otherwise);
type Fetched = { token: string; expiresInSec: number };

/** Caches a token until a minute before it expires. */
function cached(origin: string, fetch: () => Promise<Fetched>): TokenSource {
  let current: { token: string; until: number } | undefined;
  return {
    origin,
    async token() {
      if (current && Date.now() < current.until) return current.token;
      const t = await fetch();
      current = { token: t.token, until: Date.now() + (t.expiresInSec - 60) * 1000 };
      return t.token;
    },
  };
}

/** POSTs to a token endpoint; names the endpoint and quotes its error on failure. */
async function tokenCall(
  origin: string,
  url: string,
  req: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string> },
): Promise<Json> {
  const res = await googleRequest({ url, method: "POST", ...req });
  const body = (res.body ?? {}) as Json;
  if (res.status !== 200) {
    const u = new URL(url);
    throw new Error(
      `${origin}: token request to ${u.host}${u.pathname} failed: ${googleError(res)}`,
    );
  }
  return body;
}

/** An OAuth token response `{access_token, expires_in}`. */
function oauthToken(origin: string, body: Json): Fetched {
  if (typeof body.access_token !== "string")
    throw new Error(`${origin}: the token endpoint answered without an access_token`);
  return { token: body.access_token, expiresInSec: Number(body.expires_in ?? 3600) };
}

/** Service account key: an RS256 JWT assertion for the token endpoint (RFC 7523). */
function serviceAccount(origin: string, j: Json): TokenSource {
  const tokenUri = str(j.token_uri, GOOGLE_TOKEN_URL);
  return cached(origin, async () => {
    const crypto = require("crypto") as typeof import("crypto");
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const header = {
      alg: "RS256",
      typ: "JWT",
      ...(j.private_key_id ? { kid: j.private_key_id } : {}),
    };
    const claims = {
      iss: j.client_email,
      scope: CLOUD_PLATFORM_SCOPE,
      aud: tokenUri,
      iat: now,
      exp: now + 3600,
    };
    const unsigned = `${b64(header)}.${b64(claims)}`;
    const signature = crypto
      .createSign("RSA-SHA256")
      .update(unsigned)
      .sign(str(j.private_key))
      .toString("base64url");
    const form = {
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: `${unsigned}.${signature}`,
    };
    return oauthToken(origin, await tokenCall(origin, tokenUri, { form }));
  });
}

/** A user's refresh token (`gcloud auth application-default login`). */
function authorizedUser(origin: string, j: Json): TokenSource {
  const form = {
    grant_type: "refresh_token",
    client_id: str(j.client_id),
    client_secret: str(j.client_secret),
    refresh_token: str(j.refresh_token),
  };
  const url = str(j.token_uri, GOOGLE_TOKEN_URL);
  return cached(origin, async () => oauthToken(origin, await tokenCall(origin, url, { form })));
}

/** Reads the subject token of a workload identity federation credential (url or file). */
async function subjectToken(origin: string, src: Json): Promise<string> {
  const format = (src.format ?? { type: "text" }) as {
    type?: string;
    subject_token_field_name?: string;
  };
  let raw: string;
  if (typeof src.url === "string") {
    const res = await googleRequest({
      url: src.url,
      headers: (src.headers ?? {}) as Record<string, string>,
    });
    if (res.status !== 200)
      throw new Error(
        `${origin}: subject token from ${new URL(src.url).host} failed: ${googleError(res)}`,
      );
    raw = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
  } else {
    raw = (require("fs") as typeof import("fs")).readFileSync(str(src.file), "utf8");
  }
  if (format.type !== "json") return raw.trim();
  const value = (JSON.parse(raw) as Json)[format.subject_token_field_name ?? ""];
  if (typeof value !== "string")
    throw new Error(`${origin}: subject token field "${format.subject_token_field_name}" missing`);
  return value;
}

/** Exchanges a token for one of a service account (IAM Credentials generateAccessToken). */
async function impersonate(origin: string, url: string, base: string): Promise<Fetched> {
  const body = await tokenCall(origin, url, {
    json: { scope: [CLOUD_PLATFORM_SCOPE], lifetime: "3600s" },
    headers: { Authorization: `Bearer ${base}` },
  });
  if (typeof body.accessToken !== "string")
    throw new Error(`${origin}: generateAccessToken answered without an accessToken`);
  const expires = Date.parse(str(body.expireTime));
  return {
    token: body.accessToken,
    expiresInSec: Number.isNaN(expires) ? 3600 : (expires - Date.now()) / 1000,
  };
}

/** Workload identity federation: STS token exchange (RFC 8693), then impersonation if set. */
function externalAccount(origin: string, j: Json): TokenSource | string {
  const src = (j.credential_source ?? {}) as Json;
  if (typeof src.url !== "string" && typeof src.file !== "string")
    return `${origin}: external_account credential_source without url or file (executable and AWS sources are not supported here)`;
  return cached(origin, async () => {
    const form = {
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      audience: str(j.audience),
      scope: CLOUD_PLATFORM_SCOPE,
      requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
      subject_token: await subjectToken(origin, src),
      subject_token_type: str(j.subject_token_type),
    };
    const sts = oauthToken(origin, await tokenCall(origin, str(j.token_url), { form }));
    const url = j.service_account_impersonation_url;
    return typeof url === "string" ? impersonate(origin, url, sts.token) : sts;
  });
}

/** A credentials JSON document as a token source, or why it cannot be one. */
export function fromCredentialsJson(origin: string, j: Json): TokenSource | string {
  const named = `${origin} (${str(j.type)}${j.client_email ? ` ${str(j.client_email)}` : ""})`;
  switch (j.type) {
    case "service_account":
      return serviceAccount(named, j);
    case "authorized_user":
      return authorizedUser(named, j);
    case "external_account":
      return externalAccount(named, j);
    case "impersonated_service_account": {
      const base = fromCredentialsJson(origin, (j.source_credentials ?? {}) as Json);
      const url = j.service_account_impersonation_url;
      if (typeof base === "string" || typeof url !== "string")
        return typeof base === "string" ? base : `${named}: no impersonation URL`;
      return cached(named, async () => impersonate(named, url, await base.token()));
    }
    default:
      return `${origin}: unsupported credential type "${str(j.type)}"`;
  }
}

/** The GCE metadata server's token for the VM's service account. */
function metadataServer(host: string): TokenSource {
  const origin = `GCE metadata server (${host})`;
  return cached(origin, async () => {
    const res = await googleRequest(
      {
        url: `http://${host}/computeMetadata/v1/instance/service-accounts/default/token`,
        headers: { "Metadata-Flavor": "Google" },
      },
      host,
    );
    if (res.status !== 200) throw new Error(`${origin}: ${googleError(res)}`);
    return oauthToken(origin, (res.body ?? {}) as Json);
  });
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

/** Reads a credentials JSON given inline or as a path. */
function readJson(origin: string, value: string): Json | string {
  const fs = require("fs") as typeof import("fs");
  try {
    return JSON.parse(
      value.trim().startsWith("{") ? value : fs.readFileSync(value, "utf8"),
    ) as Json;
  } catch (e) {
    return `${origin}: cannot read credentials (${errorText(e)})`;
  }
}

/** Finds credentials in the provider's order (see the module comment). Never throws. */
export function findCredentials(where: AuthEnvironment = {}): CredentialLookup {
  const env = where.env ?? process.env;
  const path = require("path") as typeof import("path");
  const fs = require("fs") as typeof import("fs");
  const found = (s: TokenSource | string): CredentialLookup => {
    if (typeof s === "string") return { reason: s };
    const sa = env.GOOGLE_IMPERSONATE_SERVICE_ACCOUNT;
    if (!sa) return { source: s };
    const origin = `${s.origin} impersonating ${sa}`;
    const url = `${where.iamCredentialsUrl ?? IAM_CREDENTIALS_API}/projects/-/serviceAccounts/${sa}:generateAccessToken`;
    return { source: cached(origin, async () => impersonate(origin, url, await s.token())) };
  };
  const token = env.GOOGLE_OAUTH_ACCESS_TOKEN;
  if (token) return found({ origin: "GOOGLE_OAUTH_ACCESS_TOKEN", token: async () => token });
  for (const name of ["GOOGLE_CREDENTIALS", "GOOGLE_CLOUD_KEYFILE_JSON", "GCLOUD_KEYFILE_JSON"]) {
    const v = env[name];
    if (!v) continue;
    const j = readJson(name, v);
    return found(typeof j === "string" ? j : fromCredentialsJson(name, j));
  }
  const file = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (file) {
    const j = readJson(`GOOGLE_APPLICATION_CREDENTIALS=${file}`, file);
    return found(
      typeof j === "string" ? j : fromCredentialsJson(`GOOGLE_APPLICATION_CREDENTIALS=${file}`, j),
    );
  }
  const dir = env.CLOUDSDK_CONFIG
    ? env.CLOUDSDK_CONFIG
    : env.APPDATA && process.platform === "win32"
      ? path.join(env.APPDATA, "gcloud")
      : path.join(env.HOME ?? "~", ".config", "gcloud");
  const adc = path.join(dir, "application_default_credentials.json");
  if (fs.existsSync(adc)) {
    const j = readJson(adc, adc);
    return found(typeof j === "string" ? j : fromCredentialsJson(`gcloud ADC file ${adc}`, j));
  }
  const host = env.GCE_METADATA_HOST ?? env.GCE_METADATA_IP;
  const detection = (env.METADATA_SERVER_DETECTION ?? "").trim().toLowerCase();
  if (host) return found(metadataServer(host));
  if (detection === "assume-present") return found(metadataServer("169.254.169.254"));
  if (detection !== "none" && (where.onGoogleCloud ?? (() => detectGoogleCloud(env)))())
    return found(metadataServer("169.254.169.254"));
  return {
    reason:
      "no Google credentials found (GOOGLE_OAUTH_ACCESS_TOKEN, GOOGLE_CREDENTIALS and " +
      `GOOGLE_APPLICATION_CREDENTIALS unset, no gcloud ADC file at ${adc}, not on Google Cloud)`,
  };
}
