/**
 * Mesh-wide config entries: proxy-defaults (mesh gateways in local mode, HTTP), the mesh
 * entry (peering through mesh gateways), and service-defaults for the demo services.
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigEntry,
  SERVICES,
  configEntryArgs,
  meshEntry,
  proxyDefaults,
  serviceDefaults,
} from "./configEntries";
import { childOf } from "../config/childOptions";

/** Creates a typed config entry; name-keyed, so a replacement deletes first. */
export function configEntry(
  name: string,
  entry: ConfigEntry,
  opts: pulumi.CustomResourceOptions,
): consul.ConfigEntry {
  return new consul.ConfigEntry(name, configEntryArgs(entry), {
    ...opts,
    deleteBeforeReplace: true,
  });
}

/** proxy-defaults, mesh, service-defaults. */
export class MeshConfig extends pulumi.ComponentResource {
  public readonly proxyDefaults: consul.ConfigEntry;
  /** Peering tokens and peerings must wait for this. */
  public readonly mesh: consul.ConfigEntry;
  public readonly serviceDefaults: consul.ConfigEntry[];

  constructor(name: string, _args: Record<string, never>, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:consul:MeshConfig", name, {}, opts);
    const child = childOf(this, opts);
    this.proxyDefaults = configEntry(`${name}-proxy-defaults`, proxyDefaults(), child);
    this.mesh = configEntry(`${name}-mesh`, meshEntry(), child);
    this.serviceDefaults = [SERVICES.frontend, SERVICES.publicApi, SERVICES.privateApi].map((svc) =>
      configEntry(`${name}-defaults-${svc}`, serviceDefaults(svc), child),
    );
    this.registerOutputs({});
  }
}
