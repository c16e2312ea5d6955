/**
 * Options of a component's children. The engine already gives a child that sets none the
 * `deletedWith`, `protect` and `retainOnDelete` of its parent's registration
 * (pkg/resource/deploy/source_eval.go, inheritFromParent; deletedWith since CLI 3.70,
 * pulumi/pulumi#12572); the Node SDK
 * itself passes only `protect` and providers down (resource.ts), and the mock monitor the
 * tests record with has no engine behind it. An in-cluster component (Consul objects, Nomad
 * jobs) receives `deletedWith: <server group>` and hands it to every child explicitly here:
 * what the engine would do anyway, but visible in the registration the tests record, and
 * harmless under the real engine (an explicit value wins over the inherited one, and both
 * are the same URN).
 */
import * as pulumi from "@pulumi/pulumi";

/** `{ parent }`, plus the component's `deletedWith` when it has one. */
export function childOf(
  parent: pulumi.Resource,
  opts?: pulumi.ComponentResourceOptions,
): { parent: pulumi.Resource; deletedWith?: pulumi.Resource } {
  return opts?.deletedWith ? { parent, deletedWith: opts.deletedWith } : { parent };
}
