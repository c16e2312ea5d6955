/**
 * The one way a typed config entry (configEntries.ts) becomes a `consul.ConfigEntry`
 * resource, for every domain that writes entries (mesh/, peering/).
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { ConfigEntry, configEntryArgs } from "./configEntries";

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
