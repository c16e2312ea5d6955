/**
 * Token flows behind application-default credentials (gcpAuth.ts finds which one applies):
 * service-account JWT, refresh token, workload/workforce identity federation (STS), and
 * service-account impersonation. Shapes follow google-auth-library-nodejs (jwtclient.ts,
 * refreshclient.ts, baseexternalclient.ts, stscredentials.ts, impersonated.ts). No npm
 * dependency; Node modules load inside the calls because Pulumi serializes the dynamic
 * providers that use this module. Error texts carry statuses and the endpoints' own error
 * messages, never a token, a key or a fragment of a credentials document.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- Node modules load inside the calls: Pulumi serializes the dynamic providers that use this module. */
import { googleError, googleRequest } from "./googleHttp";

/** The scope every token is asked for. */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
/** Google's OAuth 2.0 token endpoint (service accounts and refresh tokens). */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
/** IAM Credentials API v1 (generateAccessToken). */
export const IAM_CREDENTIALS_API = "https://iamcredentials.googleapis.com/v1";
/** Workforce pool audiences (baseexternalclient.ts WORKFORCE_AUDIENCE_PATTERN). */
export const WORKFORCE_AUDIENCE =
  /^\/\/iam\.googleapis\.com\/locations\/[^/]+\/workforcePools\/[^/]+\/providers\/.+/;

/** A source of access tokens; `origin` says where the credentials came from (no secret). */
export interface TokenSource {
  readonly origin: string;
  /**
   * The project billed for quota, sent as `x-goog-user-project` (google-auth-library
   * authclient.ts addSharedMetadataHeaders): `GOOGLE_CLOUD_QUOTA_PROJECT`, else the
   * credentials file's `quota_project_id`.
   */
  readonly quotaProject?: string;
  token(): Promise<string>;
}

/** A credentials document (or part of one). */
export type Json = Record<string, unknown>;
/** A JSON field as text ("" or the default when it is not a string). */
export const str = (v: unknown, otherwise = ""): string => (typeof v === "string" ? v : otherwise);
/** A fetched token and its lifetime. */
export type Fetched = { token: string; expiresInSec: number };

/**
 * Parses JSON without ever quoting the input: V8's SyntaxError messages quote a fragment of
 * the text (`Unexpected token 'x', "{"private_k"... is not valid JSON`), and a credentials
 * document or a subject token must not reach a note, a log or state. Only the position, when
 * V8 gives one, is kept.
 */
export function parseJsonQuietly(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    const at = /at position (\d+)/.exec(String((e as { message?: unknown }).message));
    return { error: `not valid JSON${at ? ` at position ${at[1]}` : ""}` };
  }
}

/**
 * Caches a token until a minute before it expires. Concurrent callers share the fetch in
 * flight (google-auth-library baseexternalclient.ts #pendingAccessToken), so ten parallel
 * reads cost one STS exchange, not ten; a failed fetch is not cached.
 */
export function cached(
  origin: string,
  fetch: () => Promise<Fetched>,
  quotaProject?: string,
): TokenSource {
  let current: { token: string; until: number } | undefined;
  let pending: Promise<string> | undefined;
  return {
    origin,
    ...(quotaProject ? { quotaProject } : {}),
    async token() {
      if (current && Date.now() < current.until) return current.token;
      pending ??= fetch()
        .then((t) => {
          current = { token: t.token, until: Date.now() + (t.expiresInSec - 60) * 1000 };
          return t.token;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
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
export function oauthToken(origin: string, body: Json): Fetched {
  if (typeof body.access_token !== "string")
    throw new Error(`${origin}: the token endpoint answered without an access_token`);
  return { token: body.access_token, expiresInSec: Number(body.expires_in ?? 3600) };
}

/** Service account key: an RS256 JWT assertion for the token endpoint (RFC 7523). */
function serviceAccount(origin: string, j: Json, quota?: string): TokenSource {
  const tokenUri = str(j.token_uri, GOOGLE_TOKEN_URL);
  return cached(
    origin,
    async () => {
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
    },
    quota,
  );
}

/** A user's refresh token (`gcloud auth application-default login`). */
function authorizedUser(origin: string, j: Json, quota?: string): TokenSource {
  const form = {
    grant_type: "refresh_token",
    client_id: str(j.client_id),
    client_secret: str(j.client_secret),
    refresh_token: str(j.refresh_token),
  };
  const url = str(j.token_uri, GOOGLE_TOKEN_URL);
  return cached(
    origin,
    async () => oauthToken(origin, await tokenCall(origin, url, { form })),
    quota,
  );
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
  const parsed = parseJsonQuietly(raw);
  if ("error" in parsed) throw new Error(`${origin}: the subject token is ${parsed.error}`);
  const value = ((parsed.value ?? {}) as Json)[format.subject_token_field_name ?? ""];
  if (typeof value !== "string")
    throw new Error(`${origin}: subject token field "${format.subject_token_field_name}" missing`);
  return value;
}

/** Exchanges a token for one of a service account (IAM Credentials generateAccessToken). */
export async function impersonate(origin: string, url: string, base: string): Promise<Fetched> {
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

/**
 * Workload or workforce identity federation: STS token exchange (RFC 8693), then
 * impersonation if set. As google-auth-library (externalclient.ts fromJSON): a
 * `credential_source.environment_id` is AWS and an `executable` is pluggable auth, neither
 * supported here (named, so the reason is clear); `url` and `file` sources are. Workforce
 * pools send `options={"userProject": workforce_pool_user_project}` unless the file has
 * OAuth client credentials, which go as HTTP Basic auth instead (baseexternalclient.ts
 * refreshAccessTokenAsync, stscredentials.ts exchangeToken, oauth2common.ts).
 */
function externalAccount(origin: string, j: Json, quota?: string): TokenSource | string {
  const src = (j.credential_source ?? {}) as Json;
  if (src.environment_id !== undefined)
    return `${origin}: external_account with an AWS credential source (environment_id "${str(src.environment_id)}") is not supported here; use a url or file credential source, or GOOGLE_OAUTH_ACCESS_TOKEN`;
  if (src.executable !== undefined)
    return `${origin}: external_account with an executable credential source is not supported here; use a url or file credential source, or GOOGLE_OAUTH_ACCESS_TOKEN`;
  if (typeof src.url !== "string" && typeof src.file !== "string")
    return `${origin}: external_account credential_source has neither url nor file`;
  const userProject = str(j.workforce_pool_user_project);
  if (userProject && !WORKFORCE_AUDIENCE.test(str(j.audience)))
    return `${origin}: workforce_pool_user_project is set but the audience is not a workforce pool provider`;
  const clientId = str(j.client_id);
  const basic = clientId
    ? {
        Authorization: `Basic ${Buffer.from(`${clientId}:${str(j.client_secret)}`).toString("base64")}`,
      }
    : undefined;
  return cached(
    origin,
    async () => {
      const form: Record<string, string> = {
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        audience: str(j.audience),
        scope: CLOUD_PLATFORM_SCOPE,
        requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
        subject_token: await subjectToken(origin, src),
        subject_token_type: str(j.subject_token_type),
        ...(userProject && !basic ? { options: JSON.stringify({ userProject }) } : {}),
      };
      const sts = oauthToken(
        origin,
        await tokenCall(origin, str(j.token_url), { form, ...(basic ? { headers: basic } : {}) }),
      );
      const url = j.service_account_impersonation_url;
      return typeof url === "string" ? impersonate(origin, url, sts.token) : sts;
    },
    quota,
  );
}

/**
 * A credentials JSON document as a token source, or why it cannot be one. `quota` is the
 * quota project already decided by the caller (environment over the document).
 */
export function fromCredentialsJson(origin: string, j: Json, quota?: string): TokenSource | string {
  const named = `${origin} (${str(j.type)}${j.client_email ? ` ${str(j.client_email)}` : ""})`;
  switch (j.type) {
    case "service_account":
      return serviceAccount(named, j, quota);
    case "authorized_user":
      return authorizedUser(named, j, quota);
    case "external_account":
      return externalAccount(named, j, quota);
    case "impersonated_service_account": {
      const base = fromCredentialsJson(origin, (j.source_credentials ?? {}) as Json);
      const url = j.service_account_impersonation_url;
      if (typeof base === "string" || typeof url !== "string")
        return typeof base === "string" ? base : `${named}: no impersonation URL`;
      return cached(named, async () => impersonate(named, url, await base.token()), quota);
    }
    default:
      return `${origin}: unsupported credential type "${str(j.type)}"`;
  }
}
