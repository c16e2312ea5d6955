/**
 * Options of a component's children. Pulumi passes `protect` and providers from a parent to
 * its children, but not `deletedWith`: an in-cluster component (Consul objects, Nomad jobs)
 * receives `deletedWith: <server group>` and hands it to every child here, so that deleting
 * the cluster skips their deletes (which would need a healthy cluster).
 */
import * as pulumi from "@pulumi/pulumi";

/** `{ parent }`, plus the component's `deletedWith` when it has one. */
export function childOf(
  parent: pulumi.Resource,
  opts?: pulumi.ComponentResourceOptions,
): { parent: pulumi.Resource; deletedWith?: pulumi.Resource } {
  return opts?.deletedWith ? { parent, deletedWith: opts.deletedWith } : { parent };
}
