/**
 * A local HTTP server (127.0.0.1 only) that answers like the Google endpoints the program
 * calls itself: OAuth token endpoints, STS, IAM Credentials, the GCE metadata server, the
 * Compute API's listManagedInstances and getGuestAttributes, and Resource Manager's
 * testIamPermissions. Shapes as documented on cloud.google.com (see each handler).
 */
import * as http from "http";
import { AddressInfo } from "net";

/** One request as a handler sees it. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as a form (token endpoints) or JSON (APIs), when it is one. */
  form: URLSearchParams;
  json: unknown;
}

/** A handler's answer. */
export interface FakeAnswer {
  status: number;
  body?: unknown;
}

/** A route: method and exact path or pattern (captures go to the handler). */
export interface FakeRoute {
  method: "GET" | "POST";
  path: string | RegExp;
  handle: (req: FakeRequest, match: string[]) => FakeAnswer;
}

/** A running fake. */
export interface FakeGoogle {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`, for GCE_METADATA_HOST. */
  host: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

/** Starts the fake with the given routes; unknown paths answer 404 like Google's front end. */
export async function startFakeGoogle(routes: FakeRoute[]): Promise<FakeGoogle> {
  const requests: FakeRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const body = Buffer.concat(chunks).toString();
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const r: FakeRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        form: new URLSearchParams(body),
        json,
      };
      requests.push(r);
      let out: FakeAnswer = { status: 404, body: { error: { code: 404, message: "Not Found" } } };
      for (const route of routes) {
        if (route.method !== r.method) continue;
        const m =
          typeof route.path === "string"
            ? route.path === r.path
              ? [r.path]
              : null
            : route.path.exec(r.path);
        if (m) {
          out = route.handle(r, [...m]);
          break;
        }
      }
      res.writeHead(out.status, { "Content-Type": "application/json" });
      res.end(out.body === undefined ? "" : JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Google's API error body. */
export function apiError(code: number, status: string, message: string): FakeAnswer {
  return { status: code, body: { error: { code, status, message } } };
}

/** True when the request carries `Authorization: Bearer <token>`. */
export function bearer(req: FakeRequest, token: string): boolean {
  return req.headers.authorization === `Bearer ${token}`;
}

/** The state a fake Compute API serves; tests change it while the gate waits. */
export interface ComputeState {
  project: string;
  region: string;
  /** The access token the API accepts. */
  token: string;
  /** Instances per MIG name: name, zone, status. An instance without name is being created. */
  groups: Record<string, { name?: string; zone: string; status?: string; action?: string }[]>;
  /** Guest attributes per instance name, under any namespace: `ns/key` → value. */
  attributes: Record<string, Record<string, string>>;
  /** When set, every call answers this (e.g. a 403). */
  refuse?: FakeAnswer;
}

/**
 * Routes of the Compute API v1 (cloud.google.com/compute/docs/reference/rest/v1):
 * POST .../regions/{region}/instanceGroupManagers/{group}/listManagedInstances answers
 * `{managedInstances: [{instance, instanceStatus, currentAction}]}`;
 * GET .../zones/{zone}/instances/{name}/getGuestAttributes?queryPath=<ns>/ answers
 * `{kind, queryPath, queryValue: {items: [{namespace, key, value}]}}`, or 404 when nothing
 * is stored under the path.
 */
export function computeRoutes(state: ComputeState): FakeRoute[] {
  const authorized = (req: FakeRequest) =>
    state.refuse ??
    (bearer(req, state.token)
      ? undefined
      : apiError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."));
  return [
    {
      method: "POST",
      path: /^\/compute\/v1\/projects\/([^/]+)\/regions\/([^/]+)\/instanceGroupManagers\/([^/]+)\/listManagedInstances$/,
      handle: (req, [, project, region, group]) => {
        const denied = authorized(req);
        if (denied) return denied;
        const members = state.groups[group ?? ""];
        if (project !== state.project || region !== state.region || !members)
          return apiError(
            404,
            "NOT_FOUND",
            `The resource 'projects/${project}/regions/${region}/instanceGroupManagers/${group}' was not found`,
          );
        return {
          status: 200,
          body: {
            managedInstances: members.map((m) => ({
              ...(m.name
                ? {
                    instance: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${m.zone}/instances/${m.name}`,
                  }
                : {}),
              instanceStatus: m.status ?? "RUNNING",
              currentAction: m.action ?? "NONE",
            })),
          },
        };
      },
    },
    {
      method: "GET",
      path: /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/instances\/([^/]+)\/getGuestAttributes$/,
      handle: (req, [, project, zone, name]) => {
        const denied = authorized(req);
        if (denied) return denied;
        const queryPath = req.query.get("queryPath") ?? "";
        const ns = queryPath.replace(/\/$/, "");
        const items = Object.entries(state.attributes[name ?? ""] ?? {})
          .filter(([k]) => k.startsWith(`${ns}/`))
          .map(([k, value]) => ({ namespace: ns, key: k.slice(ns.length + 1), value }));
        if (items.length === 0)
          return apiError(
            404,
            "NOT_FOUND",
            `The resource 'projects/${project}/zones/${zone}/instances/${name}/guestAttributes/${queryPath}' was not found`,
          );
        return {
          status: 200,
          body: { kind: "compute#guestAttributes", queryPath, queryValue: { items } },
        };
      },
    },
  ];
}
