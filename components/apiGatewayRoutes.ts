/**
 * The API gateway's Consul objects: the `api-gateway` entry with its HTTP listener, the
 * `http-route` sending `/` to front-service (after the gateway entry it attaches to), and
 * the datacenter's service intentions, one entry per destination.
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { apiGatewayEntry, frontendRoute } from "./configEntries";
import { IntentionSource } from "./intentions";
import { configEntry } from "./meshConfig";

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
    super("hashistack:consul:ServiceIntentions", name, {}, opts);
    this.entries = Object.keys(args.intentions)
      .sort()
      .map(
        (dest) =>
          new consul.ConfigEntryServiceIntentions(
            `${name}-${dest}`,
            { name: dest, sources: args.intentions[dest] ?? [] },
            {
              parent: this,
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

/** Arguments of {@link ApiGatewayRoutes}. */
export interface ApiGatewayRoutesArgs {
  listenerPort: number;
}

/** api-gateway entry and its http-route. */
export class ApiGatewayRoutes extends pulumi.ComponentResource {
  public readonly gateway: consul.ConfigEntry;
  public readonly route: consul.ConfigEntry;

  constructor(name: string, args: ApiGatewayRoutesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:consul:ApiGatewayRoutes", name, {}, opts);
    this.gateway = configEntry(`${name}-gateway`, apiGatewayEntry(args.listenerPort), {
      parent: this,
    });
    // A route names its parent gateway and listener: create it after the gateway entry.
    this.route = configEntry(`${name}-route`, frontendRoute(), {
      parent: this,
      dependsOn: [this.gateway],
    });
    this.registerOutputs({});
  }
}
