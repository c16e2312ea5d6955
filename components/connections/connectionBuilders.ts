/**
 * Builders shared by the connection-matrix derivations (connections.ts and its siblings):
 * the parsed artifacts, address helpers, and the two ways a local client reaches a Consul
 * agent (HTTPS API through Consul's api package, gRPC/xDS as `consul connect envoy` does),
 * and what listens on a VM at a port.
 */
import { CertResolver, ParsedScript, consulBinds, consulListenerCert, nomadCert } from "./agentTls";
import {
  CertSpec,
  Connection,
  DatacenterArtifacts,
  ServerName,
  Transport,
} from "./connectionTypes";
import { jobNamed, labelled, one, withVars } from "./jobspecView";
import { PORTS } from "../config/constants";

/** Parsed artifacts shared by the derivations. */
export interface MatrixContext {
  a: DatacenterArtifacts;
  server: ParsedScript;
  client: ParsedScript;
  certs: CertResolver;
  /** Sample node names (Consul node_name = hostname = `<dc>-<role>-xxxx`). */
  node: { server: string; client: string };
}

/** `host:port` of an address written with or without a scheme. */
export function hostPort(address: string): { host: string; port: number } {
  const bare = address.replace(/^[a-z]+:\/\//, "").replace(/\/.*$/, "");
  const i = bare.lastIndexOf(":");
  return { host: bare.slice(0, i), port: Number(bare.slice(i + 1)) };
}

/** The name a Go TLS client verifies for a host: an IP SAN for an IP, else a DNS SAN. */
export function nameOf(host: string): ServerName {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host)
    ? { kind: "ip", value: host }
    : { kind: "dns", value: host };
}

/** A listener's certificate, or a marker that fails every handshake when it serves no TLS. */
export function presentsOrNone(cert: CertSpec | undefined, listener: string): CertSpec {
  return (
    cert ?? {
      issuer: `(none: ${listener} serves no TLS)`,
      dnsNames: [],
      ipAddresses: [],
      uris: [],
      origin: listener,
    }
  );
}

/** Resolves Nomad interpolations the matrix knows: the node IP. */
export function resolveNode(a: DatacenterArtifacts, address: string): string {
  return address.replace("${attr.unique.network.ip-address}", a.sampleNodeIp);
}

/**
 * An HTTPS call to a Consul agent's API by a Go client built on Consul's api package (Nomad,
 * the consul CLI): the CA file it is given and, as server name, `CONSUL_TLS_SERVER_NAME`
 * when set, else the address's host (api.SetupTLSConfig; Go derives it from the URL).
 */
export function consulHttps(
  ctx: MatrixContext,
  role: "server" | "client",
  id: string,
  address: string,
  ca: string,
  serverName: string | undefined,
  evidence: string[],
): Connection {
  const s = ctx[role];
  const { host, port } = hostPort(address);
  const resolved = resolveNode(ctx.a, host);
  const transport: Transport = {
    kind: "tls",
    presents: presentsOrNone(
      consulListenerCert(s, ctx.certs, "https", ctx.node[role]),
      `consul-${role} https`,
    ),
    verify: { cas: [ca], name: serverName ? nameOf(serverName) : nameOf(resolved) },
  };
  return {
    id,
    source: { kind: "host", who: id.split(" -> ")[0] ?? id },
    destination: {
      address: host,
      resolved,
      port,
      listenerPort: s.consul.ports.https,
      protocol: "tcp",
      binds: consulBinds(s.consul, "https"),
    },
    transport,
    evidence,
  };
}

/** Plaintext xDS (or gRPC TLS when the address says https) to a Consul agent's gRPC port. */
export function consulGrpc(
  ctx: MatrixContext,
  role: "server" | "client",
  id: string,
  address: string,
  tls: { ca: string } | undefined,
  evidence: string[],
): Connection {
  const s = ctx[role];
  const { host, port } = hostPort(address);
  const resolved = resolveNode(ctx.a, host);
  return {
    id,
    source: { kind: "host", who: id.split(" -> ")[0] ?? id },
    destination: {
      address: host,
      resolved,
      port,
      listenerPort: tls ? s.consul.ports.grpc_tls : s.consul.ports.grpc,
      protocol: "tcp",
      binds: consulBinds(s.consul, tls ? "grpc_tls" : "grpc"),
    },
    transport: tls
      ? {
          kind: "tls",
          presents: presentsOrNone(
            consulListenerCert(s, ctx.certs, "grpc", ctx.node[role]),
            `consul-${role} grpc_tls`,
          ),
          // Envoy's bootstrap pins the CA and checks no SAN (command/connect/envoy
          // bootstrap_tpl.go: validation_context.trusted_ca only).
          verify: { cas: [tls.ca], name: { kind: "none" } },
        }
      : { kind: "plaintext", why: "xDS on the agent's loopback gRPC port" },
    evidence,
  };
}

/**
 * What listens on a VM of this tag at this port: the addresses it binds and, for TLS
 * listeners, the certificate it presents. Undefined when nothing the program runs does.
 */
export function listenerAt(
  ctx: MatrixContext,
  tag: string,
  port: number,
): { binds: string[]; presents?: CertSpec; what: string } | undefined {
  const role = tag === ctx.a.tags.server ? "server" : "client";
  const s = ctx[role];
  if (port === s.consul.ports.https)
    return {
      binds: s.consul.client_addr.split(" "),
      presents: presentsOrNone(
        consulListenerCert(s, ctx.certs, "https", ctx.node[role]),
        `consul-${role} https`,
      ),
      what: `consul-${role} https`,
    };
  if (port === PORTS.nomadHttp)
    return {
      binds: [s.nomad.bind_addr],
      presents: nomadCert(s, ctx.certs),
      what: `nomad-${role} https`,
    };
  if (role === "server") return undefined;
  const mesh = jobNamed(ctx.a.jobs, "mesh-gateway");
  if (mesh) {
    for (const [, group] of labelled(mesh.job, "group")) {
      const proxy = one(one(one(one(group.service).connect).gateway).proxy);
      const bind = one(one(proxy.envoy_gateway_bind_addresses).all);
      if (Number(withVars(mesh, bind.port)) === port)
        return { binds: [withVars(mesh, bind.address)], what: "mesh gateway (Envoy)" };
    }
  }
  const api = jobNamed(ctx.a.jobs, "api-gateway");
  if (api && Number(api.variables.listener_port) === port) {
    // A static bridge port: Nomad's portmap plugin forwards it on every host address.
    return { binds: ["0.0.0.0"], what: "API gateway (Envoy, portmap)" };
  }
  return undefined;
}
