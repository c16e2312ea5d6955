/**
 * Nomad workload identity in Consul, the equivalent of `nomad setup consul`: the JWT auth
 * method `nomad-workloads` reading the colocated Nomad server's JWKS over TLS pinned to our
 * CA, a binding rule giving each Nomad service its service identity, and one giving tasks
 * the role of their Nomad namespace, with that role and its read-only policy.
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { stableJson } from "../config/stableJson";
import { childOf } from "../config/childOptions";

/** Auth method name Nomad uses by default (`consul.service_auth_method` / `task_auth_method`). */
export const AUTH_METHOD = "nomad-workloads";

/** Selectors exactly as `nomad setup consul` writes them. */
export const SELECTORS = {
  services: '"nomad_service" in value',
  tasks: '"nomad_service" not in value',
} as const;

/** The JWT auth method's config (Consul's JWT auth method fields). */
export interface JwtAuthMethodConfig {
  JWKSURL: string;
  JWKSCACert: string;
  JWTSupportedAlgs: string[];
  BoundAudiences: string[];
  ClaimMappings: Record<string, string>;
}

/** The auth method config: JWKS from Nomad on the same server, RS256, audience consul.io. */
export function jwtAuthMethodConfig(jwksUrl: string, caPem: string): JwtAuthMethodConfig {
  return {
    JWKSURL: jwksUrl,
    JWKSCACert: caPem,
    JWTSupportedAlgs: ["RS256"],
    BoundAudiences: ["consul.io"],
    ClaimMappings: {
      nomad_job_id: "nomad_job_id",
      nomad_namespace: "nomad_namespace",
      nomad_service: "nomad_service",
      nomad_task: "nomad_task",
    },
  };
}

/** The Consul KV prefix a Nomad namespace's tasks may read. */
export function tasksKvPrefix(namespace: string): string {
  return `nomad-tasks/${namespace}/`;
}

/**
 * Consul ACL rules (JSON form) of a Nomad namespace's tasks (role `nomad-<ns>-tasks`).
 * `nomad setup consul` grants `key_prefix "" read` (command/asset/consul-wi-default-policy.hcl);
 * here KV reads stop at the namespace's own prefix, so any task cannot read the whole store
 * (other namespaces' settings, anything an operator keeps in KV). Catalog reads stay: template
 * blocks render service addresses and health, which need service and node read.
 */
export function tasksPolicyRules(namespace: string): Record<string, unknown> {
  return {
    key_prefix: { [tasksKvPrefix(namespace)]: { policy: "read" } },
    node_prefix: { "": { policy: "read" } },
    service_prefix: { "": { policy: "read" } },
  };
}

/** Rules of the default namespace's tasks (the only namespace whose tasks get a role). */
export const TASKS_POLICY_RULES = tasksPolicyRules("default");

/** Arguments of {@link WorkloadIdentity}. */
export interface WorkloadIdentityArgs {
  /** Consul servers fetch the JWKS from the colocated Nomad server (127.0.0.1 is a SAN). */
  jwksUrl: string;
  caPem: pulumi.Input<string>;
}

/** Auth method, binding rules, tasks policy and role. */
export class WorkloadIdentity extends pulumi.ComponentResource {
  public readonly authMethod: consul.AclAuthMethod;
  public readonly bindingRules: consul.AclBindingRule[];

  constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:consul:WorkloadIdentity", name, {}, opts);
    // Name-keyed objects: replacing them must delete the old one first.
    const keyed = { ...childOf(this, opts), deleteBeforeReplace: true };
    this.authMethod = new consul.AclAuthMethod(
      `${name}-auth-method`,
      {
        name: AUTH_METHOD,
        type: "jwt",
        displayName: "Nomad workloads",
        description: "Nomad workload identities (JWT)",
        tokenLocality: "local",
        configJson: pulumi
          .output(args.caPem)
          .apply((ca) => stableJson(jwtAuthMethodConfig(args.jwksUrl, ca)).trimEnd()),
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
    this.bindingRules = [
      new consul.AclBindingRule(
        `${name}-services-rule`,
        {
          authMethod: this.authMethod.name,
          description: "Nomad services get their service identity",
          bindType: "service",
          bindName: "${value.nomad_service}",
          selector: SELECTORS.services,
        },
        keyed,
      ),
      new consul.AclBindingRule(
        `${name}-tasks-rule`,
        {
          authMethod: this.authMethod.name,
          description: "Nomad tasks get the role of their Nomad namespace",
          bindType: "role",
          bindName: "nomad-${value.nomad_namespace}-tasks",
          selector: SELECTORS.tasks,
        },
        keyed,
      ),
    ];
    this.registerOutputs({ authMethod: this.authMethod.name });
  }
}
