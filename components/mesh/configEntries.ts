/**
 * Consul config entries as typed objects whose field names mirror Consul's API structs
 * (developer.hashicorp.com/consul/docs/reference/config-entry/*). The generic
 * `consul.ConfigEntry` decodes `configJson` leniently and drops unknown keys silently, so a
 * typo would be a silent misconfiguration: these types make it a compile error. Fields
 * Consul fills in by default are spelled out, or the generic entry diffs forever.
 * `Kind` and `Name` travel as the resource's own arguments; `configJson` holds the rest.
 */
import { stableJson } from "../config/stableJson";

/** `proxy-defaults` (name "global"). */
export interface ProxyDefaults {
  Kind: "proxy-defaults";
  Name: "global";
  Config: { protocol: "http" | "tcp" | "http2" | "grpc" };
  MeshGateway: { Mode: "local" | "remote" | "none" };
}

/** `mesh` (name "mesh"). */
export interface MeshEntry {
  Kind: "mesh";
  Name: "mesh";
  Peering: { PeerThroughMeshGateways: boolean };
}

/** `service-defaults`. */
export interface ServiceDefaults {
  Kind: "service-defaults";
  Name: string;
  Protocol: "http" | "tcp" | "http2" | "grpc";
}

/** One listener of an `api-gateway`. */
export interface ApiGatewayListener {
  Name: string;
  Port: number;
  Protocol: "http" | "tcp";
  /** Consul's default is "*"; spelled out so the entry does not diff forever. */
  Hostname: string;
}

/** `api-gateway`. */
export interface ApiGatewayEntry {
  Kind: "api-gateway";
  Name: string;
  Listeners: ApiGatewayListener[];
}

/** `http-route`. */
export interface HttpRouteEntry {
  Kind: "http-route";
  Name: string;
  Parents: { Kind: "api-gateway"; Name: string; SectionName: string }[];
  Rules: {
    Matches: { Path: { Match: "exact" | "prefix" | "regex"; Value: string } }[];
    Services: { Name: string }[];
  }[];
}

/** A consumer of an exported service: a peer or a sameness group. */
export type ExportConsumer = { Peer: string } | { SamenessGroup: string };

/** `exported-services` (name = the partition, "default" on Consul CE). */
export interface ExportedServicesEntry {
  Kind: "exported-services";
  Name: "default";
  Services: { Name: string; Namespace: "default"; Consumers: ExportConsumer[] }[];
}

/** `service-resolver` failing over to peers. */
export interface ServiceResolverEntry {
  Kind: "service-resolver";
  Name: string;
  ConnectTimeout: string;
  Failover: Record<"*", { Targets: { Peer: string }[] }>;
}

/** `sameness-group` (Consul Enterprise). */
export interface SamenessGroupEntry {
  Kind: "sameness-group";
  Name: string;
  DefaultForFailover: boolean;
  Members: ({ Partition: string } | { Peer: string })[];
}

/** Any entry this program writes. */
export type ConfigEntry =
  | ProxyDefaults
  | MeshEntry
  | ServiceDefaults
  | ApiGatewayEntry
  | HttpRouteEntry
  | ExportedServicesEntry
  | ServiceResolverEntry
  | SamenessGroupEntry;

/** Arguments for `consul.ConfigEntry`: kind, name, and the rest as deterministic JSON. */
export function configEntryArgs(entry: ConfigEntry): {
  kind: string;
  name: string;
  configJson: string;
} {
  const { Kind, Name, ...rest } = entry;
  return { kind: Kind, name: Name, configJson: stableJson(rest).trimEnd() };
}

/** The demo's service names, once. */
export const SERVICES = {
  frontend: "front-service",
  publicApi: "public-api",
  privateApi: "private-api",
  meshGateway: "mesh-gateway",
} as const;

/** The API gateway's names: the job, its Consul service and the config entry share the name. */
export const API_GATEWAY = {
  name: "api-gateway",
  listener: "http",
  route: "front-service",
} as const;

/** proxy-defaults: mesh gateways in local mode (traffic to peers leaves through our own gateway), HTTP. */
export function proxyDefaults(): ProxyDefaults {
  return {
    Kind: "proxy-defaults",
    Name: "global",
    Config: { protocol: "http" },
    MeshGateway: { Mode: "local" },
  };
}

/** mesh: peering control-plane traffic goes through the mesh gateways, so peering tokens carry their address. */
export function meshEntry(): MeshEntry {
  return { Kind: "mesh", Name: "mesh", Peering: { PeerThroughMeshGateways: true } };
}

/** service-defaults with protocol http for one demo service. */
export function serviceDefaults(name: string): ServiceDefaults {
  return { Kind: "service-defaults", Name: name, Protocol: "http" };
}

/** The API gateway with one HTTP listener on the given port. */
export function apiGatewayEntry(port: number): ApiGatewayEntry {
  return {
    Kind: "api-gateway",
    Name: API_GATEWAY.name,
    Listeners: [{ Name: API_GATEWAY.listener, Port: port, Protocol: "http", Hostname: "*" }],
  };
}

/** http-route: every path on the gateway's listener to front-service. */
export function frontendRoute(): HttpRouteEntry {
  return {
    Kind: "http-route",
    Name: API_GATEWAY.route,
    Parents: [{ Kind: "api-gateway", Name: API_GATEWAY.name, SectionName: API_GATEWAY.listener }],
    Rules: [
      {
        Matches: [{ Path: { Match: "prefix", Value: "/" } }],
        Services: [{ Name: SERVICES.frontend }],
      },
    ],
  };
}

/** The backends every datacenter exports to its peers (and fails over for). */
export const EXPORTED = [SERVICES.publicApi, SERVICES.privateApi] as const;

/** Name of the sameness group in sameness-group mode. */
export const SAMENESS_GROUP = "api-services";

/** exported-services: the backends to each peer, or to the sameness group. */
export function exportedServices(
  peerNames: string[],
  samenessGroup?: string,
): ExportedServicesEntry {
  const consumers: ExportConsumer[] = samenessGroup
    ? [{ SamenessGroup: samenessGroup }]
    : [...peerNames].sort().map((Peer) => ({ Peer }));
  return {
    Kind: "exported-services",
    Name: "default",
    Services: EXPORTED.map((Name) => ({
      Name,
      Namespace: "default" as const,
      Consumers: consumers,
    })),
  };
}

/** service-resolver: when no local instance is healthy, go to the peers, in config order. */
export function failoverResolver(service: string, peerNames: string[]): ServiceResolverEntry {
  return {
    Kind: "service-resolver",
    Name: service,
    ConnectTimeout: "15s",
    Failover: { "*": { Targets: peerNames.map((Peer) => ({ Peer })) } },
  };
}

/** sameness-group: this partition and every peer; the default failover for its members. */
export function samenessGroup(peerNames: string[]): SamenessGroupEntry {
  return {
    Kind: "sameness-group",
    Name: SAMENESS_GROUP,
    DefaultForFailover: true,
    Members: [{ Partition: "default" }, ...peerNames.map((Peer) => ({ Peer }))],
  };
}
