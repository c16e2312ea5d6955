/**
 * One Consul + Nomad datacenter on GCP, peered with the datacenters named in config.
 * Config in, components composed, outputs out; nothing else lives here.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConsulNomadCluster } from "./components/cluster/consulNomadCluster";
import { loadConfig } from "./components/config/loadConfig";
import { firewallRules } from "./components/gcp/firewallRules";
import { ClusterIdentity } from "./components/gcp/identity";
import { PassthroughLoadBalancer } from "./components/gcp/loadBalancer";
import {
  afterProjectServices,
  ProjectServices,
  requiredApis,
} from "./components/gcp/projectServices";
import { Network } from "./components/gcp/network";
import { ApiGatewayRoutes } from "./components/mesh/apiGatewayRoutes";
import { EXPORTED, SAMENESS_GROUP, SERVICES } from "./components/mesh/configEntries";
import { GatewayAcls, INGRESS_NAMESPACE } from "./components/mesh/gatewayAcls";
import { intentions } from "./components/mesh/intentions";
import { MeshConfig } from "./components/mesh/meshConfig";
import { ClusterPeering } from "./components/peering/peering";
import { activePeers, deferralNotice } from "./components/config/deferral";
import { OUTPUTS, readAcceptorOutputs } from "./components/peering/peerOutputs";
import { ClusterSecrets } from "./components/gcp/secrets";
import { ServiceIntentions } from "./components/mesh/serviceIntentions";
import { plainErrors } from "./components/config/userError";
import { WorkloadIdentity } from "./components/mesh/workloadIdentity";
import { Workloads } from "./components/mesh/workloads";
import { PORTS } from "./components/config/constants";

// Whatever stops the program prints as plain text, once (components/config/userError.ts).
export = plainErrors(async () => {
  // Validated before any resource exists: bad input fails here with every problem listed.
  const cfg = loadConfig();
  // --- Deferred peering (npm run deploy's platform phase; components/config/deferral.ts) ---
  // Dialer peers in hashistack:deferredPeers are left out of this run entirely; `peers`
  // replaces cfg.peers wherever a peer-related object is made. Empty by default.
  const peers = activePeers(cfg.peers, cfg.deferredPeers);
  const deferral = deferralNotice(cfg.peers, cfg.deferredPeers);
  if (deferral) void pulumi.log.info(deferral);
  // --- end deferred peering ---
  // Cross-stack inputs next, also before anything is created: a dialer deployed before its
  // acceptor stops here, naming the stack and the output.
  const acceptors = await readAcceptorOutputs(cfg.datacenter, peers);
  const dc = cfg.datacenter;
  const apiGateway = cfg.replicas.frontend > 0;
  // From an empty project: the stack enables its APIs and checks the deployer's roles; every
  // GCP resource after this line waits for both (README, "From an empty project").
  const apis = new ProjectServices(`${dc}-apis`, { project: cfg.project, apis: requiredApis(cfg) });
  pulumi.runtime.registerStackTransformation(afterProjectServices(apis.ready));

  const network = new Network(dc, {
    datacenter: dc,
    region: cfg.region,
    subnetCidr: cfg.subnetCidr,
    apiGateway,
    firewall: firewallRules({ ...cfg, datacenter: dc, apiGateway }),
  });
  const identity = new ClusterIdentity(dc, { project: cfg.project, datacenter: dc });
  const secrets = new ClusterSecrets(dc, {
    project: cfg.project,
    datacenter: dc,
    controlPlaneIp: network.controlPlaneAddress.address,
    serverAccountEmail: identity.serverAccount.email,
    clientAccountEmail: identity.clientAccount.email,
    consulLicense: cfg.consulLicense,
    nomadLicense: cfg.nomadLicense,
    protectCaKey: cfg.protectCluster,
  });

  // Both node groups, the control-plane LB and the readiness gate; everything in-cluster
  // below takes its verified connection and options from here.
  const consulNomad = new ConsulNomadCluster(dc, {
    config: cfg,
    subnetwork: network.subnetwork.id,
    controlPlaneAddress: network.controlPlaneAddress.address,
    identity,
    secrets,
    apisReady: apis.ready,
  });
  const { inCluster, cluster, nomad, caPem, consulUrl, nomadUrl } = consulNomad;
  // Regional passthrough LBs on reserved IPs in front of the clients; `role` names the GCE
  // objects. Healthy only on the client running the gateway: traffic goes there.
  const gatewayLb = (role: string, address: pulumi.Input<string>, port: number) =>
    new PassthroughLoadBalancer(`${dc}-${role}`, {
      datacenter: dc,
      region: cfg.region,
      role,
      address,
      ports: [port],
      healthCheck: { port },
      instanceGroup: consulNomad.clientInstanceGroup,
    });
  gatewayLb("mesh-gateway", network.meshGatewayAddress.address, PORTS.meshGateway);
  if (network.apiGatewayAddress)
    gatewayLb("api-gateway", network.apiGatewayAddress.address, cfg.apiGatewayPort);

  const workloadIdentity = new WorkloadIdentity(
    `${dc}-workload-identity`,
    // Consul servers read the JWKS from the Nomad server beside them (127.0.0.1 is a SAN).
    { jwksUrl: `https://127.0.0.1:${PORTS.nomadHttp}/.well-known/jwks.json`, caPem },
    inCluster,
  );
  const gatewayAcls = new GatewayAcls(
    `${dc}-gateway-acls`,
    { authMethod: workloadIdentity.authMethod.name, apiGateway, nomad },
    inCluster,
  );
  const mesh = new MeshConfig(`${dc}-mesh`, {}, inCluster);
  // All configured peers, deferred or not: the frontend's upstream list stays the same
  // across npm run deploy's two phases (no job update when the peering is completed).
  const upstreams = [
    `http://${SERVICES.publicApi}.virtual.consul`,
    `http://${SERVICES.privateApi}.virtual.consul`,
    ...cfg.peers.map((p) => `http://${SERVICES.privateApi}.virtual.${p.peerName}.peer.consul`),
  ];
  const workloads = new Workloads(
    `${dc}-workloads`,
    {
      datacenter: dc,
      nomad,
      meshGatewayAddress: network.meshGatewayAddress.address,
      replicas: cfg.replicas,
      upstreamUris: upstreams.join(","),
      ...(apiGateway
        ? {
            apiGateway: {
              listenerPort: cfg.apiGatewayPort,
              namespace: INGRESS_NAMESPACE,
              consulImage: `hashicorp/consul:${cfg.consulVersion}`,
              caPem,
            },
          }
        : {}),
      after: {
        identity: [workloadIdentity.authMethod, ...workloadIdentity.bindingRules],
        meshGateway: gatewayAcls.meshGatewayReady,
        apiGateway: gatewayAcls.apiGatewayReady,
        services: [mesh.proxyDefaults, ...mesh.serviceDefaults],
      },
    },
    cluster,
  );
  if (apiGateway)
    new ApiGatewayRoutes(`${dc}-api-gateway`, { listenerPort: cfg.apiGatewayPort }, inCluster);
  const peering = new ClusterPeering(
    `${dc}-peering`,
    {
      datacenter: dc,
      peers,
      failoverMode: cfg.failoverMode,
      peeringGeneration: cfg.peeringGeneration,
      acceptors,
      consul: consulNomad.consul,
      // Tokens and peerings wait for this side's mesh entry and healthy mesh gateway.
      meshReady: [mesh.mesh, workloads.meshGateway],
      timeoutSeconds: cfg.readinessTimeoutMinutes * 60,
    },
    inCluster,
  );
  new ServiceIntentions(
    `${dc}-intentions`,
    {
      intentions: intentions({
        localFrontend: apiGateway,
        consumerPeers: peers.map((p) => p.peerName),
        ...(cfg.failoverMode === "sameness-group" ? { samenessGroup: SAMENESS_GROUP } : {}),
      }),
      after: peering.peeringObjects,
    },
    inCluster,
  );
  const acceptsPeers = peers.some((p) => p.role === "acceptor");
  const dialsPeers = peers.some((p) => p.role === "dialer");
  const runningBackends = EXPORTED.filter(
    (s) => (s === SERVICES.publicApi ? cfg.replicas.publicApi : cfg.replicas.privateApi) > 0,
  );

  return {
    datacenter: dc,
    consulUrl,
    nomadUrl,
    ...(network.apiGatewayAddress
      ? {
          apiGatewayUrl: pulumi.interpolate`http://${network.apiGatewayAddress.address}:${cfg.apiGatewayPort}`,
        }
      : {}),
    meshGatewayAddress: pulumi.interpolate`${network.meshGatewayAddress.address}:${PORTS.meshGateway}`,
    caCertPem: secrets.caCertPem,
    consulToken: pulumi.secret(secrets.consulToken),
    nomadToken: pulumi.secret(secrets.nomadToken),
    peerNames: cfg.peers.map((p) => p.peerName),
    // What dialers read through their StackReference (names in components/peering/peering.ts).
    [OUTPUTS.exported]: runningBackends,
    ...(acceptsPeers ? { [OUTPUTS.tokens]: peering.tokens } : {}),
    ...(dialsPeers ? { peerings: peering.peerings } : {}),
    ...(cfg.deferredPeers.length > 0 ? { deferredPeers: cfg.deferredPeers } : {}),
  };
});
