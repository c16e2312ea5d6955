/**
 * Consul and Nomad agent configurations as typed objects (field names exactly as in the
 * Consul agent configuration reference and Nomad's agent configuration reference), rendered
 * to deterministic JSON. They hold no secret and nothing node-specific: secrets and the
 * node's address are written at boot into separate fragments (see startupScript.ts),
 * which both agents merge with these files.
 */
import { PATHS, PORTS } from "../config/constants";

/** The project-CA certificate a client agent's HTTPS and gRPC TLS listeners present. */
const CLIENT_LISTENER_CERT = { cert_file: PATHS.certFile, key_file: PATHS.keyFile } as const;

/** `tls.https` / `tls.grpc` of the Consul agent config (Consul's `TLSProtocolConfig`). */
export interface ListenerTls {
  verify_incoming: boolean;
  cert_file?: string;
  key_file?: string;
}

/** Consul agent config (subset used here; snake_case as in the Consul reference). */
export interface ConsulAgentConfig {
  datacenter: string;
  data_dir: string;
  server: boolean;
  bootstrap_expect?: number;
  ui_config?: { enabled: boolean };
  client_addr: string;
  retry_join: string[];
  leave_on_terminate: boolean;
  log_level: string;
  encrypt_verify_incoming: boolean;
  encrypt_verify_outgoing: boolean;
  tls: {
    defaults: {
      ca_file: string;
      cert_file?: string;
      key_file?: string;
      verify_incoming: boolean;
      verify_outgoing: boolean;
    };
    internal_rpc: { verify_incoming?: boolean; verify_server_hostname: boolean };
    https?: ListenerTls;
    grpc?: ListenerTls;
  };
  auto_encrypt: { allow_tls?: boolean; tls?: boolean };
  acl: {
    enabled: boolean;
    default_policy: "deny";
    down_policy: string;
    enable_token_persistence: boolean;
  };
  ports: { http: number; https: number; grpc: number; grpc_tls: number; dns: number };
  addresses: { grpc: string };
  connect: { enabled: boolean };
  peering?: { enabled: boolean };
  autopilot?: { cleanup_dead_servers: boolean };
  recursors?: string[];
  license_path?: string;
}

/** Nomad agent config (subset; field names as in Nomad's agent configuration). */
export interface NomadAgentConfig {
  datacenter: string;
  region: string;
  data_dir: string;
  bind_addr: string;
  leave_on_terminate?: boolean;
  log_level: string;
  acl: { enabled: boolean };
  server?: {
    enabled: boolean;
    bootstrap_expect: number;
    server_join: { retry_join: string[] };
    license_path?: string;
  };
  client?: {
    enabled: boolean;
    server_join: { retry_join: string[] };
    cni_path: string;
    bridge_network_subnet: string;
  };
  tls: {
    http: boolean;
    rpc: boolean;
    ca_file: string;
    cert_file: string;
    key_file: string;
    verify_server_hostname: boolean;
    verify_https_client: boolean;
  };
  consul: {
    address: string;
    ssl: boolean;
    ca_file: string;
    grpc_address: string;
    service_identity: { aud: string[]; ttl: string };
    task_identity: { aud: string[]; ttl: string };
  };
}

/** Inputs of the agent config builders. */
export interface AgentConfigInput {
  datacenter: string;
  project: string;
  region: string;
  /** GCE network tag that cloud auto-join looks for (the servers' tag). */
  joinTag: string;
  serverCount: number;
  /** Enterprise license present: point the agent at the license file. */
  consulEnterprise: boolean;
  nomadEnterprise: boolean;
  nomadBridgeCidr: string;
}

/**
 * Cloud auto-join string for go-discover's GCE provider: servers are found by network tag
 * in this project, in this region's zones.
 */
export function gceRetryJoin(project: string, region: string, tag: string): string {
  return `provider=gce project_name=${project} tag_value=${tag} zone_pattern="${region}-[a-z]"`;
}

/** Consul config for a server (role "server") or a client agent (role "client"). */
export function consulConfig(role: "server" | "client", i: AgentConfigInput): ConsulAgentConfig {
  const server = role === "server";
  return {
    datacenter: i.datacenter,
    data_dir: PATHS.consulDataDir,
    server,
    ...(server ? { bootstrap_expect: i.serverCount, ui_config: { enabled: true } } : {}),
    // HTTPS and gRPC TLS listen on all addresses (the control-plane LB and the mesh
    // gateways reach them); plaintext gRPC is bound to loopback below.
    client_addr: "0.0.0.0",
    retry_join: [gceRetryJoin(i.project, i.region, i.joinTag)],
    leave_on_terminate: !server,
    log_level: "INFO",
    encrypt_verify_incoming: true,
    encrypt_verify_outgoing: true,
    tls: {
      defaults: {
        ca_file: PATHS.caFile,
        // Servers present the project-CA server certificate on every interface.
        ...(server ? { cert_file: PATHS.certFile, key_file: PATHS.keyFile } : {}),
        verify_incoming: false,
        verify_outgoing: true,
      },
      // Clients have no cert here: their outgoing RPC identity is the per-node auto-encrypt
      // leaf (Connect CA), which tlsutil's GetClientCertificate prefers on clients anyway.
      internal_rpc: { verify_incoming: server, verify_server_hostname: true },
      // The API authenticates with ACL tokens; operators need only the CA. Clients' HTTPS and
      // gRPC TLS listeners present the project-CA client certificate: without a cert_file
      // they would present the auto-encrypt certificate (Connect CA, SANs localhost,
      // 127.0.0.1, ::1: agent/auto-config/tls.go), which Nomad, `consul connect envoy` and
      // the API gateway verify against the project CA only and reject (tlsutil/config.go,
      // commonTLSConfig.GetCertificate: the protocol's own cert first, auto-encrypt second).
      https: { verify_incoming: false, ...(server ? {} : CLIENT_LISTENER_CERT) },
      grpc: { verify_incoming: false, ...(server ? {} : CLIENT_LISTENER_CERT) },
    },
    auto_encrypt: server ? { allow_tls: true } : { tls: true },
    acl: {
      enabled: true,
      default_policy: "deny",
      down_policy: "extend-cache",
      enable_token_persistence: true,
    },
    // -1 disables a listener: no plaintext HTTP anywhere. gRPC TLS on servers (peering through
    // the mesh gateways) and clients (the API gateway's Envoy, from its bridge namespace).
    ports: {
      http: -1,
      https: PORTS.consulHttps,
      grpc: PORTS.consulGrpc,
      grpc_tls: PORTS.consulGrpcTls,
      dns: PORTS.consulDns,
    },
    // Plaintext gRPC (xDS) only on loopback: Nomad's sidecar proxies (through its alloc
    // socket) and the host-network mesh gateway dial 127.0.0.1:8502.
    addresses: { grpc: "127.0.0.1" },
    connect: { enabled: true },
    ...(server ? { peering: { enabled: true }, autopilot: { cleanup_dead_servers: true } } : {}),
    // Transparent proxies resolve through this agent's DNS (Nomad sets it as the task's
    // nameserver; it listens on bind_addr, the node's private IP); other names go on to the
    // GCE metadata resolver.
    ...(server ? {} : { recursors: ["169.254.169.254"] }),
    ...(i.consulEnterprise ? { license_path: PATHS.consulLicense } : {}),
  };
}

/** Nomad config for a server or a client. */
export function nomadConfig(role: "server" | "client", i: AgentConfigInput): NomadAgentConfig {
  const server = role === "server";
  const join = { retry_join: [gceRetryJoin(i.project, i.region, i.joinTag)] };
  const identity = { aud: ["consul.io"], ttl: "1h" };
  return {
    datacenter: i.datacenter,
    region: "global",
    data_dir: PATHS.nomadDataDir,
    bind_addr: "0.0.0.0",
    leave_on_terminate: !server,
    log_level: "INFO",
    acl: { enabled: true },
    ...(server
      ? {
          server: {
            enabled: true,
            bootstrap_expect: i.serverCount,
            server_join: join,
            ...(i.nomadEnterprise ? { license_path: PATHS.nomadLicense } : {}),
          },
        }
      : {
          client: {
            enabled: true,
            server_join: join,
            cni_path: PATHS.cniBinDir,
            bridge_network_subnet: i.nomadBridgeCidr,
          },
        }),
    tls: {
      http: true,
      rpc: true,
      ca_file: PATHS.caFile,
      cert_file: PATHS.certFile,
      key_file: PATHS.keyFile,
      verify_server_hostname: true,
      verify_https_client: false,
    },
    consul: {
      address: `127.0.0.1:${PORTS.consulHttps}`,
      ssl: true,
      ca_file: PATHS.caFile,
      grpc_address: `127.0.0.1:${PORTS.consulGrpc}`,
      // Workload identities: Consul's JWT auth method accepts these audiences.
      service_identity: identity,
      task_identity: identity,
    },
  };
}
