/**
 * A datacenter's Consul API gateway, all of it: the reserved static IP and passthrough LB
 * users reach it on, the Nomad namespace `ingress` its job runs in, the binding rule giving
 * tasks there the `builtin/api-gateway` templated policy, the Nomad job, and the
 * `api-gateway` entry with its HTTP listener plus the `http-route` sending `/` to
 * front-service. index.ts creates it only where the frontend runs.
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { childOf } from "../config/childOptions";
import { PassthroughLoadBalancer } from "../gcp/loadBalancer";
import { staticAddress } from "../gcp/network";
import { NomadNamespace } from "../nomad/nomadNamespace";
import { apiGatewayEntry, frontendRoute } from "./configEntries";
import { configEntry } from "./configEntryResource";
import { GATEWAY_SELECTORS, INGRESS_NAMESPACE } from "./gatewayPolicies";
import { GatewayArgs } from "./gatewayArgs";
import { jobspecJob } from "./jobspecs";

/** Short role of the gateway's GCE objects: `<datacenter>-api-gateway`. */
const ROLE = "api-gateway";

/** Arguments of {@link ApiGateway}. */
export interface ApiGatewayArgs extends GatewayArgs {
  /** The HTTP listener's port: on the LB, on the client (static) and in the entry. */
  listenerPort: number;
  /** Consul version of the image the gateway's setup task runs (`hashicorp/consul:<v>`). */
  consulVersion: string;
  /** The cluster CA, which the setup task trusts for the local agent's HTTPS API. */
  caPem: pulumi.Input<string>;
}

/**
 * Address, LB, namespace, binding rule, job and entries of the API gateway. `opts` carry the
 * Consul provider; the in-cluster children alone are deleted with `args.inClusterDeletedWith`
 * (gatewayArgs.ts).
 */
export class ApiGateway extends pulumi.ComponentResource {
  /** The static IP users reach the gateway on. */
  public readonly address: pulumi.Output<string>;
  /** `http://<address>:<listenerPort>`. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: ApiGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:mesh:ApiGateway", name, {}, opts);
    const dc = args.datacenter;
    const port = args.listenerPort;
    const gce = { datacenter: dc, region: args.region, role: ROLE };
    this.address = staticAddress(`${name}-ip`, gce, { parent: this }).address;
    this.url = pulumi.interpolate`http://${this.address}:${port}`;
    new PassthroughLoadBalancer(
      `${name}-lb`,
      {
        ...gce,
        address: this.address,
        ports: [port],
        healthCheck: { port },
        instanceGroup: args.clientInstanceGroup,
      },
      { parent: this },
    );

    const child = childOf(this, args);
    const namespace = new NomadNamespace(
      `${name}-namespace`,
      { connection: args.nomad, name: INGRESS_NAMESPACE, description: "Consul API gateways" },
      child,
    );
    const rule = new consul.AclBindingRule(
      `${name}-binding-rule`,
      {
        authMethod: args.authMethod,
        description: "API gateway tasks in Nomad namespace ingress",
        bindType: "templated-policy",
        bindName: "builtin/api-gateway",
        bindVars: { name: "${value.nomad_job_id}" },
        selector: GATEWAY_SELECTORS.apiGateway,
      },
      { ...child, deleteBeforeReplace: true },
    );
    // A workload token minted before its binding rule exists keeps missing permissions.
    jobspecJob(
      `${name}-job`,
      {
        nomad: args.nomad,
        file: "api-gateway.nomad.hcl",
        variables: {
          datacenter: dc,
          namespace: INGRESS_NAMESPACE,
          listener_port: String(port),
          consul_image: `hashicorp/consul:${args.consulVersion}`,
          consul_ca_pem: args.caPem,
        },
      },
      { ...child, dependsOn: [...args.identity, namespace, rule] },
    );

    const entry = configEntry(`${name}-entry`, apiGatewayEntry(port), child);
    // A route names its parent gateway and listener: create it after the gateway entry.
    configEntry(`${name}-route`, frontendRoute(), { ...child, dependsOn: [entry] });
    this.registerOutputs({ url: this.url });
  }
}
