/**
 * The pure half of {@link ConsulNomadCluster} (consulNomadCluster.ts): from the validated
 * stack config, what the agents are configured with, what each node group is, and what
 * the control-plane load balancer serves and checks. No resources here, so each rule has
 * its own unit test (tests/clusterSpec.test.ts).
 */
import { AgentConfigInput } from "./agentConfig";
import { PORTS } from "../config/constants";
import { StackConfig } from "../config/types";
import { clusterTags } from "../gcp/firewallRules";

/** The part of the stack config a cluster is built from (a `StackConfig` satisfies it). */
export type ClusterConfig = Pick<
  StackConfig,
  | "project"
  | "region"
  | "datacenter"
  | "serverCount"
  | "clientCount"
  | "serverMachineType"
  | "clientMachineType"
  | "serverDiskSizeGb"
  | "nomadBridgeCidr"
  | "consulVersion"
  | "nomadVersion"
  | "consulLicense"
  | "nomadLicense"
  | "readinessTimeoutMinutes"
  | "protectCluster"
>;

/** Node roles, in the order the groups are created. */
export type NodeRole = "server" | "client";

/**
 * What both roles' agent configs are rendered from. The join tag is the servers' network
 * tag: cloud auto-join lists the instances carrying it, so servers and clients find the
 * servers and nothing else. Enterprise follows the license alone (config/types.ts).
 */
export function agentConfigInput(cfg: ClusterConfig): AgentConfigInput {
  return {
    datacenter: cfg.datacenter,
    project: cfg.project,
    region: cfg.region,
    joinTag: clusterTags(cfg.datacenter).server,
    serverCount: cfg.serverCount,
    consulEnterprise: cfg.consulLicense !== undefined,
    nomadEnterprise: cfg.nomadLicense !== undefined,
    nomadBridgeCidr: cfg.nomadBridgeCidr,
  };
}

/** The config-decided shape of one node group (the `NodeGroupArgs` a role fixes). */
export interface NodeGroupSpec {
  role: NodeRole;
  machineType: string;
  size: number;
  /** The role's network tag: cloud auto-join (servers) and firewall targets. */
  tags: string[];
  /** The listener whose TCP accept marks an instance alive for autohealing. */
  autohealPort: number;
  /** Servers only: the stateful data disk that holds the Raft data. */
  dataDiskSizeGb?: number;
  /** Servers only: `protectCluster` guards the group whose disks hold the Raft data. */
  protect?: boolean;
}

/**
 * One role's node group. Autohealing watches the agent every node of the role runs as its
 * API: Consul's HTTPS listener on servers, Nomad's on clients (process liveness only:
 * nodeGroup.ts says why never a cluster-wide signal). Clients carry neither a data disk
 * nor protection: they hold no state the cluster cannot rebuild.
 */
export function nodeGroupSpec(role: NodeRole, cfg: ClusterConfig): NodeGroupSpec {
  const tags = clusterTags(cfg.datacenter);
  return role === "server"
    ? {
        role,
        machineType: cfg.serverMachineType,
        size: cfg.serverCount,
        tags: [tags.server],
        dataDiskSizeGb: cfg.serverDiskSizeGb,
        protect: cfg.protectCluster,
        autohealPort: PORTS.consulHttps,
      }
    : {
        role,
        machineType: cfg.clientMachineType,
        size: cfg.clientCount,
        tags: [tags.client],
        autohealPort: PORTS.nomadHttp,
      };
}

/** What the control-plane load balancer forwards and how GCE checks its backends. */
export interface ControlPlaneSpec {
  /** Short role; the GCE objects are named `<datacenter>-<role>`. */
  role: string;
  ports: number[];
  healthCheck: { port: number; https: { requestPath: string } };
}

/**
 * The control plane: Consul's and Nomad's HTTPS APIs on the servers, one address for the
 * program and operators (the server certificate carries it). Any server with a running
 * Consul answers `/v1/status/leader` without a token, so the check needs no secret.
 */
export function controlPlaneSpec(): ControlPlaneSpec {
  return {
    role: "control-plane",
    ports: [PORTS.consulHttps, PORTS.nomadHttp],
    healthCheck: { port: PORTS.consulHttps, https: { requestPath: "/v1/status/leader" } },
  };
}

/** The Consul provider's `address`: host and port of the gate's verified Consul URL. */
export function consulProviderAddress(consulUrl: string): string {
  return new URL(consulUrl).host;
}
