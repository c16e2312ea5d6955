/**
 * The API gateway's Consul objects: the `api-gateway` entry with its HTTP listener and the
 * `http-route` sending `/` to front-service (after the gateway entry it attaches to).
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { apiGatewayEntry, frontendRoute } from "./configEntries";
import { configEntry } from "./meshConfig";
import { childOf } from "../config/childOptions";

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
    const child = childOf(this, opts);
    this.gateway = configEntry(`${name}-gateway`, apiGatewayEntry(args.listenerPort), child);
    // A route names its parent gateway and listener: create it after the gateway entry.
    this.route = configEntry(`${name}-route`, frontendRoute(), {
      ...child,
      dependsOn: [this.gateway],
    });
    this.registerOutputs({});
  }
}
