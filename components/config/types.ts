/**
 * Types of the stack configuration and of its validation errors (validated in loadConfig.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { UserError } from "./userError";

/** The Pulumi project name, and so the namespace of this program's config keys. */
export const PROJECT = "hashistack";

/** A datacenter name: also the prefix of every GCP name, so short and DNS-safe. */
export const DC_RE = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
/** What {@link DC_RE} allows, in words. */
export const DC_ALLOWED = "2-20 lowercase letters, digits or hyphens, starting with a letter";

/**
 * Enterprise licenses: optional secrets, deliberately not declared in `Pulumi.yaml` (the CLI
 * makes a declared key without a default required, and refuses a `secret: true` key whose
 * default is plain; see tests/cliConfig.test.ts). Blank means no license.
 */
export const LICENSE_KEYS = ["consulLicense", "nomadLicense"] as const;
/** One of {@link LICENSE_KEYS}. */
export type LicenseKey = (typeof LICENSE_KEYS)[number];

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
  /**
   * Fully-qualified acceptor stack (`org/project/stack`); dialers only. A config entry may
   * name just the stack: it is qualified with this run's organization and project.
   */
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
  /**
   * Consul Enterprise license (secret); Enterprise packages are installed when set. Absent
   * when unset or blank: everything Enterprise (packages, license file, sameness groups)
   * follows this field alone.
   */
  consulLicense?: pulumi.Output<string>;
  /** Nomad Enterprise license (secret); absent when unset or blank. */
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
  /**
   * Protect the CA key and the server group (its stateful disks hold the Raft data) against
   * deletion and replacement; set false before a deliberate `pulumi destroy`.
   */
  protectCluster: boolean;
}

/** A config value as the CLI handed it over, with whether it was stored as a secret. */
export interface RawSecret {
  value: string;
  /** Stored encrypted (`pulumi config set --secret`), as the CLI reports it. */
  secret: boolean;
}

/** Raw input of the validator: config values as Pulumi stores them (strings, arrays as JSON). */
export interface RawConfig {
  /** `hashistack:*` keys without the namespace. */
  values: Record<string, string | undefined>;
  /** `gcp:project`, `gcp:region`. */
  gcpProject?: string;
  gcpRegion?: string;
  /** Licenses: returned as Pulumi secrets; their values never appear in a message. */
  consulLicense?: RawSecret;
  nomadLicense?: RawSecret;
  /** `pulumi.getOrganization()`, when the CLI passed one: qualifies short dialer entries. */
  organization?: string;
  /** `pulumi.getProject()`; defaults to {@link PROJECT}. */
  project?: string;
}

/** One problem found in the configuration. */
export interface ConfigProblem {
  key: string;
  received: string;
  allowed: string;
}

/**
 * Thrown by `validateConfig` with every problem found, before any resource exists. A
 * {@link UserError}: the CLI prints the message alone. The stack name is `stackName`: a field
 * named `stack` would shadow `Error.stack`, and the CLI would print that instead.
 */
export class ConfigError extends UserError {
  constructor(
    readonly stackName: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `Invalid configuration for stack "${stackName}" (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created:\n` +
        problems
          .map((p) => `  - ${p.key}: received ${p.received}; allowed: ${p.allowed}`)
          .join("\n"),
    );
  }
}
