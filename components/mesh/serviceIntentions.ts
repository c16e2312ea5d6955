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
import { IntentionSource } from "./intentions";
import { childOf } from "../config/childOptions";

/** Arguments of {@link ServiceIntentions}. */
export interface ServiceIntentionsArgs {
  /** Destination -> sources (from `intentions()`). */
  intentions: Record<string, IntentionSource[]>;
  /** Peer-sourced intentions name peers: create them after the peering objects. */
  after?: pulumi.Resource[];
}

/** One `service-intentions` entry per destination. */
export class ServiceIntentions extends pulumi.ComponentResource {
  public readonly entries: consul.ConfigEntryServiceIntentions[];

  constructor(name: string, args: ServiceIntentionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:mesh:ServiceIntentions", name, {}, opts);
    this.entries = Object.keys(args.intentions)
      .sort()
      .map(
        (dest) =>
          new consul.ConfigEntryServiceIntentions(
            `${name}-${dest}`,
            { name: dest, sources: args.intentions[dest] ?? [] },
            {
              ...childOf(this, opts),
              deleteBeforeReplace: true,
              // Only entries naming a peer or sameness group wait for the peering objects.
              dependsOn: (args.intentions[dest] ?? []).some((src) => src.peer ?? src.samenessGroup)
                ? (args.after ?? [])
                : [],
            },
          ),
      );
    this.registerOutputs({});
  }
}
