/**
 * The connection matrix of one datacenter, derived from what the program renders: the agent
 * configs and file sources in the startup scripts, the jobspecs with the variables the
 * program passes, the firewall rules, load balancers and health checks, and the program's
 * own provider and gate settings. Nothing here restates a port, name or CA by hand: each
 * fact is read from an artifact, and the client-side behaviour follows the clients' source
 * (cited where it decides an address, a CA or a server name). Pure: tests check each
 * connection against the firewall and with a real TLS handshake (tests/connections.test.ts).
 */
import {
  CertResolver,
  consulListenerCert,
  consulRpcClientCert,
  consulTrusts,
  nomadCert,
  parseScript,
} from "./agentTls";
import {
  MatrixContext,
  consulGrpc,
  consulHttps,
  hostPort,
  nameOf,
  presentsOrNone,
} from "./connectionBuilders";
import { Connection, DatacenterArtifacts } from "./connectionTypes";
import { meshConnections } from "./connectionsMesh";
import { edgeConnections } from "./connectionsEdge";
import { nodeNamePrefix } from "../cluster/startupScript";
import { PORTS } from "../config/constants";

/** The connections of one datacenter, derived from its artifacts. */
export function deriveConnections(a: DatacenterArtifacts): Connection[] {
  const ctx: MatrixContext = {
    a,
    server: parseScript(a.scripts.server),
    client: parseScript(a.scripts.client),
    certs: new CertResolver(a),
    node: {
      server: `${nodeNamePrefix(a.datacenter, "server")}abcd`,
      client: `${nodeNamePrefix(a.datacenter, "client")}wxyz`,
    },
  };
  return [
    ...nomadToConsul(ctx, "server"),
    ...nomadToConsul(ctx, "client"),
    ...consulRpc(ctx),
    ...nomadRpc(ctx),
    ...gossip(ctx),
    jwks(ctx),
    ...edgeConnections(ctx),
    ...meshConnections(ctx),
  ];
}

/** Nomad agent -> its local Consul agent (HTTPS API; on clients also gRPC for sidecars). */
function nomadToConsul(ctx: MatrixContext, role: "server" | "client"): Connection[] {
  const n = ctx[role].nomad.consul;
  const ca = ctx.certs.caOfFile(ctx[role], n.ca_file);
  // Nomad's ApiConfig sets TLSConfig.Address = consul.address, so the server name is its host
  // (nomad/structs/config/consul.go).
  const out = [
    consulHttps(ctx, role, `nomad-${role} -> consul-${role} https`, n.address, ca, undefined, [
      "nomad.json consul.address, consul.ssl, consul.ca_file",
      "consul.json tls.https / tls.defaults, ports.https, client_addr",
    ]),
  ];
  if (role === "client") {
    // Bridge-mode sidecars reach this address through Nomad's alloc socket proxy; TLS only
    // with consul.grpc_ca_file (taskrunner/envoy_bootstrap_hook.go).
    const grpcCa = (n as { grpc_ca_file?: string }).grpc_ca_file;
    out.push(
      consulGrpc(
        ctx,
        role,
        "nomad-client (sidecar xDS socket) -> consul-client grpc",
        n.grpc_address,
        grpcCa ? { ca: ctx.certs.caOfFile(ctx[role], grpcCa) } : undefined,
        ["nomad.json consul.grpc_address", "consul.json ports.grpc, addresses.grpc"],
      ),
    );
  }
  return out;
}

/** Consul RPC (8300): clients and servers to servers, mutual TLS, server name checked. */
function consulRpc(ctx: MatrixContext): Connection[] {
  const srv = ctx.server;
  const dc = ctx.a.datacenter;
  return (["client", "server"] as const).map((role) => {
    const s = ctx[role];
    return {
      id: `consul-${role} -> consul-server rpc`,
      source: { kind: "tag", tag: ctx.a.tags[role], who: `consul-${role}` },
      destination: {
        address: `<${ctx.a.tags.server} VM>`,
        resolved: `<${ctx.a.tags.server} VM>`,
        port: PORTS.consulServerRpc,
        listenerPort: PORTS.consulServerRpc,
        protocol: "tcp" as const,
        tag: ctx.a.tags.server,
        binds: ["0.0.0.0"],
      },
      transport: {
        kind: "tls" as const,
        presents: presentsOrNone(
          consulListenerCert(srv, ctx.certs, "internal_rpc", ctx.node.server),
          "consul-server rpc",
        ),
        verify: {
          cas: consulTrusts(s, ctx.certs),
          name: s.consul.tls.internal_rpc.verify_server_hostname
            ? ({ kind: "dns", value: `server.${dc}.consul` } as const)
            : ({ kind: "none" } as const),
        },
        clientCert: consulRpcClientCert(s, ctx.certs, ctx.node[role]),
        listenerTrusts: srv.consul.tls.internal_rpc.verify_incoming
          ? consulTrusts(srv, ctx.certs)
          : undefined,
      },
      evidence: ["consul.json tls.*, auto_encrypt, datacenter (server.<dc>.consul)"],
    };
  });
}

/** Nomad RPC (4647): clients and servers to servers, mutual TLS. */
function nomadRpc(ctx: MatrixContext): Connection[] {
  const srv = ctx.server;
  return (["client", "server"] as const).map((role) => {
    const s = ctx[role];
    const ca = ctx.certs.caOfFile(s, s.nomad.tls.ca_file);
    return {
      id: `nomad-${role} -> nomad-server rpc`,
      source: { kind: "tag", tag: ctx.a.tags[role], who: `nomad-${role}` },
      destination: {
        address: `<${ctx.a.tags.server} VM>`,
        resolved: `<${ctx.a.tags.server} VM>`,
        port: PORTS.nomadRpc,
        listenerPort: PORTS.nomadRpc,
        protocol: "tcp" as const,
        tag: ctx.a.tags.server,
        binds: [srv.nomad.bind_addr],
      },
      transport: {
        kind: "tls" as const,
        presents: nomadCert(srv, ctx.certs),
        verify: {
          cas: [ca],
          name: s.nomad.tls.verify_server_hostname
            ? ({ kind: "dns", value: `server.${s.nomad.region}.nomad` } as const)
            : ({ kind: "none" } as const),
        },
        clientCert: nomadCert(s, ctx.certs),
        listenerTrusts: [ctx.certs.caOfFile(srv, srv.nomad.tls.ca_file)],
      },
      evidence: ["nomad.json tls.*, region (server.<region>.nomad)"],
    };
  });
}

/** Serf gossip, TCP and UDP: Consul LAN among all agents, WAN and Nomad among servers. */
function gossip(ctx: MatrixContext): Connection[] {
  const { server, client } = ctx.a.tags;
  const pools: [string, number, string[], string[]][] = [
    ["consul serf lan", PORTS.consulSerfLan, [server, client], [server, client]],
    ["consul serf wan", PORTS.consulSerfWan, [server], [server]],
    ["nomad serf", PORTS.nomadSerf, [server], [server]],
  ];
  const out: Connection[] = [];
  for (const [name, port, from, to] of pools) {
    for (const src of from)
      for (const dst of to)
        for (const protocol of ["tcp", "udp"] as const) {
          out.push({
            id: `${src} -> ${dst} ${name} ${protocol}`,
            source: { kind: "tag", tag: src, who: src },
            destination: {
              address: `<${dst} VM>`,
              resolved: `<${dst} VM>`,
              port,
              listenerPort: port,
              protocol,
              tag: dst,
              binds: ["0.0.0.0"],
            },
            transport: { kind: "gossip", why: "Serf, encrypted with the gossip key" },
            evidence: ["consul.json encrypt_verify_*; nomad.json server.encrypt"],
          });
        }
  }
  return out;
}

/** Consul servers -> the colocated Nomad server's JWKS (the JWT auth method). */
function jwks(ctx: MatrixContext): Connection {
  const { host, port } = hostPort(ctx.a.authMethod.jwksUrl);
  const srv = ctx.server;
  return {
    id: "consul-server (JWT auth method) -> nomad-server jwks",
    source: { kind: "host", who: "consul-server" },
    destination: {
      address: host,
      resolved: host,
      port,
      listenerPort: PORTS.nomadHttp,
      protocol: "tcp",
      binds: [srv.nomad.bind_addr],
    },
    transport: {
      kind: "tls",
      presents: srv.nomad.tls.http
        ? nomadCert(srv, ctx.certs)
        : presentsOrNone(undefined, "nomad http"),
      verify: {
        cas: [ctx.certs.caOfPem(ctx.a.authMethod.caPem, "JWKSCACert")],
        name: nameOf(host),
      },
    },
    evidence: ["auth method JWKSURL, JWKSCACert", "nomad.json tls.http, tls.cert_file"],
  };
}
