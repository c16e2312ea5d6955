/**
 * The mesh-wide Consul objects of a datacenter: Nomad workload identity (the JWT auth method,
 * its binding rules, the default namespace's tasks role and policy: `nomad setup consul`,
 * workloadIdentity.ts), `proxy-defaults`, the `mesh` entry and `service-defaults` of the demo
 * services.
 *
 * The service intentions are not here although they are mesh-wide: peer-sourced intentions
 * wait for the peering objects, and the peering waits for this component's `mesh` entry, so
 * one component owning both could not be constructed (ServiceIntentions, created after
 * ClusterPeering in index.ts).
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { stableJson } from "../config/stableJson";
import { childOf, InClusterArgs } from "../config/childOptions";
import { SERVICES, meshEntry, proxyDefaults, serviceDefaults } from "./configEntries";
import { configEntry } from "./configEntryResource";
import {
  AUTH_METHOD,
  NOMAD_JWKS_URL,
  SELECTORS,
  TASKS_POLICY_RULES,
  jwtAuthMethodConfig,
} from "./workloadIdentity";

/** Arguments of {@link ServiceMesh}. */
export interface ServiceMeshArgs extends InClusterArgs {
  /** The cluster CA, pinned for the JWKS fetch (`JWKSCACert`). */
  caPem: pulumi.Input<string>;
  /**
   * Where Consul servers fetch Nomad's JWKS. Default: {@link NOMAD_JWKS_URL}, the Nomad
   * server beside each Consul server.
   */
  jwksUrl?: string;
}

/** Workload identity and the mesh-wide config entries. */
export class ServiceMesh extends pulumi.ComponentResource {
  /** The JWT auth method's name, an Output so gateway binding rules follow the method. */
  public readonly authMethodName: pulumi.Output<string>;
  /**
   * What every Nomad job waits for: the auth method and the binding rules its workload
   * tokens log in with (a token minted before its binding rule exists keeps missing
   * permissions).
   */
  public readonly identity: pulumi.Resource[];
  /** What the demo services' jobs wait for: the identity, proxy- and service-defaults. */
  public readonly servicesReady: pulumi.Resource[];
  /** The `mesh` entry (peer through mesh gateways): peering tokens and peerings wait for it. */
  public readonly meshEntry: consul.ConfigEntry;

  /**
   * `name` is `<datacenter>-service-mesh` (index.ts): not a prefix of the mesh gateway's
   * `<datacenter>-mesh-gateway`, so `--target` and name searches keep the two apart.
   */
  constructor(name: string, args: ServiceMeshArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:mesh:ServiceMesh", name, {}, opts);
    const child = childOf(this, args);
    // Name-keyed objects: replacing them must delete the old one first.
    const keyed = { ...child, deleteBeforeReplace: true };
    const jwksUrl = args.jwksUrl ?? NOMAD_JWKS_URL;

    const authMethod = new consul.AclAuthMethod(
      `${name}-auth-method`,
      {
        name: AUTH_METHOD,
        type: "jwt",
        displayName: "Nomad workloads",
        description: "Nomad workload identities (JWT)",
        tokenLocality: "local",
        configJson: pulumi
          .output(args.caPem)
          .apply((ca) => stableJson(jwtAuthMethodConfig(jwksUrl, ca)).trimEnd()),
      },
      keyed,
    );
    const policy = new consul.AclPolicy(
      `${name}-tasks-policy`,
      {
        name: "policy-nomad-tasks",
        description:
          "Nomad tasks in namespace default: read the catalog and KV under nomad-tasks/default/",
        rules: JSON.stringify(TASKS_POLICY_RULES),
      },
      keyed,
    );
    new consul.AclRole(
      `${name}-tasks-role`,
      {
        name: "nomad-default-tasks",
        description: "Tasks in Nomad namespace default",
        policies: [policy.id],
      },
      keyed,
    );
    const rule = (role: string, ruleArgs: consul.AclBindingRuleArgs) =>
      new consul.AclBindingRule(`${name}-${role}`, ruleArgs, keyed);
    this.authMethodName = authMethod.name;
    this.identity = [
      authMethod,
      rule("services-rule", {
        authMethod: authMethod.name,
        description: "Nomad services get their service identity",
        bindType: "service",
        bindName: "${value.nomad_service}",
        selector: SELECTORS.services,
      }),
      rule("tasks-rule", {
        authMethod: authMethod.name,
        description: "Nomad tasks get the role of their Nomad namespace",
        bindType: "role",
        bindName: "nomad-${value.nomad_namespace}-tasks",
        selector: SELECTORS.tasks,
      }),
    ];

    const proxy = configEntry(`${name}-proxy-defaults`, proxyDefaults(), child);
    this.meshEntry = configEntry(`${name}-mesh-entry`, meshEntry(), child);
    const defaults = [SERVICES.frontend, SERVICES.publicApi, SERVICES.privateApi].map((svc) =>
      configEntry(`${name}-defaults-${svc}`, serviceDefaults(svc), child),
    );
    this.servicesReady = [...this.identity, proxy, ...defaults];
    this.registerOutputs({ authMethod: this.authMethodName });
  }
}
