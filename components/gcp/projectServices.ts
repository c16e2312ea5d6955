/**
 * What an empty project needs before anything else: the APIs this stack uses, enabled by the
 * stack itself, then the preflight (preflight.ts): it waits until those APIs answer and
 * checks the deployer's permissions. Every other GCP resource of the stack waits for both,
 * through one stack transformation, so a resource added later cannot forget the edge.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOYER_ROLES, OPTIONAL_PERMISSIONS } from "./deployerCheck";
import { Preflight } from "./preflight";

/** The type token of an API enablement. */
export const SERVICE_TYPE = "gcp:projects/service:Service";

/** The APIs a stack uses, and what for. */
export function requiredApis(opts: { sshViaIap: boolean }): string[] {
  return [
    // Networks, VMs, load balancers, zones; the gate's instance listing and guest attributes.
    "compute.googleapis.com",
    // The clusters' service accounts.
    "iam.googleapis.com",
    // Project IAM bindings, and the deployer check (projects.testIamPermissions).
    "cloudresourcemanager.googleapis.com",
    // The secrets the VMs read at boot.
    "secretmanager.googleapis.com",
    // `gcloud compute ssh --tunnel-through-iap` behind the iap-ssh firewall rule.
    ...(opts.sshViaIap ? ["iap.googleapis.com"] : []),
  ];
}

/** The API a GCP resource type needs (undefined: not a GCP resource). */
export function apiOfType(type: string): string | undefined {
  const module = /^gcp:([^/]+)\//.exec(type)?.[1];
  if (module === "projects")
    return type === SERVICE_TYPE
      ? "serviceusage.googleapis.com"
      : "cloudresourcemanager.googleapis.com";
  const byModule: Record<string, string> = {
    compute: "compute.googleapis.com",
    serviceaccount: "iam.googleapis.com",
    secretmanager: "secretmanager.googleapis.com",
  };
  return module ? byModule[module] : undefined;
}

/**
 * GCP provider settings that bring their own credentials, among the stack's config keys.
 * Presence only, never a value: they configure the provider, not this program (config.ts).
 */
export function providerCredentialKeys(configKeys: string[]): string[] {
  const own = ["gcp:credentials", "gcp:accessToken", "gcp:impersonateServiceAccount"];
  return own.filter((k) => configKeys.includes(k));
}

/** Arguments of {@link ProjectServices}. */
export interface ProjectServicesArgs {
  project: string;
  apis: string[];
}

/** The stack's API enablements and the deployer check after them. */
export class ProjectServices extends pulumi.ComponentResource {
  public readonly services: gcp.projects.Service[];
  public readonly preflight: Preflight;
  /** What every other GCP resource of the stack waits for. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: ProjectServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:gcp:ProjectServices", name, {}, opts);
    this.services = args.apis.map(
      (api) =>
        new gcp.projects.Service(
          `${name}-${api.split(".")[0]}`,
          {
            project: args.project,
            service: api,
            // Never disabled by a destroy: the other datacenter's stack may share the project,
            // and disabling compute would stop VMs this stack does not own. With nothing ever
            // disabled, dependent services are never touched either.
            disableOnDestroy: false,
            disableDependentServices: false,
          },
          { parent: this },
        ),
    );
    this.preflight = new Preflight(
      `${name}-preflight`,
      {
        project: args.project,
        roles: DEPLOYER_ROLES,
        optional: OPTIONAL_PERMISSIONS,
        // The preflight waits until each of these answers (SERVICE_DISABLED = not yet).
        apis: args.apis,
        providerCredentialKeys: providerCredentialKeys(Object.keys(pulumi.runtime.allConfig())),
      },
      // It probes the APIs and calls Resource Manager: after every enablement.
      { parent: this, dependsOn: this.services },
    );
    this.ready = [this.preflight];
    // A verdict short of "checked" (no credentials, other provider credentials, an optional
    // permission missing) is shown on the preflight in `pulumi up`, not only kept in state.
    // The outputs are unknown in a preview of a new preflight, so this logs once they exist.
    this.preflight.warnings.apply((warnings) => {
      for (const w of warnings ?? []) void pulumi.log.warn(w, this.preflight);
    });
    this.registerOutputs({ preflightNote: this.preflight.note });
  }
}

/**
 * A stack transformation: every GCP resource registered after it (except API enablements)
 * also depends on `ready`. Transformations run in the SDK before registration, so the edge
 * is a real `dependsOn` the engine waits on, and children of components inherit it.
 */
export function afterProjectServices(ready: pulumi.Resource[]): pulumi.ResourceTransformation {
  return (args) =>
    args.type.startsWith("gcp:") && args.type !== SERVICE_TYPE
      ? { props: args.props, opts: pulumi.mergeOptions(args.opts, { dependsOn: ready }) }
      : undefined;
}

/**
 * The stack's first component: enables the project's APIs and checks the deployer's roles,
 * then makes every GCP resource registered after it wait for both (a stack transformation;
 * README, "From an empty project").
 */
export function projectServicesFirst(
  name: string,
  cfg: { project: string; sshViaIap: boolean },
): ProjectServices {
  const apis = new ProjectServices(name, { project: cfg.project, apis: requiredApis(cfg) });
  pulumi.runtime.registerStackTransformation(afterProjectServices(apis.ready));
  return apis;
}
