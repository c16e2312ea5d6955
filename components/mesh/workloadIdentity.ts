/**
 * Nomad workload identity in Consul, the equivalent of `nomad setup consul` (pure; the
 * resources live in serviceMesh.ts): the JWT auth method `nomad-workloads` reading the
 * colocated Nomad server's JWKS over TLS pinned to our CA, binding-rule selectors giving each
 * Nomad service its service identity and tasks the role of their Nomad namespace, and that
 * role's read-only policy.
 */
import { PORTS } from "../config/constants";

/**
 * Where Consul servers read Nomad's JWKS: from the Nomad server beside them, whose HTTPS
 * certificate carries 127.0.0.1 as a SAN (so the pinned CA verifies it).
 */
export const NOMAD_JWKS_URL = `https://127.0.0.1:${PORTS.nomadHttp}/.well-known/jwks.json`;

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
