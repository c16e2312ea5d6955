/**
 * A regional external passthrough network load balancer: backend service on a MIG, a
 * regional health check, and a forwarding rule on a reserved static IP. Packets arrive
 * still addressed to the LB's IP (the guest agent makes it local on each VM), so whatever
 * sits behind it must listen on all addresses.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link PassthroughLoadBalancer}. */
export interface PassthroughLoadBalancerArgs {
  datacenter: string;
  region: string;
  /** Short role, used in GCE names: `<datacenter>-<role>`. */
  role: string;
  /** Reserved static IP address. */
  address: pulumi.Input<string>;
  ports: number[];
  /** Health check: TCP connect, or HTTPS GET of a path (certificate not verified by GCE). */
  healthCheck: { port: number; https?: { requestPath: string } };
  /** The MIG's instance group URL. */
  instanceGroup: pulumi.Input<string>;
}

/** Health check + backend service + forwarding rule. */
export class PassthroughLoadBalancer extends pulumi.ComponentResource {
  public readonly forwardingRule: gcp.compute.ForwardingRule;
  public readonly backendService: gcp.compute.RegionBackendService;

  constructor(
    name: string,
    args: PassthroughLoadBalancerArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("hashistack:gcp:PassthroughLoadBalancer", name, {}, opts);
    const gceName = `${args.datacenter}-${args.role}`;
    const named = { parent: this, deleteBeforeReplace: true };
    const hc = new gcp.compute.RegionHealthCheck(
      `${name}-hc`,
      {
        name: `${gceName}-hc`,
        region: args.region,
        checkIntervalSec: 5,
        timeoutSec: 5,
        ...(args.healthCheck.https
          ? {
              httpsHealthCheck: {
                port: args.healthCheck.port,
                requestPath: args.healthCheck.https.requestPath,
              },
            }
          : { tcpHealthCheck: { port: args.healthCheck.port } }),
      },
      named,
    );
    this.backendService = new gcp.compute.RegionBackendService(
      `${name}-backend`,
      {
        name: gceName,
        region: args.region,
        protocol: "TCP",
        loadBalancingScheme: "EXTERNAL",
        healthChecks: hc.id,
        backends: [{ group: args.instanceGroup, balancingMode: "CONNECTION" }],
        connectionDrainingTimeoutSec: 30,
      },
      named,
    );
    this.forwardingRule = new gcp.compute.ForwardingRule(
      `${name}-rule`,
      {
        name: gceName,
        region: args.region,
        ipAddress: args.address,
        ipProtocol: "TCP",
        loadBalancingScheme: "EXTERNAL",
        ports: args.ports.map(String),
        backendService: this.backendService.id,
      },
      named,
    );
    this.registerOutputs({ address: args.address });
  }
}
