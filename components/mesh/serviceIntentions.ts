/**
 * The datacenter's service intentions: one `service-intentions` entry per destination (Consul
 * keeps one per destination, so all its sources live in one resource; see intentions.ts).
 *
 * Its own component, not part of ServiceMesh: entries naming a peer wait for the peering
 * objects, which wait for ServiceMesh's `mesh` entry and the mesh gateway; one component
 * owning the mesh entry and the intentions could not be constructed before ClusterPeering nor
 * after it. index.ts creates this after ClusterPeering.
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { SAMENESS_GROUP } from "./configEntries";
import { intentions, IntentionSource } from "./intentions";
import { childOf, InClusterArgs } from "../config/childOptions";

/** Arguments of {@link ServiceIntentions}. */
export interface ServiceIntentionsArgs extends InClusterArgs {
  /** Whether this datacenter runs the frontend behind the API gateway. */
  localFrontend: boolean;
  /** Peers (local names) whose frontend may call this datacenter's backends. */
  consumerPeers: string[];
  /** Failover through a sameness group (Enterprise): sources name the group, not each peer. */
  samenessGroup: boolean;
  /** Peer-sourced intentions name peers: create them after the peering objects. */
  after?: pulumi.Resource[];
}

/** One `service-intentions` entry per destination. */
export class ServiceIntentions extends pulumi.ComponentResource {
  public readonly entries: consul.ConfigEntryServiceIntentions[];

  constructor(name: string, args: ServiceIntentionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:mesh:ServiceIntentions", name, {}, opts);
    // Destination -> sources: Consul keeps one entry per destination (intentions.ts).
    const byDestination: Record<string, IntentionSource[]> = intentions({
      localFrontend: args.localFrontend,
      consumerPeers: args.consumerPeers,
      ...(args.samenessGroup ? { samenessGroup: SAMENESS_GROUP } : {}),
    });
    this.entries = Object.keys(byDestination)
      .sort()
      .map(
        (dest) =>
          new consul.ConfigEntryServiceIntentions(
            `${name}-${dest}`,
            { name: dest, sources: byDestination[dest] ?? [] },
            {
              ...childOf(this, args),
              deleteBeforeReplace: true,
              // Only entries naming a peer or sameness group wait for the peering objects.
              dependsOn: (byDestination[dest] ?? []).some((src) => src.peer ?? src.samenessGroup)
                ? (args.after ?? [])
                : [],
            },
          ),
      );
    this.registerOutputs({});
  }
}
