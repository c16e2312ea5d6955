/**
 * One datacenter's Consul + Nomad cluster: the server and client node groups with their
 * startup scripts, the control-plane passthrough LB, the readiness gate and the Consul
 * provider built on the gate's outputs. What it hands out is the verified connection
 * everything in-cluster uses (the Consul provider, the Nomad connection) and the server group
 * in-cluster objects are deleted with, so nothing in-cluster can be created before the gate
 * has passed.
 */
import * as consul from "@pulumi/consul";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  agentConfigInput,
  ClusterConfig,
  consulProviderAddress,
  controlPlaneSpec,
  nodeGroupSpec,
} from "./clusterSpec";
import { ReadinessGate } from "./readinessGate";
import { renderStartupScript } from "./startupScript";
import { PORTS } from "../config/constants";
import { ClusterIdentity } from "../gcp/identity";
import { PassthroughLoadBalancer } from "../gcp/loadBalancer";
import { NodeGroup, pickZones } from "../gcp/nodeGroup";
import { ClusterSecrets } from "../gcp/secrets";

/** Arguments of {@link ConsulNomadCluster}. */
export interface ConsulNomadClusterArgs {
  /** The validated stack config: sizes, machine types, versions, licenses, timeout, protection. */
  config: ClusterConfig;
  /** The subnet both node groups live in (Network). */
  subnetwork: pulumi.Input<string>;
  /** The control-plane LB's reserved IP (Network); the server certificate carries it. */
  controlPlaneAddress: pulumi.Input<string>;
  /** The groups' service accounts, and the project role bindings their VMs need at boot. */
  identity: Pick<ClusterIdentity, "serverAccount" | "clientAccount" | "roleBindings">;
  /** Secret names and boot dependencies per role; the CA and management tokens for the gate. */
  secrets: Pick<
    ClusterSecrets,
    "names" | "accessors" | "bootDependencies" | "caCertPem" | "consulToken" | "nomadToken"
  >;
  /** What the zone lookup waits for: the project's APIs are on (ProjectServices.ready). */
  apisReady: pulumi.Resource[];
}

/** A verified API connection: address, the CA that verifies it, a management token (secret). */
export interface ClusterConnection {
  address: pulumi.Output<string>;
  caPem: pulumi.Output<string>;
  token: pulumi.Output<string>;
}

/** The node groups, control-plane LB, readiness gate and Consul provider of a datacenter. */
export class ConsulNomadCluster extends pulumi.ComponentResource {
  /**
   * The server MIG: everything in-cluster is deleted with it (the `inClusterDeletedWith` of
   * every in-cluster component's args, config/childOptions.ts).
   */
  public readonly serverGroup: gcp.compute.RegionInstanceGroupManager;
  /** The client MIG's instance group: the backend of the gateway LBs. */
  public readonly clientInstanceGroup: pulumi.Output<string>;
  /** `https://<control-plane IP>:8501` and `:4646`, as operators reach them. */
  public readonly consulUrl: pulumi.Output<string>;
  public readonly nomadUrl: pulumi.Output<string>;
  /** Our CA, from the gate: what in-cluster clients verify the agents with. */
  public readonly caPem: pulumi.Output<string>;
  /** The verified Consul connection (the peering's ACTIVE wait uses it); token secret. */
  public readonly consul: ClusterConnection;
  /** The verified Nomad connection every Nomad object uses; token secret. */
  public readonly nomad: ClusterConnection;
  /**
   * The Consul provider on the verified connection; TLS verified, never insecureHttps. Every
   * in-cluster component is registered with it (`providers: { consul }`), nothing else.
   */
  public readonly consulProvider: consul.Provider;

  constructor(name: string, args: ConsulNomadClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:cluster:ConsulNomadCluster", name, {}, opts);
    const cfg = args.config;
    const { secrets, identity } = args;
    const dc = cfg.datacenter;
    const agent = agentConfigInput(cfg);
    const versions = { consulVersion: cfg.consulVersion, nomadVersion: cfg.nomadVersion };
    // All zones of the region (not only those UP right now: a zone's passing outage must not
    // change the MIGs' zones, which would replace every server).
    // After the Compute API is on: a preview of an empty project leaves the zones unknown.
    const zones = gcp.compute
      .getZonesOutput(
        { project: cfg.project, region: cfg.region },
        { parent: this, dependsOn: args.apisReady },
      )
      .names.apply(pickZones);
    const group = { datacenter: dc, region: cfg.region, zones, subnetwork: args.subnetwork };
    // Each group boots only after the secrets it reads (versions and grants) and its account's
    // role bindings exist: the startup script reads them, cloud auto-join lists instances.
    // Neither waits for the other group's.
    const servers = new NodeGroup(
      `${name}-servers`,
      {
        ...group,
        ...nodeGroupSpec("server", cfg),
        bootAfter: [...secrets.bootDependencies.server, ...identity.roleBindings.servers],
        serviceAccountEmail: identity.serverAccount.email,
        // Servers also get the agent tokens' accessor IDs, known only once they are generated.
        startupScript: secrets.accessors.apply((accessors) =>
          renderStartupScript({
            role: "server",
            agent,
            ...versions,
            secrets: secrets.names.server,
            accessors,
          }),
        ),
      },
      { parent: this },
    );
    const clients = new NodeGroup(
      `${name}-clients`,
      {
        ...group,
        ...nodeGroupSpec("client", cfg),
        bootAfter: [...secrets.bootDependencies.client, ...identity.roleBindings.clients],
        serviceAccountEmail: identity.clientAccount.email,
        startupScript: renderStartupScript({
          role: "client",
          agent,
          ...versions,
          secrets: secrets.names.client,
        }),
      },
      { parent: this },
    );
    this.serverGroup = servers.group;
    this.clientInstanceGroup = clients.group.instanceGroup;

    // Regional passthrough LB on the reserved IP, in front of the servers.
    const cp = controlPlaneSpec();
    const controlPlane = new PassthroughLoadBalancer(
      `${name}-${cp.role}`,
      {
        datacenter: dc,
        region: cfg.region,
        address: args.controlPlaneAddress,
        instanceGroup: servers.group.instanceGroup,
        ...cp,
      },
      { parent: this },
    );
    const cpIp = controlPlane.forwardingRule.ipAddress;
    this.consulUrl = pulumi.interpolate`https://${cpIp}:${PORTS.consulHttps}`;
    this.nomadUrl = pulumi.interpolate`https://${cpIp}:${PORTS.nomadHttp}`;

    // Everything in-cluster lives in the servers' Raft state: deleting the server group deletes
    // it all, so `pulumi destroy` skips each in-cluster delete (which would need a healthy
    // cluster), and the group's replacement replaces them too (engine: deletedWith; the
    // replacement from CLI 3.260, pulumi/pulumi#23818: components/config/cliRequirement.ts).
    // The gate is one; the in-cluster components take `serverGroup` in their args (index.ts).
    // Nothing in-cluster is configured before Consul and Nomad answer through the LB over
    // TLS verified against our CA (the server certificate carries the LB's IP). It waits for
    // the three components themselves: every resource in them (LB rule, backend, check; each
    // group's template, autoheal check and MIG).
    const gate = new ReadinessGate(
      `${name}-readiness`,
      {
        consulAddress: this.consulUrl,
        nomadAddress: this.nomadUrl,
        caPem: secrets.caCertPem,
        consulToken: secrets.consulToken,
        nomadToken: secrets.nomadToken,
        expectedClients: cfg.clientCount,
        timeoutSeconds: cfg.readinessTimeoutMinutes * 60,
        bootReport: {
          project: cfg.project,
          region: cfg.region,
          groups: [servers.group.name, clients.group.name],
        },
      },
      { parent: this, dependsOn: [controlPlane, servers, clients], deletedWith: servers.group },
    );

    // In-cluster objects take their connection from the gate's outputs: none can start
    // before the gate passed. TLS is verified against our CA; never insecureHttps.
    this.caPem = gate.caPem;
    this.consul = { address: gate.consulAddress, caPem: gate.caPem, token: gate.consulToken };
    this.nomad = { address: gate.nomadAddress, caPem: gate.caPem, token: gate.nomadToken };
    this.consulProvider = new consul.Provider(
      `${name}-consul`,
      {
        address: gate.consulAddress.apply(consulProviderAddress),
        scheme: "https",
        caPem: gate.caPem,
        token: gate.consulToken,
        datacenter: dc,
      },
      { parent: this },
    );

    // No connection objects here: the management tokens stay in the gate's state and the
    // stack outputs, not in one more resource's.
    this.registerOutputs({
      consulUrl: this.consulUrl,
      nomadUrl: this.nomadUrl,
      clientInstanceGroup: this.clientInstanceGroup,
    });
  }
}
