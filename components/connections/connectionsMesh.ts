/**
 * Connection matrix, part three: service-mesh data and peering control-plane traffic. These
 * certificates are Consul's (Connect CA leaves with SPIFFE URIs; the servers' peering
 * certificate with SAN `server.<dc>.peering.<trust-domain>`, connect.PeeringServerSAN),
 * modelled as such; the ports, addresses and paths come from the jobspecs, agent configs,
 * load balancers and the `mesh` entry.
 */
import { CertSpec, Connection, Source, Transport } from "./connectionTypes";
import { MatrixContext } from "./connectionBuilders";
import { meshCa, trustDomain } from "./agentTls";
import { EXPORTED } from "../mesh/configEntries";
import { jobNamed, labelled, meshServices, one, withVars } from "./jobspecView";

/** Nomad's default dynamic port range (client min_dynamic_port / max_dynamic_port). */
const DYNAMIC_PORTS: [number, number] = [20000, 32000];

/** A Connect CA leaf of a service. */
function leaf(dc: string, service: string): CertSpec {
  return {
    issuer: meshCa(dc),
    dnsNames: [],
    ipAddresses: [],
    uris: [`spiffe://${trustDomain(dc)}/ns/default/dc/${dc}/svc/${service}`],
    origin: `Consul Connect leaf of ${service} in ${dc}`,
  };
}

/** The peering certificate Consul servers present for the peering SNI (Connect CA). */
function peeringCert(dc: string): CertSpec {
  return {
    issuer: meshCa(dc),
    dnsNames: [`server.${dc}.peering.${trustDomain(dc)}`],
    ipAddresses: [],
    uris: [],
    origin: `Consul servers' peering certificate in ${dc}`,
  };
}

/** Envoy-to-Envoy mTLS: the caller verifies the callee's SPIFFE URI with its trust bundle. */
function mtls(client: CertSpec, server: CertSpec): Transport {
  const uri = server.uris[0] ?? "";
  return {
    kind: "tls",
    presents: server,
    verify: { cas: [server.issuer], name: { kind: "uri", value: uri } },
    clientCert: client,
    listenerTrusts: [client.issuer],
  };
}

/** The peer's datacenter name from its local peer name (`<remote>-default`). */
function peerDc(peer: string): string {
  return peer.replace(/-default$/, "");
}

/** The mesh gateway job's port, bind addresses and WAN address (its LB's IP). */
function gatewayFacts(
  ctx: MatrixContext,
): { port: number; binds: string[]; wan: string } | undefined {
  const mesh = jobNamed(ctx.a.jobs, "mesh-gateway");
  const group = mesh ? labelled(mesh.job, "group")[0]?.[1] : undefined;
  if (!mesh || !group) return undefined;
  const proxy = one(one(one(one(group.service).connect).gateway).proxy);
  const bind = one(one(proxy.envoy_gateway_bind_addresses).all);
  return {
    port: Number(withVars(mesh, one(one(one(group.network).port).mesh).static)),
    binds: [withVars(mesh, bind.address)],
    wan: String(mesh.variables.wan_address),
  };
}

/** Everything in this part. */
export function meshConnections(ctx: MatrixContext): Connection[] {
  const a = ctx.a;
  const client = a.tags.client;
  const gw = gatewayFacts(ctx);
  const lb = a.loadBalancers.find((l) => l.address === gw?.wan);
  const dynamic = (id: string, from: Source, transport: Transport): Connection => ({
    id,
    source: from,
    destination: {
      address: "<sidecar public listener>",
      resolved: "<sidecar public listener>",
      port: DYNAMIC_PORTS[0],
      portRange: DYNAMIC_PORTS,
      listenerPort: DYNAMIC_PORTS[0],
      protocol: "tcp",
      tag: client,
      binds: ["0.0.0.0"],
    },
    transport,
    evidence: ["jobspecs: connect sidecar_service in bridge groups", "Nomad dynamic ports"],
  });
  const toGateway = (
    id: string,
    from: Source,
    transport: Transport,
    external: boolean,
  ): Connection => ({
    id,
    source: from,
    destination: {
      address: external ? (gw?.wan ?? "") : "<mesh gateway node>",
      resolved: external ? (gw?.wan ?? "") : "<mesh gateway node>",
      port: gw?.port ?? -1,
      listenerPort: gw?.port ?? -1,
      protocol: "tcp",
      tag: external ? (lb?.backendTags[0] ?? "(no load balancer at wan_address)") : client,
      ...(external ? { loadBalancer: lb?.role ?? "(none)" } : {}),
      binds: gw?.binds ?? [],
    },
    transport,
    evidence: [
      "mesh-gateway job: port, wan_address, envoy_gateway_bind_addresses",
      "mesh-gateway LB",
    ],
  });
  const out: Connection[] = [];
  const local = (who: string): Source => ({ kind: "tag", tag: client, who });

  // Local sidecar-to-sidecar: front-service's upstreams and the API gateway's route.
  const services = a.jobs.flatMap((j) =>
    labelled(j.job, "group").flatMap(([, g]) =>
      meshServices(g)
        .filter((s) => s.kind === "sidecar")
        .map((s) => s.name),
    ),
  );
  const frontend = jobNamed(a.jobs, "front-service");
  const upstreams = (frontend?.variables.upstream_uris ?? "")
    .split(",")
    .filter(Boolean)
    .map((u) => new URL(u).hostname);
  for (const host of upstreams) {
    const [svc, , peer] = host.split(".");
    if (!svc) continue;
    if (host.endsWith(".virtual.consul")) {
      if (!services.includes(svc)) continue;
      out.push(
        dynamic(
          `front-service sidecar -> ${svc} sidecar`,
          local("front-service sidecar"),
          mtls(leaf(a.datacenter, "front-service"), leaf(a.datacenter, svc)),
        ),
      );
    } else if (peer) {
      // Mesh gateway mode local: out through this datacenter's gateway, end to end with the
      // peer's sidecar under the peer's trust bundle.
      out.push(
        toGateway(
          `front-service sidecar -> ${peer} ${svc} (via local mesh gateway)`,
          local("front-service sidecar"),
          mtls(leaf(a.datacenter, "front-service"), leaf(peerDc(peer), svc)),
          false,
        ),
      );
    }
  }
  if (jobNamed(a.jobs, "api-gateway") && services.includes("front-service")) {
    out.push(
      dynamic(
        "api gateway -> front-service sidecar",
        local("api gateway (Envoy)"),
        mtls(leaf(a.datacenter, "api-gateway"), leaf(a.datacenter, "front-service")),
      ),
    );
  }

  // Peers: their services' calls to our exports and their servers' peering stream arrive
  // at our mesh gateway's LB; our servers' stream to them leaves through our gateway.
  for (const peer of a.peers) {
    const remote = peerDc(peer);
    const fromPeer: Source = {
      kind: "ranges",
      ranges: a.sources.meshGatewayCidrs,
      configKey: "hashistack:meshGatewayCidrs",
      who: `${peer} mesh gateway`,
    };
    for (const svc of EXPORTED.filter((s) => services.includes(s))) {
      out.push(
        toGateway(
          `${peer} sidecars -> ${svc} (via mesh gateway)`,
          fromPeer,
          mtls(leaf(remote, "front-service"), leaf(a.datacenter, svc)),
          true,
        ),
      );
      out.push(
        dynamic(
          `mesh gateway -> ${svc} sidecar (for ${peer})`,
          local("mesh gateway"),
          mtls(leaf(remote, "front-service"), leaf(a.datacenter, svc)),
        ),
      );
    }
    if (!a.peerThroughMeshGateways) continue;
    const inbound: Transport = {
      kind: "tls",
      presents: peeringCert(a.datacenter),
      // The token carries our CA and server name; the peering SNI needs no client cert
      // (tlsutil IncomingGRPCConfig: NoClientCert for the peering server name).
      verify: {
        cas: [meshCa(a.datacenter)],
        name: { kind: "dns", value: peeringCert(a.datacenter).dnsNames[0] ?? "" },
      },
    };
    out.push(
      toGateway(
        `${peer} servers -> consul servers peering (via mesh gateway)`,
        fromPeer,
        inbound,
        true,
      ),
    );
    const srv = ctx.server.consul;
    out.push({
      id: `mesh gateway -> consul-server grpc_tls (peering from ${peer})`,
      source: local("mesh gateway"),
      destination: {
        address: `<${a.tags.server} VM>`,
        resolved: `<${a.tags.server} VM>`,
        port: srv.ports.grpc_tls,
        listenerPort: srv.ports.grpc_tls,
        protocol: "tcp",
        tag: a.tags.server,
        binds: srv.client_addr.split(" "),
      },
      transport: inbound,
      evidence: [
        "mesh entry Peering.PeerThroughMeshGateways",
        "server consul.json ports.grpc_tls, client_addr",
      ],
    });
    out.push(
      toGateway(
        `consul servers -> ${peer} servers peering (via local mesh gateway)`,
        { kind: "tag", tag: a.tags.server, who: "consul-server" },
        {
          kind: "tls",
          presents: peeringCert(remote),
          verify: {
            cas: [meshCa(remote)],
            name: { kind: "dns", value: peeringCert(remote).dnsNames[0] ?? "" },
          },
        },
        false,
      ),
    );
  }
  return out;
}
