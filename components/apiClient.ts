/**
 * A small JSON client for the Consul and Nomad HTTP APIs over TLS verified against our CA
 * (never `rejectUnauthorized: false`). Used by the dynamic providers, whose code Pulumi
 * serializes into state: so this module imports nothing at the top level and loads Node's
 * `https` inside the call.
 */

/** One request. */
export interface ApiRequest {
  /** Base URL, e.g. `https://203.0.113.10:8501`. */
  baseUrl: string;
  path: string;
  method?: "GET" | "PUT" | "POST" | "DELETE";
  /** PEM of the CA that signed the server certificate. */
  caPem: string;
  /** ACL token, sent as `X-Consul-Token` or `X-Nomad-Token`. */
  token?: { header: "X-Consul-Token" | "X-Nomad-Token"; value: string };
  body?: unknown;
  timeoutMs?: number;
}

/** A response: status and parsed JSON body (or text when not JSON). */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/** An API answer that retrying will not fix (4xx), with what the server said. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly what: string,
    readonly serverSaid: string,
  ) {
    super(`${what}: HTTP ${status}: ${serverSaid || "(empty body)"}`);
    this.name = "ApiError";
  }
}

/** Performs one HTTPS request with the CA pinned. Network errors reject. */
export function apiRequest(req: ApiRequest): Promise<ApiResponse> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const https = require("https") as typeof import("https");
  const url = new URL(req.path, req.baseUrl);
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  return new Promise((resolve, reject) => {
    const r = https.request(
      url,
      {
        method: req.method ?? "GET",
        ca: req.caPem,
        rejectUnauthorized: true,
        timeout: req.timeoutMs ?? 10_000,
        headers: {
          Accept: "application/json",
          ...(payload !== undefined
            ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) }
            : {}),
          ...(req.token ? { [req.token.header]: req.token.value } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = text;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    r.on("timeout", () => r.destroy(new Error(`timed out after ${req.timeoutMs ?? 10_000} ms`)));
    r.on("error", reject);
    if (payload !== undefined) r.write(payload);
    r.end();
  });
}

/** Node's error codes for a server certificate that fails verification. */
export function isTlsVerificationError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" &&
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/.test(code)
  );
}

/** Retry policy: attempts and exponential backoff from a base delay, capped. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs?: number;
}

/**
 * Calls the API, retrying network errors, 429 and 5xx with exponential backoff. A 4xx is
 * final and becomes an `ApiError` that names the operation and quotes the server.
 */
export async function callApi(
  req: ApiRequest,
  what: string,
  policy: RetryPolicy,
): Promise<ApiResponse> {
  let last = "";
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    try {
      const res = await apiRequest(req);
      if (res.status >= 200 && res.status < 300) return res;
      const said = typeof res.body === "string" ? res.body.trim() : JSON.stringify(res.body);
      if (res.status !== 429 && res.status < 500) throw new ApiError(res.status, what, said);
      last = `HTTP ${res.status}: ${said}`;
    } catch (e) {
      if (e instanceof ApiError) throw e;
      last = e instanceof Error ? e.message : String(e);
      // A certificate that does not verify against our CA will not verify on retry either.
      if (isTlsVerificationError(e))
        throw new Error(`${what}: TLS verification failed against the pinned CA: ${last}`);
    }
    if (attempt < policy.attempts) {
      const delay = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs ?? 30_000);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  throw new Error(`${what}: failed after ${policy.attempts} attempts; last: ${last}`);
}
