/**
 * The two Compute Engine API calls the readiness gate makes while it waits:
 * - `regionInstanceGroupManagers.listManagedInstances` (POST .../regions/{region}/
 *   instanceGroupManagers/{group}/listManagedInstances): the group's instances, including
 *   those still being created, with `instanceStatus` and `currentAction`. Chosen over
 *   `instances.list` with a filter because it is exactly the MIG's membership, in one call
 *   per group, and shows instances the group is still creating.
 * - `instances.getGuestAttributes?queryPath=<namespace>/` (GET .../zones/{zone}/instances/
 *   {name}/getGuestAttributes): `queryValue.items[] {namespace, key, value}`.
 * (cloud.google.com/compute/docs/reference/rest/v1/regionInstanceGroupManagers/
 * listManagedInstances and .../instances/getGuestAttributes.)
 */
import { TokenSource, authHeaders } from "./gcpAuth";
import { googleError, googleRequest } from "./googleHttp";

/** The Compute API's v1 base URL. */
export const COMPUTE_API = "https://compute.googleapis.com/compute/v1";

/** One instance of a managed instance group. */
export interface ManagedInstance {
  /** Instance name and zone, from its URL; absent while the group has not created it yet. */
  name?: string;
  zone?: string;
  instanceStatus?: string;
  currentAction?: string;
}

/** One guest attribute. */
export interface GuestAttribute {
  namespace: string;
  key: string;
  value: string;
}

/** A Compute API answer other than success, with what the API said (never the request). */
export class ComputeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ComputeApiError";
  }
}

/** Calls scoped to one project and region. */
export interface ComputeClient {
  listManagedInstances(group: string): Promise<ManagedInstance[]>;
  /** Attributes under `<namespace>/`; empty when the VM has written none yet. */
  guestAttributes(zone: string, instance: string, namespace: string): Promise<GuestAttribute[]>;
}

/** A client authenticated by `tokens`; `baseUrl` points tests at a local fake. */
export function computeClient(opts: {
  project: string;
  region: string;
  tokens: TokenSource;
  baseUrl?: string;
}): ComputeClient {
  const base = opts.baseUrl ?? COMPUTE_API;
  const project = encodeURIComponent(opts.project);
  const call = async (what: string, url: string, method: "GET" | "POST") => {
    const res = await googleRequest({
      url,
      method,
      headers: await authHeaders(opts.tokens),
    });
    if (res.status !== 200) throw new ComputeApiError(res.status, `${what}: ${googleError(res)}`);
    return (res.body ?? {}) as Record<string, unknown>;
  };
  return {
    async listManagedInstances(group) {
      const out: ManagedInstance[] = [];
      const url = `${base}/projects/${project}/regions/${encodeURIComponent(opts.region)}/instanceGroupManagers/${encodeURIComponent(group)}/listManagedInstances`;
      let page: string | undefined;
      // Pageless by default (the group's listManagedInstancesResults); follow tokens anyway.
      for (let n = 0; n < 20; n++) {
        const body = await call(
          `list instances of ${group}`,
          page ? `${url}?pageToken=${encodeURIComponent(page)}` : url,
          "POST",
        );
        for (const m of (body.managedInstances ?? []) as Record<string, string>[]) {
          const at = /\/zones\/([^/]+)\/instances\/([^/?]+)/.exec(m.instance ?? "");
          out.push({
            ...(at ? { zone: at[1], name: at[2] } : {}),
            ...(m.instanceStatus ? { instanceStatus: m.instanceStatus } : {}),
            ...(m.currentAction ? { currentAction: m.currentAction } : {}),
          });
        }
        page = typeof body.nextPageToken === "string" ? body.nextPageToken : undefined;
        if (!page) break;
      }
      return out;
    },
    async guestAttributes(zone, instance, namespace) {
      const url = `${base}/projects/${project}/zones/${encodeURIComponent(zone)}/instances/${encodeURIComponent(instance)}/getGuestAttributes?queryPath=${encodeURIComponent(`${namespace}/`)}`;
      try {
        const body = await call(`guest attributes of ${instance}`, url, "GET");
        const value = (body.queryValue ?? {}) as { items?: GuestAttribute[] };
        return value.items ?? [];
      } catch (e) {
        // No attribute under the namespace yet: the API answers 404 for the query path.
        if (e instanceof ComputeApiError && e.status === 404) return [];
        throw e;
      }
    },
  };
}
