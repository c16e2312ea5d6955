/**
 * Options of an in-cluster component's children. Objects that live in the servers' Raft
 * state (Consul ACLs and config entries, peerings, Nomad namespaces and jobs, the waits on
 * them) are declared `deletedWith: <server group>`: deleting the servers deletes them all.
 *
 * That option travels in the component's ARGS ({@link InClusterArgs}) and is set on each
 * in-cluster child here, never on the component's own registration: the engine gives every
 * child that sets no `deletedWith` its parent's (pkg/resource/deploy/source_eval.go,
 * inheritFromParent, with `protect` and `retainOnDelete`; deletedWith since CLI 3.70,
 * pulumi/pulumi#12572), so a component registered with it would hand it to any GCP child it
 * holds (a gateway's address and LB): `pulumi destroy` would skip deleting them (a leaked IP
 * and forwarding rule), and from CLI 3.260 a replaced server group would replace them (a new
 * IP under every peer). The Node SDK itself passes only `protect` and providers down
 * (resource.ts), and the mock monitor the tests record with has no engine behind it: the
 * explicit value is also what makes the option visible in the recorded registrations.
 */
import * as pulumi from "@pulumi/pulumi";

/** What every component with in-cluster children takes in its args (not its options). */
export interface InClusterArgs {
  /**
   * What the component's in-cluster children are deleted with: the server group
   * (ConsulNomadCluster.serverGroup). Set on each in-cluster child ({@link childOf}); GCP
   * children and the component itself never get it.
   */
  inClusterDeletedWith: pulumi.Resource;
}

/** Options of an in-cluster child: `{ parent, deletedWith: <server group> }`. */
export function childOf(
  parent: pulumi.Resource,
  args: InClusterArgs,
): { parent: pulumi.Resource; deletedWith: pulumi.Resource } {
  return { parent, deletedWith: args.inClusterDeletedWith };
}
