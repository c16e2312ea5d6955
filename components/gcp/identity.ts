/**
 * Dedicated service accounts for the servers and the clients (never the default compute
 * account), with the least project roles the VMs need. Secret access is granted per secret
 * in `ClusterSecrets`, so the clients cannot read the management tokens.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/**
 * Project roles of every VM: instance listing for cloud auto-join (compute.viewer carries
 * compute.instances.list), and writing logs and metrics.
 */
export const NODE_ROLES: readonly string[] = [
  "roles/compute.viewer",
  "roles/logging.logWriter",
  "roles/monitoring.metricWriter",
];

/** Arguments of {@link ClusterIdentity}. */
export interface ClusterIdentityArgs {
  project: string;
  datacenter: string;
}

/** The two service accounts of a datacenter and their project roles. */
export class ClusterIdentity extends pulumi.ComponentResource {
  public readonly serverAccount: gcp.serviceaccount.Account;
  public readonly clientAccount: gcp.serviceaccount.Account;
  /** Project role bindings per account: VMs need them at boot (cloud auto-join lists instances). */
  public readonly roleBindings: Record<"servers" | "clients", gcp.projects.IAMMember[]> = {
    servers: [],
    clients: [],
  };

  constructor(name: string, args: ClusterIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:gcp:ClusterIdentity", name, {}, opts);
    const account = (role: "servers" | "clients") => {
      const sa = new gcp.serviceaccount.Account(
        `${name}-${role}-sa`,
        {
          project: args.project,
          accountId: `${args.datacenter}-${role}`,
          displayName: `hashistack ${args.datacenter} ${role}`,
        },
        { parent: this, deleteBeforeReplace: true },
      );
      for (const r of NODE_ROLES) {
        this.roleBindings[role].push(
          new gcp.projects.IAMMember(
            `${name}-${role}-${r.split("/")[1]}`,
            {
              project: args.project,
              role: r,
              member: pulumi.interpolate`serviceAccount:${sa.email}`,
            },
            { parent: this },
          ),
        );
      }
      return sa;
    };
    this.serverAccount = account("servers");
    this.clientAccount = account("clients");
    this.registerOutputs({
      serverAccount: this.serverAccount.email,
      clientAccount: this.clientAccount.email,
    });
  }
}
