/**
 * The deployer's own permissions, checked before the stack creates anything but the API
 * enablements: one Resource Manager `projects.testIamPermissions` call ("There are no
 * permissions required for making this API call"; POST .../v1/projects/{id}:
 * testIamPermissions with `{permissions}`, answering the subset the caller holds). A missing
 * role fails with its name and the permissions it would grant, instead of a 403 deep in
 * the graph or a timeout. Only a definite answer fails the deploy: no credentials, other
 * provider credentials, or an API error leave a note and let the deploy go on.
 */
import { AuthEnvironment, findCredentials } from "./gcpAuth";
import { errorText, googleError, googleRequest } from "./googleHttp";

/** Resource Manager v1 base URL. */
export const RESOURCE_MANAGER_API = "https://cloudresourcemanager.googleapis.com/v1";

/**
 * The deployer's roles (README, "From an empty project") and, per role, permissions this
 * program uses that the role grants. A sample, not the role's full list.
 */
export const DEPLOYER_ROLES: Record<string, string[]> = {
  "roles/compute.admin": [
    "compute.networks.create",
    "compute.instanceTemplates.create",
    "compute.instanceGroupManagers.create",
    // The readiness gate reads the VMs' boot reports.
    "compute.instances.getGuestAttributes",
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

/** What the check needs; plain values (this is the preflight resource's input). */
export interface DeployerCheckInput {
  project: string;
  roles: Record<string, string[]>;
  /**
   * GCP provider settings that bring their own credentials (`gcp:credentials`, ...): then
   * the identity found here may not be the provider's, so nothing is concluded.
   */
  providerCredentialKeys: string[];
}

/** The outcome when nothing is missing. */
export interface DeployerCheckResult {
  checked: boolean;
  note: string;
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

/** Runs the check; throws only when permissions are definitely missing. */
export async function checkDeployer(
  i: DeployerCheckInput,
  opts: { auth?: AuthEnvironment; baseUrl?: string } = {},
): Promise<DeployerCheckResult> {
  if (i.providerCredentialKeys.length > 0)
    return {
      checked: false,
      note: `deployer permissions not checked: the GCP provider uses its own credentials (${i.providerCredentialKeys.join(", ")})`,
    };
  const found = findCredentials(opts.auth);
  if (!found.source)
    return { checked: false, note: `deployer permissions not checked: ${found.reason}` };
  const permissions = [...new Set(Object.values(i.roles).flat())].sort();
  let res;
  try {
    res = await googleRequest({
      url: `${opts.baseUrl ?? RESOURCE_MANAGER_API}/projects/${encodeURIComponent(i.project)}:testIamPermissions`,
      method: "POST",
      json: { permissions },
      headers: { Authorization: `Bearer ${await found.source.token()}` },
    });
  } catch (e) {
    return {
      checked: false,
      note: `deployer permissions not checked: ${errorText(e)}`,
    };
  }
  if (res.status !== 200)
    return {
      checked: false,
      note: `deployer permissions not checked: testIamPermissions: ${googleError(res)}`,
    };
  const granted = ((res.body ?? {}) as { permissions?: string[] }).permissions ?? [];
  const missing = missingByRole(i.roles, granted);
  if (Object.keys(missing).length > 0)
    throw new Error(missingRolesMessage(i.project, found.source.origin, missing));
  return {
    checked: true,
    note: `deployer (${found.source.origin}) holds the ${permissions.length} permissions checked`,
  };
}
