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
      (res) => readJsonResponse(res, resolve),
    );
    // Whether the TLS handshake with the server completed: a reset, broken pipe or idle
    // timeout after that means the server was reached (see `isNoAnswerError`). A socket
    // reused from the agent's keep-alive pool completed its handshake earlier.
    let tlsEstablished = false;
    r.on("socket", (s) => {
      const tls = s as import("tls").TLSSocket;
      if (!tls.connecting && tls.authorized) tlsEstablished = true;
      else tls.once("secureConnect", () => (tlsEstablished = true));
    });
    // Coded like Node's own network errors, so callers can tell "no answer" from a bad answer.
    r.on("timeout", () =>
      r.destroy(
        Object.assign(new Error(`timed out after ${req.timeoutMs ?? 10_000} ms`), {
          code: "ETIMEDOUT",
        }),
      ),
    );
    r.on("error", (e) => reject(tlsEstablished ? Object.assign(e, { tlsEstablished }) : e));
    if (payload !== undefined) r.write(payload);
    r.end();
  });
}

/**
 * Collects a response body and resolves `{ status, body }`: JSON when it parses, else the
 * text (Nomad, Consul and Google APIs all answer JSON; proxies and errors may not).
 */
export function readJsonResponse(
  res: import("http").IncomingMessage,
  resolve: (r: { status: number; body: unknown }) => void,
): void {
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
}

/** An error's message; also for errors from another realm (jest's VM), where `instanceof Error` fails. */
export function messageOf(e: unknown): string {
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === "string" ? m : String(e);
}

/** Node's error codes for a server certificate that fails verification. */
export function isTlsVerificationError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" &&
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/.test(code)
  );
}

/**
 * Node's error codes for "nothing answered": refused, reset, timed out, no route. The
 * server never said anything, so this is about where the caller stands, not about the
 * request (a DNS name that does not resolve or a bad URL is not in this list). They count
 * only before the TLS handshake completed: a reset, broken pipe or idle timeout after it
 * comes from a server that was reached (a restarting or overloaded Nomad), which a retry
 * may fix and which says nothing about this machine's reach. An array, not
 * a Set: Pulumi's closure serialization copies a Set's properties but not its contents, and
 * the copy throws "Set.prototype.has called on incompatible receiver" inside the plugin.
 */
const NO_ANSWER = [
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EPIPE",
];

/**
 * True for a network error where the server gave no answer at all (see `NO_ANSWER`): never
 * for one `apiRequest` marked `tlsEstablished` (the handshake with the server completed).
 */
export function isNoAnswerError(e: unknown): boolean {
  const err = e as { code?: unknown; tlsEstablished?: unknown } | null;
  return (
    typeof err?.code === "string" && NO_ANSWER.includes(err.code) && err.tlsEstablished !== true
  );
}

/**
 * The API did not answer (connection refused, reset, timed out, no route) on the last
 * attempt. Recognised by `name` (see {@link isUnreachable}), not `instanceof`: Pulumi
 * serializes each provider with its own copy of this class.
 */
export class ApiUnreachableError extends Error {
  constructor(
    message: string,
    /** Node's error code of the last attempt, e.g. `ECONNREFUSED`. */
    readonly code: string,
  ) {
    super(message);
    this.name = "ApiUnreachableError";
  }
}

/** True when `e` is an {@link ApiUnreachableError} (from any serialized copy of it). */
export function isUnreachable(e: unknown): e is ApiUnreachableError {
  return (e as { name?: unknown } | null)?.name === "ApiUnreachableError";
}

/** Retry policy: attempts and exponential backoff from a base delay, capped. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs?: number;
  /**
   * Retry when nothing answers (default true). False for callers that have an answer of
   * their own for an unreachable server (a preview's diff): they get an
   * {@link ApiUnreachableError} after the first such attempt instead of a backoff loop.
   */
  retryNoAnswer?: boolean;
}

/** The pauses `callApi` makes between the attempts of `policy`, in milliseconds. */
export function retryDelaysMs(policy: RetryPolicy): number[] {
  return Array.from({ length: Math.max(policy.attempts - 1, 0) }, (_, i) =>
    Math.min(policy.baseDelayMs * 2 ** i, policy.maxDelayMs ?? 30_000),
  );
}

/**
 * Calls the API, retrying network errors, 429 and 5xx with exponential backoff. A 4xx is
 * final and becomes an `ApiError` that names the operation and quotes the server; a TLS
 * verification failure is final too. When the last attempt got no answer at all, the error
 * is an {@link ApiUnreachableError}.
 */
export async function callApi(
  req: ApiRequest,
  what: string,
  policy: RetryPolicy,
): Promise<ApiResponse> {
  let last = "";
  let noAnswer: string | undefined;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    noAnswer = undefined;
    try {
      const res = await apiRequest(req);
      if (res.status >= 200 && res.status < 300) return res;
      const said = typeof res.body === "string" ? res.body.trim() : JSON.stringify(res.body);
      if (res.status !== 429 && res.status < 500) throw new ApiError(res.status, what, said);
      last = `HTTP ${res.status}: ${said}`;
    } catch (e) {
      if (e instanceof ApiError) throw e;
      last = messageOf(e);
      // A certificate that does not verify against our CA will not verify on retry either.
      if (isTlsVerificationError(e))
        throw new Error(`${what}: TLS verification failed against the pinned CA: ${last}`);
      if (isNoAnswerError(e)) {
        noAnswer = (e as { code: string }).code;
        if (policy.retryNoAnswer === false)
          throw new ApiUnreachableError(
            `${what}: no answer from ${req.baseUrl}: ${last}`,
            noAnswer,
          );
      }
    }
    const delay = retryDelaysMs(policy)[attempt - 1];
    if (delay !== undefined) await new Promise((r) => setTimeout(r, delay));
  }
  const message = `${what}: failed after ${policy.attempts} attempts; last: ${last}`;
  throw noAnswer ? new ApiUnreachableError(message, noAnswer) : new Error(message);
}
