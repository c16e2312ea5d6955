/**
 * Renders the VMs' startup scripts. Pure functions: typed inputs in, bash out. A script
 * carries Secret Manager secret *names* and non-secret settings only; secret values are
 * fetched at boot with the VM's own service account. The body is static shell; what varies
 * is a header of quoted `readonly` settings and the agent configs (deterministic JSON).
 * Idempotent: every step checks before it acts, so a reboot re-runs it safely.
 */
import * as fs from "fs";
import * as path from "path";
import { stableJson } from "../config/stableJson";
import { AgentConfigInput, consulConfig, nomadConfig } from "./agentConfig";
import { BOOT_REPORT_KEYS, BOOT_REPORT_NAMESPACE, BootStep } from "./bootReport";
import { BASH_SEMVER_RE, CNI_BRIDGE_PLUGINS, CNI_SHA256, CNI_VERSION } from "./cniPlugins";
import { PATHS, PORTS, SecretNames, TokenAccessors } from "../config/constants";

/** Everything a startup script needs. */
export interface StartupScriptInput {
  role: "server" | "client";
  agent: AgentConfigInput;
  consulVersion: string;
  nomadVersion: string;
  secrets: SecretNames;
  /** Servers only. */
  accessors?: TokenAccessors;
}

/** Consul ACL rules in JSON form. */
export type AclRules = Record<string, unknown>;

/**
 * Consul node-name prefix of a role's VMs: node_name is the hostname, which GCE sets to the
 * instance name, `<baseInstanceName>-xxxx` with baseInstanceName `<dc>-<role>` (nodeGroup.ts).
 */
export function nodeNamePrefix(datacenter: string, role: "server" | "client"): string {
  return `${datacenter}-${role}-`;
}

const read = { policy: "read" } as const;

/**
 * Consul ACL policies the servers create for the agents, each scoped to what its holder does:
 * - agent tokens, one per role: node:write only on that role's node names and service:read
 *   (Consul "Create an agent token"), so a token read from one client cannot rewrite a
 *   server's catalog entry; one token per VM would need a minting step at boot.
 * - the DNS token: node, service and prepared-query read only (Consul "Create a DNS token"),
 *   apart from the agent token so DNS lookups never run with node:write.
 * - Nomad's agents: service registration for workloads; servers also revoke legacy
 *   service-identity tokens (hashicorp/nomad#19721).
 */
export function agentPolicies(datacenter: string): Record<string, AclRules> {
  const agent = (role: "server" | "client"): AclRules => ({
    node_prefix: { [nodeNamePrefix(datacenter, role)]: { policy: "write" } },
    service_prefix: { "": read },
  });
  return {
    "hashistack-server-agent": agent("server"),
    "hashistack-client-agent": agent("client"),
    "hashistack-dns": {
      node_prefix: { "": read },
      service_prefix: { "": read },
      query_prefix: { "": read },
    },
    "hashistack-nomad-client": {
      agent_prefix: { "": read },
      node_prefix: { "": read },
      service_prefix: { "": { policy: "write" } },
    },
    "hashistack-nomad-server": {
      agent_prefix: { "": read },
      node_prefix: { "": read },
      service_prefix: { "": { policy: "write" } },
      acl: "write",
    },
  };
}

/** Single-quotes a value for bash. */
export function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** apt package spec: OSS `consul=1.22.6-1`, Enterprise `consul-enterprise=1.22.6+ent-1`. */
export function packageSpec(
  product: "consul" | "nomad",
  version: string,
  enterprise: boolean,
): string {
  return enterprise ? `${product}-enterprise=${version}+ent-1` : `${product}=${version}-1`;
}

/** Renders the startup script of a server or client VM. */
export function renderStartupScript(input: StartupScriptInput): string {
  const { role, agent, secrets } = input;
  const server = role === "server";
  if (
    server &&
    (!secrets.nomadGossipKey ||
      !secrets.consulManagementToken ||
      !secrets.nomadManagementToken ||
      !secrets.consulClientAgentToken ||
      !input.accessors)
  ) {
    throw new Error(
      "renderStartupScript: a server needs gossip, management token secrets and token accessors",
    );
  }
  const packages = [
    packageSpec("consul", input.consulVersion, agent.consulEnterprise),
    packageSpec("nomad", input.nomadVersion, agent.nomadEnterprise),
    // CNI reference plugins come from their upstream release (cniPlugins.ts), not Debian.
    ...(server ? [] : ["docker.io", "consul-cni"]),
  ];
  const vars: [string, string][] = [
    ["ROLE", role],
    ["PROJECT", agent.project],
    ["PACKAGES", packages.join(" ")],
    ["CA_FILE", PATHS.caFile],
    ["CERT_FILE", PATHS.certFile],
    ["KEY_FILE", PATHS.keyFile],
    ["TLS_DIR", PATHS.tlsDir],
    ["CONSUL_HTTPS", `https://127.0.0.1:${PORTS.consulHttps}`],
    ["NOMAD_HTTPS", `https://127.0.0.1:${PORTS.nomadHttp}`],
    ["SECRET_CA_CERT", secrets.caCert],
    ["SECRET_TLS_CERT", secrets.tlsCert],
    ["SECRET_TLS_KEY", secrets.tlsKey],
    ["SECRET_CONSUL_GOSSIP", secrets.consulGossipKey],
    ["SECRET_CONSUL_AGENT_TOKEN", secrets.consulAgentToken],
    ["SECRET_CONSUL_DNS_TOKEN", secrets.consulDnsToken],
    ["SECRET_CONSUL_CLIENT_AGENT_TOKEN", secrets.consulClientAgentToken ?? ""],
    ["SECRET_NOMAD_CONSUL_TOKEN", secrets.nomadConsulToken],
    ["SECRET_NOMAD_GOSSIP", secrets.nomadGossipKey ?? ""],
    ["SECRET_CONSUL_MGMT", secrets.consulManagementToken ?? ""],
    ["SECRET_NOMAD_MGMT", secrets.nomadManagementToken ?? ""],
    ["SECRET_NOMAD_CLIENT_CONSUL_TOKEN", secrets.nomadClientConsulToken ?? ""],
    ["SECRET_CONSUL_LICENSE", secrets.consulLicense ?? ""],
    ["SECRET_NOMAD_LICENSE", secrets.nomadLicense ?? ""],
    ["CONSUL_LICENSE_FILE", PATHS.consulLicense],
    ["NOMAD_LICENSE_FILE", PATHS.nomadLicense],
    ["ACCESSOR_SERVER_AGENT", input.accessors?.serverAgent ?? ""],
    ["ACCESSOR_CLIENT_AGENT", input.accessors?.clientAgent ?? ""],
    ["ACCESSOR_DNS", input.accessors?.dns ?? ""],
    ["ACCESSOR_NOMAD_SERVER", input.accessors?.nomadServer ?? ""],
    ["ACCESSOR_NOMAD_CLIENT", input.accessors?.nomadClient ?? ""],
    // Boot progress as guest attributes, named by the contract the readiness gate reads.
    ["BOOT_NAMESPACE", BOOT_REPORT_NAMESPACE],
    ["BOOT_KEY_STEP", BOOT_REPORT_KEYS.step],
    ["BOOT_KEY_STATUS", BOOT_REPORT_KEYS.status],
    ["BOOT_KEY_ERROR", BOOT_REPORT_KEYS.error],
    ["CNI_DIR", PATHS.cniBinDir],
    ["CNI_VERSION", CNI_VERSION],
    ["CNI_SHA256_AMD64", CNI_SHA256.amd64],
    ["CNI_SHA256_ARM64", CNI_SHA256.arm64],
    ["CNI_BRIDGE_PLUGINS", CNI_BRIDGE_PLUGINS.join(" ")],
    ["SEMVER_RE", BASH_SEMVER_RE],
  ];
  const header = vars.map(([k, v]) => `readonly ${k}=${shellQuote(v)}`).join("\n");
  const policies = server
    ? Object.entries(agentPolicies(agent.datacenter))
        .map(
          ([name, rules]) =>
            `write_file /etc/hashistack/policies/${name}.json 0644 root:root <<'JSON'\n${stableJson(rules)}JSON`,
        )
        .join("\n")
    : "";
  return [
    "#!/usr/bin/env bash",
    `# hashistack ${role} startup script for datacenter ${agent.datacenter}.`,
    // No repository path here nor in the embedded files' bodies: moving a file must not change
    // the instance templates (a changed template rolls every VM of the group).
    "# Rendered by the hashistack Pulumi program. It carries secret names only; values come",
    "# from Secret Manager at boot. Output goes to the serial console through the guest agent.",
    "set -euo pipefail",
    "# Pipelines end in write_file, which records changes in this shell.",
    "shopt -s lastpipe",
    header,
    REPORT,
    LIB,
    step("packages"),
    "main_install",
    step("host"),
    server ? "mount_data_disk" : "prepare_client_host",
    server ? "" : "block_metadata_for_workloads",
    step("secrets"),
    "fetch_material",
    step("configs"),
    `write_file /etc/consul.d/consul.json 0640 root:consul <<'JSON'\n${stableJson(consulConfig(role, agent))}JSON`,
    `write_file /etc/nomad.d/nomad.json 0640 root:root <<'JSON'\n${stableJson(nomadConfig(role, agent))}JSON`,
    policies,
    step("services"),
    "start_services",
    server ? step("acl-bootstrap") : "",
    server ? "bootstrap_acls" : "",
    server ? step("agent-tokens") : "",
    server ? "create_agent_tokens" : "",
    step("done"),
    "",
  ]
    .filter((l) => l !== "")
    .join("\n");
}

/** The line that reports entering a boot step (typed: only the contract's steps). */
function step(s: BootStep): string {
  return `boot_step ${shellQuote(s)}`;
}

/** The directive that ends a startup/*.sh file's repository notes. */
const SHELL_DIRECTIVE = "# shellcheck shell=bash\n";

/**
 * What a startup/*.sh file contributes to the rendered script: everything after its
 * `# shellcheck shell=bash` line. The lines up to it are notes for readers of the repository
 * (they may cite repository paths); the directive itself only serves shellcheck reading the
 * file alone, the rendered script has its shebang. Throws, naming the file, without it.
 */
export function scriptBody(text: string, file: string): string {
  const at = text.indexOf(SHELL_DIRECTIVE);
  if (at < 0 || (at > 0 && text[at - 1] !== "\n")) {
    throw new Error(`${file}: no "# shellcheck shell=bash" line ends its repository notes`);
  }
  return text.slice(at + SHELL_DIRECTIVE.length);
}

/** Reads a startup/*.sh file's rendered part, once. */
function embedded(file: string): string {
  return scriptBody(fs.readFileSync(path.join(__dirname, "startup", file), "utf8"), file);
}

/** Fail-fast handling and boot-progress reporting (startup/report.sh). */
const REPORT = embedded("report.sh");

/** The static function library (startup/lib.sh). */
const LIB = embedded("lib.sh");
