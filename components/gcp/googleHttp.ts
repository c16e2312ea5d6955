/**
 * A small JSON/form HTTP client for Google endpoints (OAuth token endpoints, STS, IAM
 * credentials, the Compute and Resource Manager APIs, the GCE metadata server). HTTPS with
 * the system CAs; plain HTTP only to loopback (local fakes in tests) and to the metadata
 * server, which GCE serves over HTTP on a link-local address. Loaded inside dynamic
 * providers, whose code Pulumi serializes: Node modules are required inside the call.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- Node modules load inside the calls: Pulumi serializes the dynamic providers that use this module. */

import { readJsonResponse } from "../nomad/apiClient";

/** One request. */
export interface GoogleRequest {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** JSON body, or a form (`application/x-www-form-urlencoded`) when `form` is set. */
  json?: unknown;
  form?: Record<string, string>;
  timeoutMs?: number;
}

/** A response: status and parsed JSON body (or text when not JSON). */
export interface GoogleResponse {
  status: number;
  body: unknown;
}

/** Hosts reached over plain HTTP: loopback, and the metadata server (link-local by design). */
export function plainHttpAllowed(hostname: string, metadataHost?: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "");
  return (
    h === "127.0.0.1" ||
    h === "localhost" ||
    h === "::1" ||
    h === "169.254.169.254" ||
    h === "metadata.google.internal" ||
    (metadataHost !== undefined && h === metadataHost.split(":")[0])
  );
}

/**
 * Performs one request. Network errors reject; an HTTP error status resolves (the caller
 * decides what it means). Tokens travel only in headers or bodies, never in an error text.
 */
export function googleRequest(req: GoogleRequest, metadataHost?: string): Promise<GoogleResponse> {
  const url = new URL(req.url);
  if (url.protocol === "http:" && !plainHttpAllowed(url.hostname, metadataHost))
    return Promise.reject(
      new Error(`refusing plain HTTP to ${url.host}: Google endpoints need HTTPS`),
    );
  const lib = (
    url.protocol === "http:" ? require("http") : require("https")
  ) as typeof import("https");
  const payload =
    req.form !== undefined
      ? new URLSearchParams(req.form).toString()
      : req.json !== undefined
        ? JSON.stringify(req.json)
        : undefined;
  const type = req.form !== undefined ? "application/x-www-form-urlencoded" : "application/json";
  const timeout = req.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const r = lib.request(
      url,
      {
        method: req.method ?? (payload === undefined ? "GET" : "POST"),
        timeout,
        headers: {
          Accept: "application/json",
          ...(payload !== undefined
            ? { "Content-Type": type, "Content-Length": Buffer.byteLength(payload) }
            : req.method === "POST"
              ? { "Content-Length": 0 }
              : {}),
          ...req.headers,
        },
      },
      (res) => readJsonResponse(res, resolve),
    );
    r.on("timeout", () => r.destroy(new Error(`${url.host}: timed out after ${timeout} ms`)));
    r.on("error", reject);
    if (payload !== undefined) r.write(payload);
    r.end();
  });
}

/**
 * What a Google endpoint said, safe to show: the status, and the error's status/reason and
 * message (Google APIs: `{error: {status, message}}`; OAuth endpoints: `{error,
 * error_description}`). Never the request, so never a token.
 */
export function googleError(res: GoogleResponse): string {
  const b = res.body as
    | { error?: string | { status?: string; message?: string }; error_description?: string }
    | string
    | undefined;
  if (b && typeof b === "object") {
    if (b.error && typeof b.error === "object")
      return `HTTP ${res.status} ${b.error.status ?? ""}: ${b.error.message ?? ""}`.replace(
        " :",
        ":",
      );
    if (typeof b.error === "string")
      return `HTTP ${res.status} ${b.error}${b.error_description ? `: ${b.error_description}` : ""}`;
  }
  const text = typeof b === "string" ? b.trim().slice(0, 200) : "";
  return `HTTP ${res.status}${text ? `: ${text}` : ""}`;
}

/** An error's message, first line only (works across realms, unlike `instanceof Error`). */
export function errorText(e: unknown): string {
  const m = (e as { message?: unknown } | null)?.message;
  return (typeof m === "string" ? m : String(e)).split("\n")[0] ?? "";
}
