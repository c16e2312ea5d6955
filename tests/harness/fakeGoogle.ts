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
  /**
   * Instances per MIG name. `exists: false` (or no name) is an instance the group is still
   * creating: the API gives it no `instanceStatus`, and its URL only when it has a name
   * (ManagedInstance: "The URL can exist even if the instance has not yet been created";
   * instanceStatus "is empty when the instance does not exist").
   */
  groups: Record<
    string,
    { name?: string; zone: string; status?: string; action?: string; exists?: boolean }[]
  >;
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
 * is stored under the path or the instance does not exist (yet).
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
            managedInstances: members.map((m) => {
              const exists = m.name !== undefined && m.exists !== false;
              return {
                ...(m.name
                  ? {
                      instance: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${m.zone}/instances/${m.name}`,
                    }
                  : {}),
                ...(exists ? { instanceStatus: m.status ?? "RUNNING" } : {}),
                currentAction: m.action ?? (exists ? "NONE" : "CREATING"),
              };
            }),
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
        const created = Object.values(state.groups)
          .flat()
          .some((m) => m.name === name && m.zone === zone && m.exists !== false);
        if (!created)
          return apiError(
            404,
            "NOT_FOUND",
            `The resource 'projects/${project}/zones/${zone}/instances/${name}' was not found`,
          );
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

/** The state the fake APIs' probe endpoints serve (apiReadiness.ts). */
export interface ApiProbeState {
  project: string;
  projectNumber: string;
  token: string;
  /** Per API: how many more probes answer 403 SERVICE_DISABLED (enablement still spreading). */
  disabledFor: Record<string, number>;
  /** Per API: the consumer a SERVICE_DISABLED names (default this project's number). */
  consumer?: Record<string, string>;
  /** Per API: answers given first, one per probe (e.g. a 503 or a 401). */
  answers?: Record<string, FakeAnswer[]>;
}

/**
 * A disabled API's answer as Google's front end gives it: 403 PERMISSION_DENIED, the "has not
 * been used in project ... before or it is disabled" message and an ErrorInfo with reason
 * SERVICE_DISABLED whose metadata names the service and the consumer project.
 */
export function serviceDisabled(api: string, consumer: string): FakeAnswer {
  const titles: Record<string, string> = {
    "compute.googleapis.com": "Compute Engine API",
    "cloudresourcemanager.googleapis.com": "Cloud Resource Manager API",
    "iam.googleapis.com": "Identity and Access Management (IAM) API",
    "secretmanager.googleapis.com": "Secret Manager API",
  };
  const project = consumer.replace(/^projects\//, "");
  const url = `https://console.developers.google.com/apis/api/${api}/overview?project=${project}`;
  const message = `${titles[api] ?? api} has not been used in project ${project} before or it is disabled. Enable it by visiting ${url} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`;
  return {
    status: 403,
    body: {
      error: {
        code: 403,
        message,
        status: "PERMISSION_DENIED",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: "SERVICE_DISABLED",
            domain: "googleapis.com",
            metadata: {
              service: api,
              serviceTitle: titles[api] ?? api,
              consumer,
              activationUrl: url,
              containerInfo: project,
            },
          },
        ],
      },
    },
  };
}

/**
 * The probe endpoints, each under `/<api>` (the test maps an API to `${fake.url}/<api>`):
 * compute regions.list, Resource Manager v1 projects.get (`projectNumber`), IAM
 * serviceAccounts.list and Secret Manager secrets.list, with their documented list shapes.
 */
export function apiProbeRoutes(state: ApiProbeState): FakeRoute[] {
  const probe = (api: string, path: RegExp, ok: (project: string) => unknown): FakeRoute => ({
    method: "GET",
    path,
    handle: (req, [, project]) => {
      if (!bearer(req, state.token))
        return apiError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
      const queued = state.answers?.[api]?.shift();
      if (queued) return queued;
      if ((state.disabledFor[api] ?? 0) > 0) {
        state.disabledFor[api] = (state.disabledFor[api] ?? 0) - 1;
        return serviceDisabled(api, state.consumer?.[api] ?? `projects/${state.projectNumber}`);
      }
      if (project !== state.project)
        return apiError(
          403,
          "PERMISSION_DENIED",
          `Permission denied on resource project ${project}.`,
        );
      return { status: 200, body: ok(project ?? "") };
    },
  });
  return [
    probe(
      "compute.googleapis.com",
      /^\/compute\.googleapis\.com\/compute\/v1\/projects\/([^/]+)\/regions$/,
      () => ({ kind: "compute#regionList", items: [{ name: "europe-west1" }] }),
    ),
    probe(
      "cloudresourcemanager.googleapis.com",
      /^\/cloudresourcemanager\.googleapis\.com\/v1\/projects\/([^/]+)$/,
      (p) => ({ projectId: p, projectNumber: state.projectNumber, lifecycleState: "ACTIVE" }),
    ),
    probe(
      "iam.googleapis.com",
      /^\/iam\.googleapis\.com\/v1\/projects\/([^/]+)\/serviceAccounts$/,
      () => ({ accounts: [] }),
    ),
    probe(
      "secretmanager.googleapis.com",
      /^\/secretmanager\.googleapis\.com\/v1\/projects\/([^/]+)\/secrets$/,
      () => ({ secrets: [], totalSize: 0 }),
    ),
  ];
}
