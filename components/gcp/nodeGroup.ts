/**
 * A regional managed instance group of Consul + Nomad nodes (servers or clients), spread
 * over the region's zones, from a template with no external IP, the role's own service
 * account and the rendered startup script.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { UserError } from "../config/userError";

/** Arguments of {@link NodeGroup}. */
export interface NodeGroupArgs {
  role: "server" | "client";
  datacenter: string;
  region: string;
  /** Zones to spread over (three, from the region). */
  zones: pulumi.Input<string[]>;
  machineType: string;
  /** Instances: 3 or 5 servers, or the client count. */
  size: number;
  /** Network tags (the cluster tag cloud auto-join looks for, and firewall targets). */
  tags: string[];
  subnetwork: pulumi.Input<string>;
  serviceAccountEmail: pulumi.Input<string>;
  startupScript: pulumi.Input<string>;
  /** Servers: size of the persistent data disk (GB), preserved across re-creation. */
  dataDiskSizeGb?: number;
  /**
   * Protect the group itself against deletion and replacement (default false); for servers,
   * whose stateful disks hold the Raft data. Not the template: it is replaced on every change.
   */
  protect?: boolean;
  /** TCP port whose listener marks the instance alive for autohealing. */
  autohealPort: number;
  /**
   * What must exist before instances boot (secret versions, IAM grants). Applied to the
   * MIG itself: `dependsOn` on a component does not reach its children.
   */
  bootAfter?: pulumi.Resource[];
}

/** Debian 12 from Google's image family; the startup script installs everything else. */
export const BASE_IMAGE = "projects/debian-cloud/global/images/family/debian-12";

/**
 * Generous first-boot allowance before autohealing may judge an instance: package install,
 * secret fetch and the agents' start take minutes.
 */
export const AUTOHEAL_INITIAL_DELAY_SEC = 900;

/** Instance template + regional MIG + autohealing health check. */
export class NodeGroup extends pulumi.ComponentResource {
  public readonly template: gcp.compute.InstanceTemplate;
  public readonly group: gcp.compute.RegionInstanceGroupManager;

  constructor(name: string, args: NodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:gcp:NodeGroup", name, {}, opts);
    const dc = args.datacenter;
    const server = args.role === "server";

    this.template = new gcp.compute.InstanceTemplate(
      `${name}-template`,
      {
        // Templates are immutable: a new one (name prefix) replaces the old, create-first.
        namePrefix: `${dc}-${args.role}-`,
        region: args.region,
        machineType: args.machineType,
        tags: args.tags,
        labels: { datacenter: dc, role: args.role, managed_by: "pulumi" },
        disks: [
          {
            boot: true,
            autoDelete: true,
            sourceImage: BASE_IMAGE,
            diskSizeGb: 20,
            diskType: "pd-balanced",
          },
          ...(server
            ? [
                {
                  boot: false,
                  autoDelete: false,
                  deviceName: "data",
                  diskSizeGb: args.dataDiskSizeGb ?? 50,
                  diskType: "pd-balanced",
                },
              ]
            : []),
        ],
        // No accessConfigs: no external IP. Egress goes through Cloud NAT.
        networkInterfaces: [{ subnetwork: args.subnetwork }],
        serviceAccount: { email: args.serviceAccountEmail, scopes: ["cloud-platform"] },
        shieldedInstanceConfig: {
          enableSecureBoot: true,
          enableVtpm: true,
          enableIntegrityMonitoring: true,
        },
        metadata: {
          "startup-script": args.startupScript,
          "enable-oslogin": "TRUE",
          "block-project-ssh-keys": "TRUE",
          // The startup script reports its boot step and any failure as guest attributes
          // (bootReport.ts), which the readiness gate reads; GCE accepts writes only when
          // this key is TRUE (cloud.google.com/compute/docs/metadata/manage-guest-attributes).
          "enable-guest-attributes": "TRUE",
        },
      },
      { parent: this },
    );

    const autoheal = new gcp.compute.HealthCheck(
      `${name}-autoheal`,
      {
        name: `${dc}-${args.role}-autoheal`,
        checkIntervalSec: 10,
        timeoutSec: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 6,
        // Process liveness only: a cluster-wide signal (such as "has a leader") would let
        // autohealing recreate every server at once and lose quorum.
        tcpHealthCheck: { port: args.autohealPort },
      },
      { parent: this, deleteBeforeReplace: true },
    );

    this.group = new gcp.compute.RegionInstanceGroupManager(
      `${name}-group`,
      {
        name: `${dc}-${args.role}s`,
        region: args.region,
        baseInstanceName: `${dc}-${args.role}`,
        distributionPolicyZones: args.zones,
        targetSize: args.size,
        versions: [{ name: "primary", instanceTemplate: this.template.selfLinkUnique }],
        autoHealingPolicies: {
          healthCheck: autoheal.id,
          initialDelaySec: AUTOHEAL_INITIAL_DELAY_SEC,
        },
        ...(server
          ? {
              statefulDisks: [{ deviceName: "data", deleteRule: "ON_PERMANENT_INSTANCE_DELETION" }],
              // Never takes quorum away: OPPORTUNISTIC means the MIG does not roll servers on
              // its own; a new template applies when an operator replaces one server at a
              // time (README runbook). GCE requires maxUnavailableFixed of 0 or >= the number
              // of zones, and stateful disks require maxSurge 0 with RECREATE.
              updatePolicy: {
                type: "OPPORTUNISTIC",
                minimalAction: "REPLACE",
                replacementMethod: "RECREATE",
                instanceRedistributionType: "NONE",
                maxSurgeFixed: 0,
                maxUnavailableFixed: 3,
              },
            }
          : {
              // Clients roll proactively, surge first: capacity never drops during a rollout.
              updatePolicy: {
                type: "PROACTIVE",
                minimalAction: "REPLACE",
                replacementMethod: "SUBSTITUTE",
                instanceRedistributionType: "PROACTIVE",
                maxSurgeFixed: 3,
                maxUnavailableFixed: 0,
              },
            }),
        waitForInstances: false,
      },
      {
        parent: this,
        deleteBeforeReplace: true,
        protect: args.protect ?? false,
        dependsOn: args.bootAfter ?? [],
        // The zones are chosen once: a later change in the region's zone list (a new zone)
        // must never replace the group and recreate every server.
        ignoreChanges: ["distributionPolicyZones"],
      },
    );
    this.registerOutputs({ instanceGroup: this.group.instanceGroup });
  }
}

/** The zones a regional MIG spreads over: the region's first three, sorted (stable). */
export function pickZones(names: string[]): string[] {
  const zones = [...names].sort().slice(0, 3);
  if (zones.length < 3)
    throw new UserError(
      `region has ${zones.length} zones available (${zones.join(", ")}); 3 are needed to spread servers`,
    );
  return zones;
}
