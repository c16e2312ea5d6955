/**
 * Types of the connection matrix (connections.ts): what the program renders (its artifacts)
 * and, for each connection it implies, who dials whom, on which port and protocol, what the
 * listener presents and what the client verifies.
 */
import { FirewallRuleSpec } from "../gcp/firewallRules";

/** A certificate the program generates with `@pulumi/tls`, as its resources record it. */
export interface ProgramCert {
  /** Its PEM (what Secret Manager versions and `caPem` inputs carry). */
  pem: string;
  isCa: boolean;
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  /** Leaves: the PEM of the CA that signed them. */
  issuerPem?: string;
}

/** A load balancer as built: forwarding-rule ports, health check, backend VMs' tags. */
export interface LoadBalancerArtifact {
  role: string;
  address: string;
  ports: number[];
  healthCheck: { port: number; https: boolean };
  backendTags: string[];
}

/** A Nomad job as the program submits it: the parsed jobspec and its variables. */
export interface JobArtifact {
  /** The `job` block body of the jobspec parsed by `@cdktf/hcl2json`. */
  job: Record<string, unknown>;
  name: string;
  /** Variable values: the program's, else the jobspec's defaults. */
  variables: Record<string, string>;
}

/** Everything the matrix is derived from, for one datacenter. */
export interface DatacenterArtifacts {
  datacenter: string;
  tags: { server: string; client: string };
  /** Rendered startup scripts (instance template metadata). */
  scripts: { server: string; client: string };
  /** Secret Manager secret id -> the data of its version. */
  secrets: Record<string, string>;
  certs: ProgramCert[];
  /** Ingress rules as the Firewall resources carry them. */
  firewall: FirewallRuleSpec[];
  loadBalancers: LoadBalancerArtifact[];
  /** MIG autohealing checks: TCP port and the group's tags. */
  autoheal: { port: number; tags: string[] }[];
  jobs: JobArtifact[];
  /** How the program itself connects (providers, readiness gate, Nomad jobs). */
  program: {
    consulProvider: { address: string; scheme: string; caPem: string };
    gate: { consulAddress: string; nomadAddress: string; caPem: string };
    nomad: { address: string; caPem: string };
  };
  /** The JWT auth method's JWKS source. */
  authMethod: { jwksUrl: string; caPem: string };
  /** `mesh` config entry: peering control plane through the mesh gateways. */
  peerThroughMeshGateways: boolean;
  /** This datacenter's local names of its peers. */
  peers: string[];
  /** Config: the external sources each public endpoint admits. */
  sources: { operatorCidrs: string[]; apiGatewayCidrs: string[]; meshGatewayCidrs: string[] };
  /** A client VM address in the subnet, standing for `${attr.unique.network.ip-address}`. */
  sampleNodeIp: string;
}

/** What a certificate says: who signed it and the names it carries. */
export interface CertSpec {
  /** The issuing CA's name (a program CA's common name, or a Consul Connect CA). */
  issuer: string;
  dnsNames: string[];
  ipAddresses: string[];
  uris: string[];
  /** Where the certificate comes from (file, secret, Consul). */
  origin: string;
}

/** The name a TLS client checks the listener's certificate against. */
export type ServerName =
  | { kind: "dns" | "ip" | "uri"; value: string }
  /** Chain only (Envoy's xDS cluster pins the CA and checks no SAN). */
  | { kind: "none" };

/** How the bytes travel. */
export type Transport =
  | { kind: "plaintext"; why: string }
  | { kind: "gossip"; why: string }
  /** TLS the client does not verify (Google's HTTPS health checks). */
  | { kind: "tls-unverified"; presents: CertSpec }
  | {
      kind: "tls";
      presents: CertSpec;
      /** CAs the client trusts and the name it verifies. */
      verify: { cas: string[]; name: ServerName };
      /** mTLS: the client's certificate and the CAs the listener accepts it from. */
      clientCert?: CertSpec;
      listenerTrusts?: string[];
    };

/** Where a connection starts. */
export type Source =
  /** A VM of the datacenter, by network tag. */
  | { kind: "tag"; tag: string; who: string }
  /** Outside the VPC: any address of these ranges (from the config key). */
  | { kind: "ranges"; ranges: string[]; configKey: string; who: string }
  /** The same VM (loopback, or a bridge namespace to its own address): no VPC firewall. */
  | { kind: "host"; who: string };

/** Where a connection ends. */
export interface Destination {
  /** The address exactly as the client writes it (may hold a Nomad interpolation). */
  address: string;
  /** The address checks use (`${attr.unique.network.ip-address}` resolved to the sample). */
  resolved: string;
  port: number;
  /** A range of ports (Nomad's dynamic ports), when the port is picked at run time. */
  portRange?: [number, number];
  /** The port the listener is configured with (must equal `port`). */
  listenerPort: number;
  protocol: "tcp" | "udp";
  /** Network tag of the VMs that receive it, when it crosses the VPC. */
  tag?: string;
  /** Through a passthrough load balancer of this role. */
  loadBalancer?: string;
  /** Addresses the listener binds ("0.0.0.0" = all). */
  binds: string[];
}

/** One connection of the matrix. */
export interface Connection {
  /** Stable, readable id ("nomad-client -> consul-client https"). */
  id: string;
  source: Source;
  destination: Destination;
  transport: Transport;
  /** The artifact fields each fact was read from. */
  evidence: string[];
}
