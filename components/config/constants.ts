/**
 * Constants that several domains need: ports, file paths on the VMs, names, Google's source
 * ranges and the secret-name contract between the secrets (gcp/) and the boot (cluster/).
 * The lowest module of the tree (imports nothing), so gcp/ never imports from cluster/.
 */

/** Ports, once. */
export const PORTS = {
  consulServerRpc: 8300,
  consulSerfLan: 8301,
  consulSerfWan: 8302,
  consulHttps: 8501,
  consulGrpc: 8502,
  consulGrpcTls: 8503,
  consulDns: 8600,
  nomadHttp: 4646,
  nomadRpc: 4647,
  nomadSerf: 4648,
  meshGateway: 8443,
} as const;

/** Where the startup script puts files on the VMs. */
export const PATHS = {
  tlsDir: "/etc/hashistack/tls",
  caFile: "/etc/hashistack/tls/ca.pem",
  certFile: "/etc/hashistack/tls/agent.pem",
  keyFile: "/etc/hashistack/tls/agent-key.pem",
  consulDataDir: "/opt/hashistack/consul",
  nomadDataDir: "/opt/hashistack/nomad",
  cniBinDir: "/opt/cni/bin",
  consulLicense: "/etc/consul.d/license.hclic",
  nomadLicense: "/etc/nomad.d/license.hclic",
} as const;

/**
 * The DNS name a client agent's listener certificate carries and that clients reaching the
 * local agent by the node IP verify (`CONSUL_TLS_SERVER_NAME` of the API gateway's setup
 * task): the form of `consul tls cert create -client`.
 */
export function consulClientName(datacenter: string): string {
  return `client.${datacenter}.consul`;
}

/**
 * Google's health-check probe ranges. Backend-service external passthrough NLBs probe from
 * 35.191.0.0/16, 209.85.152.0/22 and 209.85.204.0/22; MIG autohealing (a global health
 * check) from 35.191.0.0/16 and 130.211.0.0/22 (cloud.google.com/load-balancing/docs/firewall-rules).
 */
export const HEALTH_CHECK_RANGES: readonly string[] = [
  "35.191.0.0/16",
  "130.211.0.0/22",
  "209.85.152.0/22",
  "209.85.204.0/22",
];

/** IAP's TCP-forwarding range (cloud.google.com/iap/docs/using-tcp-forwarding). */
export const IAP_RANGE = "35.235.240.0/20";

/** Names of the Secret Manager secrets a role reads at boot. */
export interface SecretNames {
  caCert: string;
  tlsCert: string;
  tlsKey: string;
  consulGossipKey: string;
  /** This role's Consul agent token (node:write on its own role's node names only). */
  consulAgentToken: string;
  /** The read-only token Consul DNS answers with (both roles). */
  consulDnsToken: string;
  /** Servers only: the clients' agent token, so a server can create it in Consul. */
  consulClientAgentToken?: string;
  /** The Nomad agents' Consul token (server or client flavour). */
  nomadConsulToken: string;
  /** Servers only. */
  nomadGossipKey?: string;
  consulManagementToken?: string;
  nomadManagementToken?: string;
  /** Servers only: the clients' Nomad Consul token, so a server can create it in Consul. */
  nomadClientConsulToken?: string;
  consulLicense?: string;
  nomadLicense?: string;
}

/** Non-secret accessor IDs of the pre-generated Consul tokens (servers create them once). */
export interface TokenAccessors {
  serverAgent: string;
  clientAgent: string;
  dns: string;
  nomadServer: string;
  nomadClient: string;
}
