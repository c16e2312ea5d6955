/**
 * Types of the stack configuration and of its validation errors (values in config.ts).
 */
import * as pulumi from "@pulumi/pulumi";

/** The Pulumi project name, and so the namespace of this program's config keys. */
export const PROJECT = "hashistack";

/** How a service fails over to a peer datacenter. */
export type FailoverMode = "none" | "resolver" | "sameness-group";
/** Allowed failover modes, in documentation order. */
export const FAILOVER_MODES: readonly FailoverMode[] = ["none", "resolver", "sameness-group"];

/**
 * One peering relationship, seen from this datacenter.
 * - `acceptor`: this datacenter generates a peering token for the remote datacenter.
 * - `dialer`: this datacenter establishes the peering with a token read from the remote
 *   (acceptor) stack, named by `stack`.
 */
export interface PeerConfig {
  role: "acceptor" | "dialer";
  /** The remote datacenter's name (its `hashistack:datacenter`). */
  datacenter: string;
  /** The local Consul peer name for the remote side: `<remote-datacenter>-default`. */
  peerName: string;
  /** Fully-qualified acceptor stack (`org/project/stack`); dialers only. */
  stack?: string;
}

/** Replica counts of the demo applications. */
export interface DemoReplicas {
  /** `public-api` allocations. 0 disables the group. */
  publicApi: number;
  /** `private-api` allocations. 0 disables the group. */
  privateApi: number;
  /** `front-service` allocations. 0 disables the frontend and the API gateway. */
  frontend: number;
}

/** The validated configuration of one stack (one datacenter). */
export interface StackConfig {
  /** GCP project id (`gcp:project`). */
  project: string;
  /** GCP region (`gcp:region`). */
  region: string;
  /** Consul and Nomad datacenter name; prefixes every GCP resource name. */
  datacenter: string;
  /** Consul + Nomad servers: 3 or 5, so Raft keeps quorum through one or two failures. */
  serverCount: 3 | 5;
  /** Nomad clients (with Consul client agents). */
  clientCount: number;
  serverMachineType: string;
  clientMachineType: string;
  /** Size of each server's boot disk (it holds the Raft data and survives re-creation). */
  serverDiskSizeGb: number;
  /** Primary range of the datacenter's subnet. */
  subnetCidr: string;
  /** Nomad's bridge network range on clients (`client.bridge_network_subnet`). */
  nomadBridgeCidr: string;
  /** Sources allowed to reach the control-plane LB (Consul 8501, Nomad 4646). */
  operatorCidrs: string[];
  /** Sources allowed to reach the API-gateway listener. */
  apiGatewayCidrs: string[];
  /** Sources allowed to reach the mesh gateway (8443). */
  meshGatewayCidrs: string[];
  /** Allow SSH (22) from IAP's TCP-forwarding range. */
  sshViaIap: boolean;
  /** API gateway listener port (static host port on clients, LB port). */
  apiGatewayPort: number;
  consulVersion: string;
  nomadVersion: string;
  /** Consul Enterprise license (secret); Enterprise packages are installed when set. */
  consulLicense?: pulumi.Output<string>;
  /** Nomad Enterprise license (secret). */
  nomadLicense?: pulumi.Output<string>;
  peers: PeerConfig[];
  failoverMode: FailoverMode;
  /** Bump to mint new peering tokens deliberately (the establishment secret is single-use). */
  peeringGeneration: number;
  replicas: DemoReplicas;
  /** Upper bound for the readiness gate's wait. */
  readinessTimeoutMinutes: number;
  /** Dialed remote datacenters left out of this run (`npm run deploy`'s platform phase). */
  deferredPeers: string[];
}

/** Raw input of the validator: config values as Pulumi stores them (strings, arrays as JSON). */
export interface RawConfig {
  /** `hashistack:*` keys without the namespace. */
  values: Record<string, string | undefined>;
  /** `gcp:project`, `gcp:region`. */
  gcpProject?: string;
  gcpRegion?: string;
  /** Licenses are secrets: the validator only needs to know whether they are set. */
  consulLicense?: pulumi.Output<string>;
  nomadLicense?: pulumi.Output<string>;
}

/** One problem found in the configuration. */
export interface ConfigProblem {
  key: string;
  received: string;
  allowed: string;
}

/** Thrown by `validateConfig` with every problem found, before any resource exists. */
export class ConfigError extends Error {
  constructor(
    readonly stack: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `Invalid configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created:\n` +
        problems
          .map((p) => `  - ${p.key}: received ${p.received}; allowed: ${p.allowed}`)
          .join("\n"),
    );
    this.name = "ConfigError";
  }
}
