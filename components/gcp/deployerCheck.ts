/**
 * The preflight's checks, before the stack creates anything but the API enablements:
 * 1. the enabled APIs answer in the project (apiReadiness.ts): enablement is eventually
 *    consistent, and the first resources would otherwise meet 403 SERVICE_DISABLED;
 * 2. the deployer's own permissions: one Resource Manager `projects.testIamPermissions` call
 *    ("There are no permissions required for making this API call"; POST .../v1/projects/
 *    {id}:testIamPermissions with `{permissions}`, answering the subset the caller holds).
 * A missing role fails with its name and the permissions it would grant, instead of a 403
 * deep in the graph or a timeout; a missing optional permission (boot-progress display) is
 * a warning. Only a definite answer fails the deploy: no credentials, other provider
 * credentials, or an API error leave a note and a warning, and the deploy goes on (after a
 * fixed pause for the APIs, which could not be probed).
 */
import { API_SETTLE_SECONDS, Clock, REAL_CLOCK, waitForApis } from "./apiReadiness";
import { AuthEnvironment, authHeaders, findCredentials } from "./gcpAuth";
import { errorText, googleError, googleRequest } from "./googleHttp";

/** Resource Manager v1 base URL. */
export const RESOURCE_MANAGER_API = "https://cloudresourcemanager.googleapis.com/v1";

/**
 * The deployer's roles (README, "From an empty project") and, per role, permissions this
 * program needs that the role grants. A sample, not the role's full list.
 */
export const DEPLOYER_ROLES: Record<string, string[]> = {
  "roles/compute.admin": [
    "compute.networks.create",
    "compute.instanceTemplates.create",
    "compute.instanceGroupManagers.create",
  ],
  "roles/iam.serviceAccountAdmin": ["iam.serviceAccounts.create"],
  // Instance templates run as the cluster's service accounts.
  "roles/iam.serviceAccountUser": ["iam.serviceAccounts.actAs"],
  "roles/resourcemanager.projectIamAdmin": ["resourcemanager.projects.setIamPolicy"],
  "roles/secretmanager.admin": [
    "secretmanager.secrets.create",
    "secretmanager.secrets.setIamPolicy",
    "secretmanager.versions.add",
  ],
};

/**
 * Permissions only the readiness gate's boot-progress display uses (listManagedInstances,
 * getGuestAttributes): without them the gate still waits, so a missing one is a warning.
 */
export const OPTIONAL_PERMISSIONS: Record<string, string> = {
  "compute.instanceGroupManagers.get": "roles/compute.admin",
  "compute.instances.getGuestAttributes": "roles/compute.admin",
};

/** What the check needs; plain values (this is the preflight resource's input). */
export interface DeployerCheckInput {
  project: string;
  roles: Record<string, string[]>;
  /** Permission → role granting it, for features that work without (warned, not failed). */
  optional: Record<string, string>;
  /** The APIs the stack enabled; the check waits until those with a probe answer. */
  apis: string[];
  /**
   * GCP provider settings that bring their own credentials (`gcp:credentials`, ...): then
   * the identity found here may not be the provider's, so nothing is concluded.
   */
  providerCredentialKeys: string[];
}

/** The verdict. */
export interface DeployerCheckResult {
  /** True when the required permissions were confirmed. */
  checked: boolean;
  note: string;
  /** What the operator should see (the stack logs each as a warning on the preflight). */
  warnings: string[];
}

/** Where the check's dependencies come from; tests point them at local fakes. */
export interface DeployerCheckOptions {
  auth?: AuthEnvironment;
  /** Resource Manager v1 base URL. */
  baseUrl?: string;
  /** Base URL per API for the readiness probes (default `https://<api>`). */
  apiRoot?: (api: string) => string;
  apiTimeoutSeconds?: number;
  clock?: Clock;
}

/** Roles with at least one permission not granted, and those permissions. */
export function missingByRole(
  roles: Record<string, string[]>,
  granted: string[],
): Record<string, string[]> {
  const have = new Set(granted);
  return Object.fromEntries(
    Object.entries(roles)
      .map(([role, perms]) => [role, perms.filter((p) => !have.has(p))] as const)
      .filter(([, missing]) => missing.length > 0),
  );
}

/** The error naming each missing role, its permissions, and the command that grants it. */
export function missingRolesMessage(
  project: string,
  origin: string,
  missing: Record<string, string[]>,
): string {
  return [
    `the deployer (credentials: ${origin}) lacks permissions this stack needs on project ${project}; no GCP resource but the API enablements was created:`,
    ...Object.entries(missing).map(([role, perms]) => `  - ${role}: ${perms.join(", ")}`),
    `Grant each role: gcloud projects add-iam-policy-binding ${project} --member=<user:you@example.com or serviceAccount:...> --role=<role>`,
  ].join("\n");
}

/** The warning for optional permissions not held. */
export function optionalMissingWarning(project: string, missing: Record<string, string>): string {
  const perms = Object.keys(missing).join(", ");
  const roles = [...new Set(Object.values(missing))].join(", ");
  return `the deployer lacks ${perms} on project ${project} (${roles}): the readiness gate will wait without showing boot progress`;
}

/** Runs the checks; throws only on a definite failure (APIs not answering, roles missing). */
export async function checkDeployer(
  i: DeployerCheckInput,
  opts: DeployerCheckOptions = {},
): Promise<DeployerCheckResult> {
  const clock = opts.clock ?? REAL_CLOCK;
  const settle = async (why: string) => {
    await clock.sleep(API_SETTLE_SECONDS * 1000);
    return `APIs not probed (${why}): paused ${API_SETTLE_SECONDS} s after enabling them`;
  };
  const notChecked = (why: string, apiNote: string): DeployerCheckResult => {
    const note = `deployer permissions not checked: ${why}`;
    return { checked: false, note: `${apiNote}; ${note}`, warnings: [note] };
  };
  if (i.providerCredentialKeys.length > 0) {
    const why = `the GCP provider uses its own credentials (${i.providerCredentialKeys.join(", ")})`;
    return notChecked(why, await settle(why));
  }
  const found = findCredentials(opts.auth);
  if (!found.source) return notChecked(found.reason, await settle(found.reason));
  const source = found.source;
  const apis = await waitForApis(i.project, i.apis, {
    tokens: source,
    ...(opts.apiRoot ? { root: opts.apiRoot } : {}),
    ...(opts.apiTimeoutSeconds !== undefined ? { timeoutSeconds: opts.apiTimeoutSeconds } : {}),
    clock,
  });
  const apiNote = apis.probed ? apis.note : await settle(apis.note);
  const required = [...new Set(Object.values(i.roles).flat())];
  const permissions = [...new Set([...required, ...Object.keys(i.optional)])].sort();
  let res;
  try {
    res = await googleRequest({
      url: `${opts.baseUrl ?? RESOURCE_MANAGER_API}/projects/${encodeURIComponent(i.project)}:testIamPermissions`,
      method: "POST",
      json: { permissions },
      headers: await authHeaders(source),
    });
  } catch (e) {
    return notChecked(errorText(e), apiNote);
  }
  if (res.status !== 200) return notChecked(`testIamPermissions: ${googleError(res)}`, apiNote);
  const granted = ((res.body ?? {}) as { permissions?: string[] }).permissions ?? [];
  const missing = missingByRole(i.roles, granted);
  if (Object.keys(missing).length > 0)
    throw new Error(missingRolesMessage(i.project, source.origin, missing));
  const optionalMissing = Object.fromEntries(
    Object.entries(i.optional).filter(([p]) => !granted.includes(p)),
  );
  const warnings =
    Object.keys(optionalMissing).length > 0
      ? [optionalMissingWarning(i.project, optionalMissing)]
      : [];
  return {
    checked: true,
    note: `${apiNote}; deployer (${source.origin}) holds the ${required.length} required permissions checked`,
    warnings,
  };
}
